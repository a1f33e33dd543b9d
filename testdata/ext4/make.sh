#!/usr/bin/env bash
# Builds the ext2/ext3/ext4 fixtures for the ext4 reader tests: small images made by the real mke2fs from a
# rootfs assembled here, plus the truth about them as told by debugfs and sha256sum.
# Usage: make.sh OUTDIR
# Debian packages used: e2fsprogs (mkfs.ext2/3/4, debugfs, e2fsck, tune2fs), coreutils, gzip.
#
# For each image X.img it writes:
#   X.sha256   "<sha256>  <path>" for every regular file, from `debugfs -R "dump PATH"` (what the kernel would read)
#   X.links    "<path>\t<target>" for every symbolic link, from `debugfs -R "stat PATH"` (fast links) or
#              `debugfs -R "dump PATH"` (slow links: the target is the link's data)
#   X.ls       "<dir>\t<name>\t<inode>\t<mode(octal)>\t<size>" for every entry of every directory, from `debugfs -R "ls -p DIR"`
#   X.stat     `debugfs -R "stat PATH"` output for a few interesting inodes (extent depth, flags), for humans
#   X.slices   "<path> <offset> <length> <sha256>" of slices of big files (ext4, ext4-1k, ext2 only), for seeking
# and broken-{magic,truncated,extent,dirent}.img: a small real image damaged with dd in one place each.
set -euo pipefail

out="${1:?usage: make.sh OUTDIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

export E2FSPROGS_FAKE_TIME=1700000000   # fixed timestamps where mke2fs honours it
export SOURCE_DATE_EPOCH=1700000000

# A deterministic, incompressible-looking byte source: gzip output of a counting sequence.
random_source="$work/random.bin"
seq 1 3500000 | gzip -n -1 > "$random_source"

# take OFFSET COUNT: COUNT bytes of the random source starting at OFFSET
take() { dd if="$random_source" bs=64K skip="$1" count="$2" iflag=skip_bytes,count_bytes status=none; }

# --- the rootfs every image is built from -------------------------------------------------------------------
make_rootfs() {
  local root="$1"
  mkdir -p "$root/usr/bin" "$root/usr/lib/kata" "$root/usr/share/doc/deeply/nested/directory/tree" \
           "$root/etc" "$root/data" "$root/many" "$root/loop" "$root/empty-dir"
  take 0 1000000 > "$root/usr/bin/kata-agent"
  chmod 755 "$root/usr/bin/kata-agent"
  take 1100000 3145728 > "$root/data/large.bin"
  printf 'hi\n' > "$root/etc/tiny"
  printf 'kata-guest\n' > "$root/etc/hostname"
  : > "$root/data/empty"
  printf 'deep file\n' > "$root/usr/share/doc/deeply/nested/directory/tree/leaf.txt"
  printf 'lib\n' > "$root/usr/lib/kata/libfake.so"

  # sparse: data, hole, data, hole, data, trailing hole
  take 4700000 4096 | dd of="$root/data/sparse.bin" bs=4096 seek=0 conv=notrunc status=none
  take 4800000 4096 | dd of="$root/data/sparse.bin" bs=4096 seek=256 conv=notrunc status=none
  take 4900000 8192 | dd of="$root/data/sparse.bin" bs=4096 seek=1280 conv=notrunc status=none
  truncate -s 8M "$root/data/sparse.bin"

  # far: one block far out (80 MiB), so 1 KiB-block images need the triple indirect block
  take 5000000 4096 | dd of="$root/data/far.bin" bs=4096 seek=20480 conv=notrunc status=none

  # frag: 400 separate 4 KiB pieces, so extent trees need index nodes (depth 2 with 1 KiB blocks)
  local i
  for i in $(seq 0 399); do
    take $(( 5100000 + i * 4096 )) 4096
  done > "$work/frag-pieces"
  for i in $(seq 0 399); do
    dd if="$work/frag-pieces" of="$root/data/frag.bin" bs=4096 skip="$i" seek=$(( i * 2 )) count=1 \
       conv=notrunc status=none
  done

  # a directory a little too big for i_block alone: with inline_data it continues in the system.data xattr
  mkdir -p "$root/small"
  for i in 1 2 3 4 5 6; do
    printf '%s\n' "$i" > "$root/small/f$i"
  done

  # a directory big enough to become a hashed (htree) directory once e2fsck -D rebuilds it
  for i in $(seq 1 2000); do
    : > "$root/many/entry-with-a-longish-name-$i"
  done

  ln -s usr/lib "$root/lib"                          # relative
  ln -s /usr/bin "$root/bin"                         # absolute
  ln -s kata-agent "$root/usr/bin/agent-link"        # fast, relative, same directory
  ln -s /usr/share/doc/deeply/nested/directory/tree/../tree/./leaf.txt "$root/etc/long-link"  # > 60 bytes: slow
  ln -s ../../bin/kata-agent "$root/usr/lib/agent-up"  # relative through an absolute link
  ln -s b "$root/loop/a"
  ln -s a "$root/loop/b"
}

root="$work/root"
make_rootfs "$root"

# --- truth from debugfs -------------------------------------------------------------------------------------
record_truth() {
  local img="$1" base="${1%.img}"
  : > "$base.links"
  local path

  # Sizes and inode numbers: `ls -p` of every directory in the rootfs, in one debugfs run.
  (cd "$root" && find . -type d | sort | sed 's/^\.//; s/^$/\//') > "$work/dirs"
  awk '{ printf "ls -p \"%s\"\n", $0 }' "$work/dirs" > "$work/ls.cmds"
  debugfs -f "$work/ls.cmds" "$img" 2>/dev/null | awk -F/ '
    /^debugfs: ls -p / { d = $0; sub(/^debugfs: ls -p "/, "", d); sub(/"$/, "", d); next }
    NF >= 7 && $2 != 0 && $6 != "." && $6 != ".." { printf "%s\t%s\t%s\t%s\t%s\n", d, $6, $2, $3, $7 }' > "$base.ls"

  # One debugfs run dumps every regular file (thousands of separate runs take a minute).
  rm -rf "$work/dumps"; mkdir "$work/dumps"
  (cd "$root" && find . -type f | sort | sed 's/^\.//') > "$work/files"
  awk -v d="$work/dumps" '{ printf "dump \"%s\" %s/%d\n", $0, d, NR }' "$work/files" > "$work/dump.cmds"
  debugfs -f "$work/dump.cmds" "$img" >/dev/null 2>&1
  # debugfs 1.47 dumps all 60 bytes of i_block for an empty inline-data file; the file's size (from ls -p)
  # is what the kernel returns, so a dump longer than the size is cut back to it (never extended).
  awk -F'\t' '{ p = ($1 == "/" ? "" : $1) "/" $2; print p "\t" $5 }' "$base.ls" > "$work/sizes"
  (cd "$work/dumps" && seq 1 "$(wc -l < "$work/files")" | xargs stat -c $'%n\t%s') > "$work/dumped-sizes"
  awk -F'\t' 'NR == FNR { size[$1] = $2; next } { print FNR "\t" size[$0] }' "$work/sizes" "$work/files" |
    awk -F'\t' 'NR == FNR { dumped[$1] = $2; next } dumped[$1] > $2 { print $1 "\t" $2 }' "$work/dumped-sizes" - |
    while IFS=$'\t' read -r n size; do
      truncate -s "$size" "$work/dumps/$n"
    done
  (cd "$work/dumps" && seq 1 "$(wc -l < "$work/files")" | xargs sha256sum) | cut -d' ' -f1 \
    | paste -d' ' - <(sed 's/^/ /' "$work/files") > "$base.sha256"

  (cd "$root" && find . -type l | sort) | while read -r path; do
    path="${path#.}"
    local target
    target="$(debugfs -R "stat \"$path\"" "$img" 2>/dev/null | sed -n 's/^Fast link dest: "\(.*\)"$/\1/p')"
    if [ -z "$target" ]; then
      debugfs -R "dump \"$path\" $work/dumped" "$img" 2>/dev/null
      target="$(cat "$work/dumped")"
    fi
    printf '%s\t%s\n' "$path" "$target" >> "$base.links"
  done
  {
    for path in /many /data/frag.bin /data/large.bin /data/sparse.bin /data/far.bin /etc/long-link /etc/tiny /etc /small; do
      echo "== $path"; debugfs -R "stat \"$path\"" "$img" 2>/dev/null | grep -v -i 'time:' || true
    done
    echo "== htree /many"; debugfs -R "htree /many" "$img" 2>/dev/null | head -5 || true
  } > "$base.stat"
}

# make_image NAME SIZE MKFS [OPTIONS...]: builds NAME.img from the rootfs, then optimises directories the way
# Kata's image builder does (fsck -D turns big directories into htrees).
make_image() {  # (-N: the 2000-entry directory needs more inodes than small images get by default)
  local name="$1" size="$2"; shift 2
  local img="$out/$name.img"
  rm -f "$img"
  "$@" -q -F -N 2200 -U clear -E hash_seed=3e2f6c3a-0000-4000-8000-000000000002 -d "$root" "$img" "$size" >/dev/null
  e2fsck -fyD "$img" >/dev/null 2>&1 || [ $? -le 1 ]   # 1 = "errors corrected" (directories optimised)
}

# Kata's own recipe: 4 KiB blocks, 64-bit, flex_bg, extents, metadata_csum, then tune2fs -m 3 and fsck -D.
make_image ext4 12M mkfs.ext4 -b 4096
tune2fs -m 3 "$out/ext4.img" >/dev/null
# Uninitialised extents: preallocate the first hole of sparse.bin (reads as zeros, like the hole did).
debugfs -w -R "fallocate /data/sparse.bin 1 255" "$out/ext4.img" >/dev/null 2>&1
e2fsck -fn "$out/ext4.img" >/dev/null 2>&1

# 1 KiB blocks, 128-byte inodes, 32-bit group descriptors: deeper extent trees and more block groups.
make_image ext4-1k 8M mkfs.ext4 -b 1024 -I 128 -O ^64bit,^metadata_csum

# ext4 without extents (mke2fs requires extents for 64bit): block maps with flex_bg and huge_file.
make_image ext4-blockmap 8M mkfs.ext4 -b 4096 -O ^extent,^64bit,^has_journal

# Inline data: tiny files, small directories and symlinks kept inside the inode.
make_image ext4-inline 8M mkfs.ext4 -b 4096 -I 256 -O inline_data,^has_journal

# The ancestors: ext2 with 1 KiB blocks (far.bin needs the triple indirect block), ext3 with 2 KiB blocks.
make_image ext2 8M mkfs.ext2 -b 1024 -I 128
make_image ext3 10M mkfs.ext3 -b 2048

for img in "$out"/ext4.img "$out"/ext4-1k.img "$out"/ext4-blockmap.img "$out"/ext4-inline.img \
           "$out"/ext2.img "$out"/ext3.img; do
  record_truth "$img"
done

# Slices of big files at odd offsets, to check seeking: "<path> <offset> <length> <sha256>" per line.
for img in "$out"/ext4.img "$out"/ext4-1k.img "$out"/ext2.img; do
  base="${img%.img}"
  : > "$base.slices"
  for spec in "/data/large.bin 1000001 70000" "/data/sparse.bin 1040000 20000" "/data/frag.bin 2500000 300000" \
              "/data/far.bin 83886000 2000"; do
    set -- $spec
    debugfs -R "dump $1 $work/dumped" "$img" >/dev/null 2>&1
    echo "$1 $2 $3 $(dd if="$work/dumped" bs=64K skip="$2" count="$3" iflag=skip_bytes,count_bytes status=none | sha256sum | cut -d' ' -f1)" >> "$base.slices"
  done
done

# Broken images: a small real image, then one kind of damage each. debugfs finds where the damage goes;
# dd does it. The tests expect a clear ImageFormatException from each.
tiny="$work/tiny"
mkdir -p "$tiny/etc" "$tiny/usr/bin"
printf 'kata-guest\n' > "$tiny/etc/hostname"
take 0 200000 > "$tiny/usr/bin/kata-agent"
mkfs.ext4 -q -F -b 1024 -U clear -d "$tiny" "$work/tiny.img" 2M >/dev/null
damage() { # damage IMG OFFSET HEXBYTES
  printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
rm -f "$out"/broken-*.img

cp "$work/tiny.img" "$out/broken-magic.img"                       # superblock magic zeroed
damage "$out/broken-magic.img" $(( 1024 + 56 )) '\x00\x00'

cp "$work/tiny.img" "$out/broken-truncated.img"                   # cut off after the group descriptors
truncate -s 64K "$out/broken-truncated.img"

cp "$work/tiny.img" "$out/broken-extent.img"                      # kata-agent's extent header magic zeroed
loc="$(debugfs -R "imap /usr/bin/kata-agent" "$work/tiny.img" 2>/dev/null | sed -n 's/.*located at block \([0-9]*\), offset \(0x[0-9a-f]*\).*/\1 \2/p')"
set -- $loc
damage "$out/broken-extent.img" $(( $1 * 1024 + $2 + 0x28 )) '\x00\x00'

cp "$work/tiny.img" "$out/broken-dirent.img"                      # first entry of /etc gets rec_len 0
etc_block="$(debugfs -R "blocks /etc" "$work/tiny.img" 2>/dev/null | awk '{ print $1 }')"
damage "$out/broken-dirent.img" $(( etc_block * 1024 + 4 )) '\x00\x00'
