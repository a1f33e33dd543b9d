#!/usr/bin/env bash
# Builds Kata-style initrds (cpio newc of an osbuilder-like rootfs) in every compression the kernel unpacks,
# plus concatenations and broken archives. Usage: make.sh OUTDIR
# Debian packages: cpio, gzip, zstd, xz-utils, lz4, coreutils.
# Truth recorded next to the archives: agent.sha256 (sha256sum of the agent), initrd.list (`cpio -t` of the main
# archive), hostname.sha256 (the /etc/hostname a kernel ends up with in the concatenated archive).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: make.sh OUTDIR}"
# shellcheck source=../layouts/rootfs.sh
source "$here/../layouts/rootfs.sh"

mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# newc DIR OUT [FORMAT]: the archive as initrd_builder.sh makes it (find . | cpio -o -H newc), reproducible.
newc() {
  local dir="$1" dest="$2" format="${3:-newc}"
  (cd "$dir" && find . | LC_ALL=C sort | cpio --quiet -o -H "$format" --reproducible) > "$dest"
}

# The initrd rootfs: AGENT_INIT=yes, /sbin/init is the agent and /init points at it (initrd_builder.sh links
# /init to /sbin/init). A hard link to the agent checks newc's "data comes with the last link" rule.
make_rootfs "$work/rootfs" agent-init
ln -s /sbin/init "$work/rootfs/init"
mkdir -p "$work/rootfs/usr/libexec"
ln "$work/rootfs/usr/bin/kata-agent" "$work/rootfs/usr/libexec/kata-agent-hardlink"
find "$work/rootfs" -exec touch -h -d "2026-01-02 03:04:05 UTC" {} +
sha256sum < "$work/rootfs/usr/bin/kata-agent" | cut -d' ' -f1 > "$out/agent.sha256"

newc "$work/rootfs" "$work/initrd.cpio"
cp "$work/initrd.cpio" "$out/initrd-none.img"
cpio --quiet -it < "$work/initrd.cpio" > "$out/initrd.list"
gzip -n -9 -c "$work/initrd.cpio" > "$out/initrd-gzip.img"
zstd -q -19 -c "$work/initrd.cpio" > "$out/initrd-zstd.img"
xz --check=crc32 -c "$work/initrd.cpio" > "$out/initrd-xz.img"
lz4 -q -l -9 -c "$work/initrd.cpio" > "$out/initrd-lz4legacy.img"
lz4 -q -9 -c "$work/initrd.cpio" > "$out/initrd-lz4frame.img"
newc "$work/rootfs" "$out/initrd-crc.img" crc

# Early uncompressed cpio (as dracut puts CPU microcode first), zero padding to 512 bytes, then the gzip'd main
# archive; the early archive also carries an /etc/hostname that the main one overrides.
mkdir -p "$work/early/kernel/x86/microcode" "$work/early/etc"
printf 'GenuineIntel microcode placeholder\n' > "$work/early/kernel/x86/microcode/GenuineIntel.bin"
printf 'early-hostname\n' > "$work/early/etc/hostname"
find "$work/early" -exec touch -h -d '2026-01-02 03:04:05 UTC' {} +
newc "$work/early" "$work/early.cpio"
{
  cat "$work/early.cpio"
  size=$(stat -c %s "$work/early.cpio"); pad=$(( (512 - size % 512) % 512 ))
  head -c "$pad" /dev/zero
  cat "$out/initrd-gzip.img"
} > "$out/initrd-early-gzip.img"
sha256sum < "$work/rootfs/etc/hostname" | cut -d' ' -f1 > "$out/hostname.sha256"

# Compressed initrds padded with zeros to a 4 KiB multiple, as bootloaders and image tools often leave them
# (the kernel skips zero padding after a compressed stream).
for c in gzip zstd; do
  cp "$out/initrd-$c.img" "$out/initrd-$c-padded.img"
  truncate -s $(( ($(stat -c %s "$out/initrd-$c.img") / 4096 + 1) * 4096 )) "$out/initrd-$c-padded.img"
done

# Two gzip members back to back, each a whole cpio archive (the kernel unpacks one after the other); the second
# adds /etc/extra.conf.
mkdir -p "$work/extra/etc"
printf 'extra=1\n' > "$work/extra/etc/extra.conf"
find "$work/extra" -exec touch -h -d '2026-01-02 03:04:05 UTC' {} +
newc "$work/extra" "$work/extra.cpio"
{ gzip -n -c "$work/initrd.cpio"; gzip -n -c "$work/extra.cpio"; } > "$out/initrd-gzip-members.img"

# Locator variants as plain newc archives.
for variant in systemd renamed abs-symlink no-agent loop; do
  make_rootfs "$work/v-$variant" "$variant"
  newc "$work/v-$variant" "$out/variant-$variant.cpio"
done

# Broken: gzip cut in half; a newc archive whose agent entry claims a size far past the end (the real header
# with its 8-hex-digit c_filesize field overwritten); a small gzip that inflates to 256 MiB of zeros.
size=$(stat -c %s "$out/initrd-gzip.img")
head -c $((size / 2)) "$out/initrd-gzip.img" > "$out/bad-truncated-gzip.img"
cp "$work/initrd.cpio" "$out/bad-oversize.cpio"
name_at=$(grep -abo 'usr/bin/kata-agent' "$work/initrd.cpio" | head -1 | cut -d: -f1)
# header is 110 bytes before the name; c_filesize is the 7th field: 6 + 6*8 = 54 bytes into the header.
printf '7FFFFFFF' | dd of="$out/bad-oversize.cpio" bs=1 seek=$((name_at - 110 + 54)) conv=notrunc status=none
mkdir -p "$work/bomb"
truncate -s 256M "$work/bomb/zeros"
touch -h -d '2026-01-02 03:04:05 UTC' "$work/bomb" "$work/bomb/zeros"
newc "$work/bomb" /dev/stdout | gzip -n -1 > "$out/bad-bomb-gzip.img"
# A gzip that holds no cpio archive at all (a compressed text file): gzip magic, wrong content.
seq 1 1000 | gzip -n > "$out/bad-not-cpio-gzip.img"
echo "initrd: $(ls "$out" | wc -l) files in $out" >&2
