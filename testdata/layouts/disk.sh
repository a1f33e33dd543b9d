#!/usr/bin/env bash
# Shared disk-layout builders (sourced, not run) used by testdata/layouts/make.sh and testdata/make-demo-host.sh.
# They expect $work (a scratch directory) and $MiB to be set by the caller.
# Debian packages: fdisk (sfdisk), cryptsetup-bin (veritysetup), coreutils.

# Size in bytes rounded up to whole MiB (partitions are MiB-aligned like parted -a optimal makes them).
mib_round() { echo $(( ($(stat -c %s "$1") + MiB - 1) / MiB * MiB )); }

# make_mbr FSIMG OUT: msdos label, one primary partition at 1 MiB holding the filesystem, 1 MiB spare at the end.
make_mbr() {
  local fsimg="$1" img="$2" size
  size="$(mib_round "$fsimg")"
  rm -f "$img"; truncate -s $((size + 2 * MiB)) "$img"
  printf 'label: dos\nlabel-id: 0x6b1c2f3e\nstart=2048, size=%d, type=83\n' $((size / 512)) | sfdisk -q "$img"
  dd if="$fsimg" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none
}

make_gpt() {
  local fsimg="$1" img="$2" size
  size="$(mib_round "$fsimg")"
  rm -f "$img"; truncate -s $((size + 2 * MiB)) "$img"
  printf 'label: gpt\nlabel-id: 6B1C2F3E-0000-4000-8000-000000000010\nstart=2048, size=%d, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=6B1C2F3E-0000-4000-8000-000000000011, name=rootfs\n' \
    $((size / 512)) | sfdisk -q "$img"
  dd if="$fsimg" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none
}

# make_dax FSIMG OUT: image_builder.sh's set_dax_header. MBR #1 at 0 points at 3 MiB; the DAX metadata
# (struct nd_pfn_sb, as osbuilder's nsdax tool writes it) sits at 4 KiB; the plain image (MBR #2 + rootfs at 1 MiB)
# is appended at 2 MiB, so MBR #2 describes the same rootfs relative to 2 MiB.
make_dax() {
  local fsimg="$1" img="$2" size
  size="$(mib_round "$fsimg")"
  make_mbr "$fsimg" "$work/inner.img"
  rm -f "$img"; truncate -s $((2 * MiB + size + 2 * MiB)) "$img"
  printf 'label: dos\nlabel-id: 0x6b1c2f3f\nstart=6144, size=%d, type=83\n' $((size / 512)) | sfdisk -q "$img"
  # nd_pfn_sb: signature[16] uuid[16] parent_uuid[16] le32 flags, le16 major, le16 minor, le64 dataoff,
  # le64 npfns, le32 mode (2 = PFN_MODE_PMEM). dataoff = 2 MiB: where the namespace data (MBR #2) begins.
  {
    printf 'NVDIMM_PFN_INFO\000'
    printf '\153\034\057\076\000\000\100\000\200\000\000\000\000\000\000\040'
    printf '\000%.0s' {1..16}
    printf '\000\000\000\000\001\000\004\000'
    printf '\000\000\040\000\000\000\000\000'
    printf '\000\000\000\000\000\000\000\000'
    printf '\002\000\000\000'
  } | dd of="$img" bs=1 seek=4096 conv=notrunc status=none
  dd if="$work/inner.img" of="$img" bs=1M seek=2 conv=notrunc,sparse status=none
}

# make_measured FSIMG OUT: MEASURED_ROOTFS=yes: rootfs partition (boot flag) + dm-verity hash partition that
# `veritysetup format` filled; its root hash is written next to the image like osbuilder's root_hash.txt.
make_measured() {
  local fsimg="$1" img="$2" size hsize=$MiB
  size="$(mib_round "$fsimg")"
  cp "$fsimg" "$work/data.img"; truncate -s "$size" "$work/data.img"
  rm -f "$work/hash.img"; truncate -s "$hsize" "$work/hash.img"
  veritysetup format --salt=6b1c2f3e --uuid=6b1c2f3e-0000-4000-8000-000000000020 \
    "$work/data.img" "$work/hash.img" > "$img.verity.txt"
  rm -f "$img"; truncate -s $((MiB + size + hsize + MiB)) "$img"
  printf 'label: dos\nlabel-id: 0x6b1c2f40\nstart=2048, size=%d, type=83, bootable\nstart=%d, size=%d, type=83\n' \
    $((size / 512)) $(((MiB + size) / 512)) $((hsize / 512)) | sfdisk -q "$img"
  dd if="$work/data.img" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none
  dd if="$work/hash.img" of="$img" bs=1M seek=$((1 + size / MiB)) conv=notrunc status=none
}

