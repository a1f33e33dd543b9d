#!/usr/bin/env bash
# Builds guest disk images the way Kata's osbuilder does, for every filesystem x layout, plus rootfs variants for
# the agent locator. Usage: make.sh OUTDIR
# Debian packages: e2fsprogs (mkfs.ext4), xfsprogs (mkfs.xfs), erofs-utils (mkfs.erofs), fdisk (sfdisk),
# cryptsetup-bin (veritysetup), coreutils, gzip.
# Truth recorded next to the images: agent.sha256 (sha256sum of the agent put in), <image>.sfdisk.json (sfdisk's
# own reading of each partition table), matrix.tsv (image, layout, filesystem, the rootfs partition's byte offset).
# Determinism: contents, UUIDs, hash seeds and mtimes are fixed; ext4 still records each source file's ctime
# (mkfs.ext4 -d copies it and touch cannot set it) and XFS/erofs some creation times, so image bytes differ
# between runs while everything the tests compare (tables, paths, agent sha256) does not.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: make.sh OUTDIR}"
# shellcheck source=rootfs.sh
source "$here/rootfs.sh"

export E2FSPROGS_FAKE_TIME=1767323045 SOURCE_DATE_EPOCH=1767323045
# xfsprogs >= 5.19 refuses filesystems under 300 MB except for its own test suite (fstests sets these);
# a 40 MiB XFS keeps the fixtures small and is still a valid V5 filesystem.
export TEST_DIR=/tmp TEST_DEV=fixture QA_CHECK_FS=1

mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
MiB=$((1024 * 1024))

# xfs_protofile DIR (shared with the fuzz corpus script).
source "$here/../lib/xfs-proto.sh"

# make_fs FS DIR IMG: a filesystem image holding DIR, with osbuilder's options.
make_fs() {
  local fs="$1" dir="$2" img="$3"
  rm -f "$img"
  case "$fs" in
    ext4)
      truncate -s 16M "$img"
      mkfs.ext4 -q -F -b 4096 -U 6b1c2f3e-0000-4000-8000-000000000001 -E hash_seed=6b1c2f3e-0000-4000-8000-000000000002 \
        -d "$dir" "$img"
      ;;
    xfs)
      truncate -s 40M "$img"
      xfs_protofile "$dir" > "$work/proto"
      mkfs.xfs -m reflink=0,uuid=6b1c2f3e-0000-4000-8000-000000000003 -q -f -b size=4096 -p "$work/proto" "$img"
      ;;
    erofs)
      mkfs.erofs -Enoinline_data -T 1767323045 -U 6b1c2f3e-0000-4000-8000-000000000004 "$img" "$dir" >/dev/null
      ;;
  esac
}

# shellcheck source=disk.sh
source "$here/disk.sh"

record_table() { sfdisk -J "$1" > "$1.sfdisk.json"; }

make_rootfs "$work/rootfs" systemd
sha256sum < "$work/rootfs/usr/bin/kata-agent" | cut -d' ' -f1 > "$out/agent.sha256"
stat -c %s "$work/rootfs/usr/bin/kata-agent" > "$out/agent.size"

printf 'image\tlayout\tfilesystem\toffset\n' > "$out/matrix.tsv"
for fs in ext4 xfs erofs; do
  make_fs "$fs" "$work/rootfs" "$work/$fs.fs"
  cp "$work/$fs.fs" "$out/bare-$fs.img"
  printf 'bare-%s.img\tbare\t%s\t0\n' "$fs" "$fs" >> "$out/matrix.tsv"
  make_mbr "$work/$fs.fs" "$out/mbr-$fs.img"; record_table "$out/mbr-$fs.img"
  printf 'mbr-%s.img\tmbr\t%s\t%d\n' "$fs" "$fs" $MiB >> "$out/matrix.tsv"
  make_gpt "$work/$fs.fs" "$out/gpt-$fs.img"; record_table "$out/gpt-$fs.img"
  printf 'gpt-%s.img\tgpt\t%s\t%d\n' "$fs" "$fs" $MiB >> "$out/matrix.tsv"
  make_dax "$work/$fs.fs" "$out/dax-$fs.img"; record_table "$out/dax-$fs.img"
  printf 'dax-%s.img\tkata-dax\t%s\t%d\n' "$fs" "$fs" $((3 * MiB)) >> "$out/matrix.tsv"
  make_measured "$work/$fs.fs" "$out/measured-$fs.img"; record_table "$out/measured-$fs.img"
  printf 'measured-%s.img\tmbr\t%s\t%d\n' "$fs" "$fs" $MiB >> "$out/matrix.tsv"
done

# Agent locator variants, each as an ext4 image in osbuilder's kata-dax layout and a bare erofs.
for variant in agent-init renamed abs-symlink no-agent loop; do
  make_rootfs "$work/v-$variant" "$variant"
  make_fs ext4 "$work/v-$variant" "$work/v.fs"
  make_dax "$work/v.fs" "$out/variant-$variant-ext4.img"
done
# The link-heavy variants on the other filesystems too, bare: each reader resolves the links itself.
for variant in agent-init abs-symlink loop; do
  for fs in xfs erofs; do
    make_fs "$fs" "$work/v-$variant" "$out/variant-$variant-$fs.img"
  done
done

# Broken inputs. A table that points past the end of the file: the plain MBR image cut short.
head -c $((2 * MiB)) "$out/mbr-ext4.img" > "$out/bad-truncated.img"
# GPT whose header CRC no longer matches (one byte of the disk GUID flipped), so only a checked reader notices.
cp "$out/gpt-ext4.img" "$out/bad-gpt-crc.img"
printf '\377' | dd of="$out/bad-gpt-crc.img" bs=1 seek=$((512 + 56)) conv=notrunc status=none
# DAX image whose two MBRs disagree about the rootfs (MBR #2 moved to 2 MiB further on).
cp "$out/dax-ext4.img" "$out/bad-dax-mismatch.img"
printf 'label: dos\nlabel-id: 0x6b1c2f3e\nstart=6144, size=8192, type=83\n' | sfdisk -q "$work/mbr2.img" 2>/dev/null || {
  truncate -s 16M "$work/mbr2.img"
  printf 'label: dos\nlabel-id: 0x6b1c2f3e\nstart=6144, size=8192, type=83\n' | sfdisk -q "$work/mbr2.img"
}
dd if="$work/mbr2.img" of="$out/bad-dax-mismatch.img" bs=512 count=1 seek=4096 conv=notrunc status=none
# An empty file and one shorter than a sector.
: > "$out/bad-empty.img"
printf 'kata' > "$out/bad-short.img"
# Random-looking bytes: no table, no filesystem, no initrd.
seq 1 200000 | sha256sum | head -c 64 > "$out/bad-unknown.img"; truncate -s 1M "$out/bad-unknown.img"
echo "layouts: $(ls "$out" | wc -l) files in $out" >&2
