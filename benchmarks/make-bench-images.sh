#!/usr/bin/env bash
# Builds the guest images the image-reading benchmark opens: bare ext4 filesystems of 256 MiB, 1 GiB and 4 GiB
# (sparse files), each holding the same 48 MB /usr/bin/kata-agent (Debian's containerd, a real ELF) plus filler, made
# by real tools only (openssl for deterministic filler bytes, mkfs.ext4 -d to populate). Output:
# artifacts/bench/images (gitignored).
#
# Filler per image: 2,000 small files (1-16 KiB) under /usr/lib/filler, and large files totalling a quarter of the
# image size under /var/filler, so the filesystem has real metadata and data spread across its block groups and
# the bigger images really are bigger on disk (not just a larger empty superblock count).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/artifacts/bench/images}
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-images.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Deterministic pseudo-random bytes: AES-128-CTR keystream of /dev/zero under a fixed key and IV.
prng() { # prng SEED BYTES > file
  local key
  key=$(printf '%s' "$1" | sha256sum | cut -c1-32)
  head -c "$2" /dev/zero | openssl enc -aes-128-ctr -nosalt -K "$key" -iv 00000000000000000000000000000000
}

# The agent: a real ELF that `inspect image` can scan to the end, of the size issue 14 names (~40 MiB): Debian's
# containerd (48 MB, Go; testdata/real-binaries/make.sh downloads it), not block-aligned.
containerd=$repo/testdata/generated/real-binaries/containerd
[[ -f $containerd ]] || bash "$repo/testdata/real-binaries/make.sh" "$repo/testdata/generated/real-binaries"
cp "$containerd" "$work/kata-agent"
chmod 0755 "$work/kata-agent"

for size in 256M 1G 4G; do
  case $size in
    256M) bytes=$((256 << 20)) ;;
    1G)   bytes=$((1 << 30)) ;;
    4G)   bytes=$((4 << 30)) ;;
  esac
  img="$out/bare-ext4-$size.img"
  if [[ -s "$img" && "$img" -nt "$0" ]]; then
    echo "up to date: $img"; continue
  fi
  root="$work/root-$size"
  rm -rf "$root"
  mkdir -p "$root/usr/bin" "$root/usr/lib/filler" "$root/var/filler" "$root/etc" "$root/sbin"
  # Small files: one pseudo-random stream cut into 2,000 pieces of 1-16 KiB.
  prng "small-$size" $((2000 * 16384)) > "$work/small.bin"
  off=0
  for i in $(seq 1 2000); do
    len=$(( (i * 7919 % 16) * 1024 + 1024 ))
    dd if="$work/small.bin" of="$root/usr/lib/filler/lib$i.so" bs=1024 skip=$((off / 1024)) count=$((len / 1024)) status=none
    off=$((off + len))
  done
  # Large filler: a quarter of the image, in 16 MiB files.
  big=$((bytes / 4)); n=$((big / (16 << 20)))
  for i in $(seq 1 "$n"); do prng "big-$size-$i" $((16 << 20)) > "$root/var/filler/blob$i"; done
  cp "$work/kata-agent" "$root/usr/bin/kata-agent"
  printf 'NAME="bench"\n' > "$root/etc/os-release"
  ln -s ../usr/bin/kata-agent "$root/sbin/init"   # not used by the default-path lookup; present like a real rootfs
  rm -f "$img"
  truncate -s "$size" "$img"
  # Fixed UUID and hash seed and no lazy init so the same inputs give the same image layout.
  E2FSPROGS_FAKE_TIME=1700000000 mkfs.ext4 -q -F -L bench -U 6f0d4a7e-0b1c-4a5d-9e2f-000000000001 \
    -E hash_seed=6f0d4a7e-0b1c-4a5d-9e2f-000000000002,lazy_itable_init=0,lazy_journal_init=0 \
    -d "$root" "$img"
  rm -rf "$root"
  echo "built: $img ($(du -h --apparent-size "$img" | cut -f1) apparent, $(du -h "$img" | cut -f1) on disk)"
done
cp "$work/kata-agent" "$out/kata-agent.expected"
sha256sum "$out/kata-agent.expected" | cut -d' ' -f1 > "$out/kata-agent.sha256"
