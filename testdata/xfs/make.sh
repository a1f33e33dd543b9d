#!/usr/bin/env bash
# Builds the XFS fixtures with the real tools, without mounting anything:
#   mkfs.xfs -p PROTOFILE populates a v5 filesystem from host files, xfs_db -r records the truth.
# Debian packages: xfsprogs (mkfs.xfs, xfs_db), coreutils, gzip.
#
# Usage: testdata/xfs/make.sh OUTDIR
# Outputs in OUTDIR:
#   rootfs.img          the filesystem (320 MiB apparent, sparse: ~15 MiB on disk)
#   ls/<name>.txt       `xfs_db ls` of each interesting directory (cookie, inode, type, hash, namelen, name)
#   stat.txt            "<path> <inode> <octal mode> <size> <data fork format>" per interesting path (xfs_db)
#   dirformats.txt      "<path> <format>" with format shortform|block|leaf|node and "+btree" when the fork is a btree
#   sha256.txt          "<sha256>  <path in image>" of the source files copied in
#   links.txt           "<path in image> <target as written in the protofile>"
#   repair.txt          `xfs_repair -n` of rootfs.img (it flags the remote symlink mkfs 6.1 writes without a header)
#   corrupt-magic.img   rootfs.img with the superblock magic overwritten
#   truncated.img       the first 4 MiB of rootfs.img
#   damaged.img         rootfs.img with one structure per path broken by xfs_db -x (see damaged.txt)
#
# Known limits of mkfs.xfs 6.1 -p (checked by hand): regular files are written as one extent (holes in the source are
# filled in), and a file larger than one AG's free space corrupts the next AG's headers, so files stay well under the
# AG size. A btree data fork therefore comes from a big directory (many interleaved data/leaf/free blocks), not a file.
# Remote symlinks are written without their v5 "XSLM" header (see repair.txt), so they are only a negative case.
set -euo pipefail

out="${1:?usage: make.sh OUTDIR}"
rm -rf "$out"
mkdir -p "$out/src" "$out/ls"
src="$out/src"
proto="$out/rootfs.proto"

# ---- source files (deterministic content) ----
seq 1 400000 | gzip -n -1 > "$src/kata-agent"              # binary-like, ~0.9 MiB
seq 1 2000000 | gzip -n -6 > "$src/several-mib.bin"        # binary-like, several MiB
: > "$src/empty"
printf 'kata-preflight xfs fixture\n' > "$src/hello.txt"
printf 'NAME="Fixture OS"\nVERSION_ID=1\n' > "$src/os-release"

# 40 MiB, mostly zeros with a marker at every MiB: big enough that opening it must not read it whole.
truncate -s 40M "$src/large-40m.bin"
for i in $(seq 0 39); do
  printf 'marker %02d MiB\n' "$i" | dd of="$src/large-40m.bin" bs=1M seek="$i" conv=notrunc status=none
done
printf 'tail marker\n' | dd of="$src/large-40m.bin" bs=1 seek=$((40 * 1024 * 1024 - 12)) conv=notrunc status=none

files_in_dir() { # files_in_dir COUNT NAMELEN PREFIX: protofile lines of empty files, names of exactly NAMELEN chars
  local pad
  pad="$(printf 'x%.0s' $(seq 1 $(( $2 - ${#3} - 7 ))))"
  local i
  for (( i = 1; i <= $1; i++ )); do
    printf '%s%06d_%s ---644 0 0 /dev/null\n' "$3" "$i" "$pad"
  done
}

# Remote symlink: longer than the 336-byte inode literal area, shorter than 1024 (MAXPATHLEN).
remote_target="/usr/lib/$(printf 'very-long-component-%03d/' $(seq 1 40))end"
# ---- protofile ----
{
  echo "fixture"
  echo "0 0"
  echo "d--755 0 0"
  echo "etc d--755 0 0"
  echo "  hello.txt ---644 0 0 $src/hello.txt"
  echo "  os-release ---644 0 0 $src/os-release"
  echo "  empty ---644 0 0 $src/empty"
  echo "\$"
  echo "usr d--755 0 0"
  echo "  bin d--755 0 0"
  echo "    kata-agent ---755 0 0 $src/kata-agent"
  echo "    agent-link l--777 0 0 kata-agent"
  echo "  \$"
  echo "  lib d--755 0 0"
  echo "    several-mib.bin ---644 0 0 $src/several-mib.bin"
  echo "    large-40m.bin ---644 0 0 $src/large-40m.bin"
  echo "    remote-link l--777 0 0 $remote_target"
  echo "  \$"
  echo "  share d--755 0 0"
  echo "    deep d--755 0 0"
  echo "      deeper d--755 0 0"
  echo "        leaf.txt ---644 0 0 $src/hello.txt"
  echo "      \$"
  echo "    \$"
  echo "  \$"
  echo "\$"
  echo "bin l--777 0 0 usr/bin"
  echo "lib64 l--777 0 0 /usr/lib"
  echo "loop d--755 0 0"
  echo "  a l--777 0 0 b"
  echo "  b l--777 0 0 a"
  echo "\$"
  echo "dirs d--755 0 0"
  echo "  block10 d--755 0 0"
  files_in_dir 10 40 b
  echo "  \$"
  echo "  leaf300 d--755 0 0"
  files_in_dir 300 20 l
  echo "  \$"
  echo "  node1000 d--755 0 0"
  files_in_dir 1000 16 n
  echo "  \$"
  echo "  btree12000 d--755 0 0"
  files_in_dir 12000 200 t
  echo "  \$"
  echo "\$"
  echo "\$"
} > "$proto"

img="$out/rootfs.img"
# mkfs.xfs 6.1 refuses data sections under 300 MiB and logs under 64 MiB; the file is sparse.
truncate -s 320M "$img"
mkfs.xfs -m reflink=0 -q -f -b size=4096 -p "$proto" "$img"
# Copying with --sparse=always turns the zero blocks mkfs wrote into holes (a 320 MiB image takes ~15 MiB).
cp --sparse=always "$img" "$img.sparse"
mv "$img.sparse" "$img"

db() { xfs_db -r "$img" "$@" 2>/dev/null; }

# ---- truth from xfs_db ----
for dir in / /etc /usr /usr/bin /usr/lib /usr/share/deep/deeper /loop /dirs /dirs/block10 /dirs/leaf300 \
           /dirs/node1000 /dirs/btree12000; do
  name="$(echo "$dir" | tr '/' '_')"
  [ "$name" = "_" ] && name="_root"
  db -c "path $dir" -c "ls" > "$out/ls/$name.txt"
done

fork_format() { db -c "path $1" -c "inode" -c "print core.format" | sed -n 's/^core.format = [0-9]* (\(.*\))$/\1/p'; }

: > "$out/stat.txt"
for p in / /etc/hello.txt /etc/empty /usr/bin/kata-agent /usr/bin/agent-link /usr/lib/several-mib.bin \
         /usr/lib/large-40m.bin /usr/lib/remote-link /bin /lib64 /loop/a /dirs/btree12000; do
  inode="$(db -c "path $p" -c "inode" | sed -n 's/^current inode number is //p')"
  mode="$(db -c "path $p" -c "inode" -c "print core.mode" | sed -n 's/^core.mode = //p')"
  size="$(db -c "path $p" -c "inode" -c "print core.size" | sed -n 's/^core.size = //p')"
  echo "$p $inode $mode $size $(fork_format "$p")" >> "$out/stat.txt"
done

# Directory format from its fork: short-form lives in the inode; otherwise the bmap shows which of the three
# logical ranges (data, leaf at 32 GiB, free index at 64 GiB; in 4 KiB blocks 8388608 and 16777216) hold blocks.
: > "$out/dirformats.txt"
for dir in /etc /dirs/block10 /dirs/leaf300 /dirs/node1000 /dirs/btree12000; do
  fork="$(fork_format "$dir")"
  if [ "$fork" = "local" ]; then
    format=shortform
  else
    bmap="$(db -c "path $dir" -c "bmap")"
    if echo "$bmap" | awk '$3 >= 16777216 { found = 1 } END { exit !found }'; then
      format=node
    elif echo "$bmap" | awk '$3 >= 8388608 { found = 1 } END { exit !found }'; then
      format=leaf
    else
      format=block
    fi
    [ "$fork" = "btree" ] && format="$format+btree"
  fi
  echo "$dir $format" >> "$out/dirformats.txt"
done

# The fixture is only useful if mkfs produced every format the tests are about.
expect() { grep -qx "$1" "$out/$2" || { echo "make.sh: expected '$1' in $2, got:" >&2; cat "$out/$2" >&2; exit 1; }; }
expect "/etc shortform" dirformats.txt
expect "/dirs/block10 block" dirformats.txt
expect "/dirs/leaf300 leaf" dirformats.txt
expect "/dirs/node1000 node" dirformats.txt
expect "/dirs/btree12000 node+btree" dirformats.txt
grep -q '^/usr/bin/agent-link .* local$' "$out/stat.txt" || { echo "make.sh: agent-link is not a local symlink" >&2; exit 1; }
grep -q '^/usr/lib/remote-link .* extents$' "$out/stat.txt" || { echo "make.sh: remote-link is not remote" >&2; exit 1; }

# mkfs.xfs 6.1 -p writes a remote symlink's target without the v5 "XSLM" block header, so that link is corrupt
# as made (the kernel's verifier and xfs_repair reject it). Record xfs_repair's verdict: the reader must agree.
xfs_repair -n "$img" > "$out/repair.txt" 2>&1 || true

# ---- truth from the sources ----
{
  (cd "$src" && sha256sum kata-agent) | sed 's|  kata-agent$|  /usr/bin/kata-agent|'
  (cd "$src" && sha256sum several-mib.bin) | sed 's|  several-mib.bin$|  /usr/lib/several-mib.bin|'
  (cd "$src" && sha256sum large-40m.bin) | sed 's|  large-40m.bin$|  /usr/lib/large-40m.bin|'
  (cd "$src" && sha256sum empty) | sed 's|  empty$|  /etc/empty|'
  (cd "$src" && sha256sum hello.txt) | sed 's|  hello.txt$|  /etc/hello.txt|'
  (cd "$src" && sha256sum hello.txt) | sed 's|  hello.txt$|  /usr/share/deep/deeper/leaf.txt|'
} > "$out/sha256.txt"
{
  echo "/usr/bin/agent-link kata-agent"
  echo "/usr/lib/remote-link $remote_target"
  echo "/bin usr/bin"
  echo "/lib64 /usr/lib"
  echo "/loop/a b"
  echo "/loop/b a"
} > "$out/links.txt"

# ---- broken copies ----
cp --sparse=always "$img" "$out/corrupt-magic.img"
printf 'XFSX' | dd of="$out/corrupt-magic.img" bs=1 seek=0 conv=notrunc status=none
head -c $((4 * 1024 * 1024)) "$img" > "$out/truncated.img"

# One structure broken per path, by xfs_db in expert mode (write -d skips its verifiers), so each reader check
# meets a real corruption. The inode write comes last: it breaks the inode cluster xfs_db reads to walk paths.
damaged="$out/damaged.img"
cp --sparse=always "$img" "$damaged"
dbx() { xfs_db -x "$damaged" "$@" > /dev/null 2>&1 || true; }
dbx -c "path /dirs/leaf300" -c "dblock 0" -c "write -d dhdr.hdr.magic 0x41424344"
dbx -c "path /dirs/btree12000" -c "inode" -c "addr u3.bmbt.ptrs[1]" -c "write -d magic 0x41424344"
dbx -c "path /dirs/node1000" -c "inode" -c "write -d u3.bmx[0].startblock 99999999"
dbx -c "path /etc/hello.txt" -c "inode" -c "write -d core.nextents 500"
# What the damage looks like to xfs_db: the tests check our reader names the same structures.
{
  xfs_db -r "$damaged" -c "path /dirs/leaf300" -c "dblock 0" -c "type data" -c "print" 2>&1 \
    | sed -n 's/^000: \([0-9a-f]*\) .*/dblock0.magic = 0x\1/p'
  xfs_db -r "$damaged" -c "path /dirs/btree12000" -c "inode" -c "addr u3.bmbt.ptrs[1]" -c "print magic" 2>&1 | grep magic || true
  xfs_db -r "$damaged" -c "path /dirs/node1000" -c "inode" -c "print u3.bmx[0].startblock" 2>&1 | grep startblock || true
  xfs_db -r "$damaged" -c "inode $(awk '$1 == "/etc/hello.txt" { print $2 }' "$out/stat.txt")" -c "print core.nextents" 2>&1 | grep nextents || true
} > "$out/damaged.txt"
dbx -c "path /usr/bin/kata-agent" -c "inode" -c "write -d core.magic 0x4142"
xfs_db -r "$damaged" -c "inode $(awk '$1 == "/usr/bin/kata-agent" { print $2 }' "$out/stat.txt")" -c "print core.magic" 2>&1 \
  | grep magic >> "$out/damaged.txt" || true

rm -f "$proto"
echo "xfs fixtures: $(du -sh --apparent-size "$img" | cut -f1) apparent, $(du -sh "$out" | cut -f1) on disk in $out" >&2
