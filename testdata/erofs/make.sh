#!/usr/bin/env bash
# Builds the EROFS fixtures with the real mkfs.erofs (erofs-utils 1.5, Debian bookworm) and records what the
# real tools say about them, so the tests compare our reader with the truth instead of with itself.
#
# Usage: make.sh OUTDIR
# Debian packages: erofs-utils (mkfs.erofs, fsck.erofs, dump.erofs), coreutils, findutils, perl-base (Essential).
#
# Output, per image variant NAME:
#   NAME.erofs    the image
#   NAME.tree     fsck.erofs --extract of the image, listed by find: "d<TAB>/path", "l<TAB>/path<TAB>target",
#                 "f<TAB>/path<TAB>size"
#   NAME.sha256   sha256sum of every regular file in that extraction ("hash  ./path")
#   NAME.dump     dump.erofs -s (superblock) and dump.erofs --path for the files whose layout the tests check
# and once: source.tree / source.sha256 (same formats, with the octal mode appended to each tree line) from the
# source directory, source-files/ (copies of big.bin and kata-agent), corrupt-magic.erofs (superblock magic
# overwritten), truncated.erofs (cut short) and bad-root.erofs (root nid pointing into file data).
set -euo pipefail

out="${1:?usage: make.sh OUTDIR}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"

# ---- the source tree ------------------------------------------------------------------------------------------
mkdir -p "$root/usr/bin" "$root/etc" "$root/a/b/c/d" "$root/data" "$root/many" "$root/links" "$root/sbin"
printf 'kata-guest\n' > "$root/etc/hostname"
: > "$root/etc/empty"
printf 'deep inside\n' > "$root/a/b/c/d/deep.txt"

# A directory with 1000 entries: about 40 bytes of dirent and name each, so it spans ~10 blocks of 4 KiB.
for i in $(seq -w 0 999); do
  printf '%s\n' "$i" > "$root/many/entry-with-a-longish-name-$i"
done

# Multi-MiB content with deterministic pseudo-random text (compressible, not trivial), plus a 512 KiB stretch of
# pseudo-random bytes that lz4 cannot shrink, so compressed images also hold plain (uncompressed) pclusters.
perl -e '
  my $x = 12345;
  sub next_rand { $x = ($x * 1103515245 + 12345) % 2147483648; return $x; }
  my @words = qw(agent runtime sandbox container protocol ttrpc guest image erofs block cluster);
  my $out = "";
  for my $line (0 .. 59999) {
    $out .= sprintf("%06d", $line);
    for (1 .. 6) { $out .= " " . $words[next_rand() % @words] . (next_rand() % 1000); }
    $out .= "\n";
    if ($line == 30000) { for (1 .. 524288) { $out .= chr((next_rand() >> 16) & 255); } }
  }
  print $out;
' > "$root/data/big.bin"

# "Binary-like" agent: an ELF-looking header, incompressible bytes, embedded strings and zero padding.
perl -e '
  my $x = 777;
  sub next_rand { $x = ($x * 1103515245 + 12345) % 2147483648; return $x; }
  my $out = "\x7fELF\x02\x01\x01" . ("\0" x 9);
  for my $chunk (0 .. 79) {
    for (1 .. 2048) { $out .= chr((next_rand() >> 16) & 255); }
    $out .= "/grpc.AgentService/CreateContainer\0kata-agent version 3.2.0\0" . ("\0" x 1000);
  }
  print $out;
' > "$root/usr/bin/kata-agent"
chmod 0755 "$root/usr/bin/kata-agent"
printf '#!/bin/sh\nexec /usr/bin/kata-agent\n' > "$root/sbin/init.sh"
chmod 0750 "$root/sbin/init.sh"

ln -s usr/bin "$root/bin"                                   # relative, short
ln -s /usr/bin/kata-agent "$root/links/absolute-agent"       # absolute: resolves inside the image
ln -s ../usr/bin/kata-agent "$root/links/relative-agent"     # relative with ..
ln -s loop-b "$root/links/loop-a"                            # a loop
ln -s loop-a "$root/links/loop-b"
# A long target (> one 4 KiB block is not allowed by Linux; 3000 bytes is past any inline limit of an inode
# slot and the tail of a block) that still resolves: many "./" then the agent.
long="$(printf './%.0s' $(seq 1 1490))usr/bin/kata-agent"
ln -s "/$long" "$root/links/long-agent"
ln -s does/not/exist "$root/links/dangling"
touch -h -d '2020-01-01 00:00:00 UTC' "$root"/links/* "$root/bin"
find "$root" -exec touch -h -d '2020-01-01 00:00:00 UTC' {} +

list_tree() { # DIR WITH_MODE -> tree lines
  (cd "$1" && {
    if [ "$2" = yes ]; then
      find . -mindepth 1 -type d -printf 'd\t/%P\t%m\n'
      find . -mindepth 1 -type l -printf 'l\t/%P\t%l\t%m\n'
      find . -mindepth 1 -type f -printf 'f\t/%P\t%s\t%m\n'
    else
      find . -mindepth 1 -type d -printf 'd\t/%P\n'
      find . -mindepth 1 -type l -printf 'l\t/%P\t%l\n'
      find . -mindepth 1 -type f -printf 'f\t/%P\t%s\n'
    fi
  } | LC_ALL=C sort)
}
list_hashes() { # DIR -> sha256sum lines
  (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}

list_tree "$root" yes > "$out/source.tree"
list_hashes "$root" > "$out/source.sha256"
# The two large source files themselves, so tests can check reads at arbitrary offsets byte for byte.
rm -rf "$out/source-files"
mkdir -p "$out/source-files"
cp "$root/data/big.bin" "$root/usr/bin/kata-agent" "$out/source-files/"

# ---- the images -----------------------------------------------------------------------------------------------
# Fixed timestamp and UUID so the images are the same on every run.
common=(--quiet -T 1577836800 -U 6b1a3c38-3a36-4a4e-9d7e-2f2a1c0e0f11 --all-root)
build() { # NAME mkfs-options...
  local name="$1"; shift
  rm -f "$out/$name.erofs"
  mkfs.erofs "${common[@]}" "$@" "$out/$name.erofs" "$root"
  rm -rf "$work/x"
  fsck.erofs --extract="$work/x" "$out/$name.erofs" > /dev/null
  list_tree "$work/x" no > "$out/$name.tree"
  list_hashes "$work/x" > "$out/$name.sha256"
  {
    dump.erofs -s "$out/$name.erofs"
    for p in /data/big.bin /usr/bin/kata-agent /etc/hostname /etc/empty /many /links/long-agent; do
      echo "== $p"
      dump.erofs --path="$p" "$out/$name.erofs"
    done
  } > "$out/$name.dump" 2>&1
  rm -rf "$work/x"
}

build plain                                              # FLAT_INLINE tails, compact inodes
build noinline -Enoinline_data                           # what Kata's image_builder.sh runs
build extended -Eforce-inode-extended                    # 64-byte inodes
build lz4 -zlz4                                          # COMPRESSED_COMPACT, 0PADDING
build lz4hc -zlz4hc,12                                   # same layout, denser encoder
build lz4-noinline -zlz4 -Enoinline_data                 # compressed with Kata's option
build lz4hc-bigpcluster -zlz4hc -C65536                  # big pclusters (several blocks each)
build lz4-legacy -zlz4 -Elegacy-compress                 # COMPRESSED_FULL (8-byte lcluster indexes)
build lz4-ztailpacking -zlz4 -Eztailpacking              # compressed tail inline after the inode
build chunked --chunksize=65536                          # CHUNK_BASED, 4-byte block map
build chunked-indexes --chunksize=65536 -Eforce-chunk-indexes   # CHUNK_BASED, 8-byte chunk indexes

# ---- broken images --------------------------------------------------------------------------------------------
cp "$out/plain.erofs" "$out/corrupt-magic.erofs"
printf 'XXXX' | dd of="$out/corrupt-magic.erofs" bs=1 seek=1024 conv=notrunc status=none
head -c 8192 "$out/noinline.erofs" > "$out/truncated.erofs"
# Root nid (le16 at superblock offset 14) pointed at 0xFFFF: an inode slot 2 MiB in, inside file data.
cp "$out/lz4.erofs" "$out/bad-root.erofs"
printf '\xff\xff' | dd of="$out/bad-root.erofs" bs=1 seek=$((1024 + 14)) conv=notrunc status=none
