#!/usr/bin/env bash
# Real Go binaries no one here wrote, for the binary-facts extractor's tests, plus what independent tools say about
# them (go version -m, readelf) so the tests can compare our readers with the truth.
# Debian packages used: dpkg-dev (dpkg-deb), binutils (readelf), golang-go (go version -m), coreutils, gzip, apt.
# Downloads (apt-get download, cached by file name in OUTDIR/debs): containerd, etcd-server, docker.io.
# Usage: make.sh OUTDIR
set -euo pipefail
out="${1:?usage: make.sh OUTDIR}"
mkdir -p "$out/debs" "$out/root"
out="$(cd "$out" && pwd)"

# Download once; a cached .deb is reused so the script is fast and offline after the first run.
for pkg in containerd etcd-server docker.io; do
  if ! ls "$out/debs/${pkg}"_*.deb >/dev/null 2>&1; then
    (cd "$out/debs" && apt-get download "$pkg" >/dev/null)
  fi
done
for deb in "$out"/debs/*.deb; do
  dpkg-deb -x "$deb" "$out/root"
done

# Short, stable names for the binaries the tests use.
cp -f "$out/root/usr/bin/containerd" "$out/containerd"
cp -f "$out/root/usr/bin/etcd" "$out/etcd"
cp -f "$out/root/usr/sbin/dockerd" "$out/dockerd"

# What the real tools say.
for bin in containerd etcd dockerd; do
  go version -m "$out/$bin" > "$out/$bin.go-version-m.txt"
  LC_ALL=C readelf -h -n "$out/$bin" > "$out/$bin.readelf.txt"
  sha256sum "$out/$bin" | cut -d' ' -f1 > "$out/$bin.sha256"
done

# Gzip members the Go protobuf generators embed: an independent count of how many streams decompress to something
# naming a .proto file is hard without code, so record which well-known proto file names appear in the clear
# (they appear only inside the gzipped descriptors' registration code, not as Go strings we could miss).
# Bad inputs, made from a real binary with dd/truncate/gzip, never by hand-written bytes.
bad="$out/bad"
mkdir -p "$bad"
head -c 4096 /etc/os-release > "$bad/not-elf" 2>/dev/null || cp /etc/os-release "$bad/not-elf"
head -c 40 "$out/containerd" > "$bad/truncated-header"
# The ELF header survives but the section headers (at the end of the file) are cut off.
head -c 1048576 "$out/containerd" > "$bad/truncated-sections"
# Garbage followed by a gzip stream that expands to 100 MiB of zeros: the scanner must stop at its cap.
{ head -c 4096 "$out/containerd"; head -c 100M /dev/zero | gzip -c -n; } > "$bad/gzip-bomb"
# A gzip stream cut in the middle: it never ends.
{ head -c 4096 "$out/containerd"; head -c 1M /dev/urandom | gzip -c -n | head -c 200000; } > "$bad/gzip-unterminated"
echo "real-binaries: done in $out" >&2
