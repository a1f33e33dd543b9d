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
# A gzip stream cut in the middle: it never ends. (Through a file: `gzip | head` would die of SIGPIPE under pipefail.)
head -c 4M "$out/containerd" | gzip -c -n > "$bad/whole.gz"
{ head -c 4096 "$out/containerd"; head -c 200000 "$bad/whole.gz"; } > "$bad/gzip-unterminated"
rm -f "$bad/whole.gz"

# Descriptor sets written by protoc: a normal file (the scanner must find it raw, as protoc serialized it) and one
# with messages nested 30 deep (protoc refuses deeper), to show a recursion limit below that skips it.
# Debian package: protobuf-compiler (protoc).
protos="$out/protos"
mkdir -p "$protos"
cat > "$protos/shallow.proto" <<'PROTO'
syntax = "proto3";
package fixture.shallow;
message Ping { string text = 1; repeated int32 numbers = 2; }
message Pong { Ping echo = 1; }
service Echo { rpc Say(Ping) returns (Pong); rpc Shout(Ping) returns (Pong); }
PROTO
{
  echo 'syntax = "proto3";'
  echo 'package fixture.deep;'
  for i in $(seq 1 30); do echo "message M$i { int32 v = 1;"; done
  for i in $(seq 1 30); do echo "}"; done
} > "$protos/deep.proto"
protoc -I "$protos" --descriptor_set_out="$out/shallow.pb" "$protos/shallow.proto"
protoc -I "$protos" --descriptor_set_out="$out/deep.pb" "$protos/deep.proto"

echo "real-binaries: done in $out" >&2
