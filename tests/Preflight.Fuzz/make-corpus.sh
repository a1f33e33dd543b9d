#!/usr/bin/env bash
# Builds the committed seed corpus, tests/Preflight.Fuzz/corpus/<target>/, with the real tools: one small, valid
# input per shape each reader knows, so AFL starts from the paths a real file takes and mutates from there.
#   layouts  sfdisk MBR and GPT tables around a tiny EROFS partition 1
#   ext4     mkfs.ext4 -d (1 KiB blocks, no journal): files, directories, fast and slow symlinks, agent + unit
#   xfs      mkfs.xfs -p, then cut to the blocks in use (the fuzz target pads the rest with zeros: mkfs.xfs 6.1 will
#            not make a data section under 300 MiB, which AFL cannot handle as one input)
#   erofs    mkfs.erofs plain, -Enoinline_data, -zlz4hc
#   initrd   cpio -H newc, plain and through gzip, zstd, xz, lz4 -l, and two archives concatenated
#   elf      gcc binaries (x86_64 and, when the cross compiler is there, aarch64) carrying a protoc descriptor raw
#            and gzipped, a method path and a version string
#   protocol protoc --descriptor_set_out --include_imports of a small agent protocol (service, nested messages,
#            enum, oneof, map, import)
#   toml     the demo host's Kata and containerd configurations, the packaged default policy (committed files)
#   package  dpkg-deb -Zgzip/-Zxz/-Znone and rpmbuild (gzip payload) of a tiny tree with a symlink and a hard link
#   apt      the committed captures of a real APT run (protocol versions 2 and 3)
#   cli      first byte = the command (see FuzzTargets.Cli), then one of the inputs above
# Usage: make-corpus.sh [OUTDIR] (default: the corpus directory beside this script). Needs Debian packages:
# e2fsprogs, xfsprogs, erofs-utils, fdisk, cpio, gzip, zstd, xz-utils, lz4, gcc, protobuf-compiler, dpkg, rpm,
# python3 (to cut one descriptor out of a set). Deterministic where the tools allow it (fixed times and UUIDs).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:-$here/corpus}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1767323045 E2FSPROGS_FAKE_TIME=1767323045 LC_ALL=C TZ=UTC
# xfsprogs >= 5.19 refuses filesystems under 300 MB except for its own test suite (fstests sets these).
export TEST_DIR=/tmp TEST_DEV=fixture QA_CHECK_FS=1

rm -rf "$out"
for target in layouts ext4 xfs erofs initrd elf protocol toml package apt cli; do
  mkdir -p "$out/$target"
done

# ---- a tiny guest root: the agent, /init pointing at it, a systemd unit, osbuilder metadata ----
root="$work/root"
mkdir -p "$root/usr/bin" "$root/etc/systemd/system" "$root/var/lib/osbuilder" "$root/usr/share/many"
awk 'BEGIN { printf "\177ELF"; for (i = 0; i < 150; i++) printf "kata-agent stand-in %d /grpc.AgentService/CreateContainer\n", i }' \
  > "$root/usr/bin/kata-agent"
ln -s /usr/bin/kata-agent "$root/init"
ln -s ../../../../../../../../../usr/bin/./kata-agent-with-a-long-target-that-is-not-a-fast-symlink "$root/usr/bin/long-link"
printf '[Service]\nExecStart=/usr/bin/kata-agent\n' > "$root/etc/systemd/system/kata-agent.service"
printf -- '---\nagent-version: 3.5.0\nagent-is-init-daemon: yes\nrootfs-type: ext4\n' > "$root/var/lib/osbuilder/osbuilder.yaml"
# Forty empty files: a directory past the inline/short forms (ext4 and XFS block directories), no data blocks.
for i in $(seq 1 40); do : > "$root/usr/share/many/file-with-a-longer-name-$i"; done
touch -h -d @"$SOURCE_DATE_EPOCH" $(find "$root")

# ---- erofs ----
mkfs.erofs --quiet -T "$SOURCE_DATE_EPOCH" -U 6b1c2f3e-0000-4000-8000-000000000004 "$out/erofs/plain.erofs" "$root"
mkfs.erofs --quiet -T "$SOURCE_DATE_EPOCH" -U 6b1c2f3e-0000-4000-8000-000000000004 -Enoinline_data --exclude-regex=many "$out/erofs/noinline.erofs" "$root"
mkfs.erofs --quiet -T "$SOURCE_DATE_EPOCH" -U 6b1c2f3e-0000-4000-8000-000000000004 -zlz4hc "$out/erofs/lz4hc.erofs" "$root"

# ---- ext4: 1 KiB blocks and no journal keep it at 192 KiB ----
truncate -s 192K "$out/ext4/small.ext4"
mkfs.ext4 -q -F -b 1024 -N 96 -O ^has_journal -U 6b1c2f3e-0000-4000-8000-000000000001 \
  -E hash_seed=6b1c2f3e-0000-4000-8000-000000000002 -d "$root" "$out/ext4/small.ext4"

# ---- xfs: a 300 MiB filesystem cut after its last block in use ----
source "$repo/testdata/lib/xfs-proto.sh"
xfs_protofile "$root" > "$work/proto"
truncate -s 300M "$work/xfs.img"
truncate -s 64M "$work/xfs.log"
# One allocation group and an external log keep every inode and block in use at the front (an internal log sits
# in the middle of the group and directories' inodes go after it); the reader never reads the log.
mkfs.xfs -q -f -b size=4096 -m reflink=0,uuid=6b1c2f3e-0000-4000-8000-000000000003 -d agcount=1 \
  -l logdev="$work/xfs.log",size=64m -p "$work/proto" "$work/xfs.img"
python3 - "$work/xfs.img" "$out/xfs/small.xfs" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read(8 << 20)
block = 4096
end = 0
for offset in range(0, len(data), block):
    if any(data[offset:offset + block]):
        end = offset + block
open(sys.argv[2], 'wb').write(data[:end])
EOF

# ---- initrd ----
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible 2>/dev/null) > "$out/initrd/plain.cpio"
gzip -9 -n < "$out/initrd/plain.cpio" > "$out/initrd/initrd.gz"
zstd -q -19 < "$out/initrd/plain.cpio" > "$out/initrd/initrd.zst"
xz -q --check=crc32 < "$out/initrd/plain.cpio" > "$out/initrd/initrd.xz"
lz4 -q -l -9 < "$out/initrd/plain.cpio" > "$out/initrd/initrd.lz4"
mkdir -p "$work/early/kernel/x86/microcode"
echo microcode > "$work/early/kernel/x86/microcode/GenuineIntel.bin"
(cd "$work/early" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible 2>/dev/null) > "$work/early.cpio"
cat "$work/early.cpio" "$out/initrd/initrd.gz" > "$out/initrd/early-then-gzip.img"

# ---- layouts: partition 1 (sector 64, 24 KiB, EROFS) and partition 2 (empty), MBR and GPT ----
for table in dos gpt; do
  img="$out/layouts/$table.img"
  truncate -s 96K "$img"
  printf 'label: %s\nstart=64, size=48, type=%s\nstart=112, size=16, type=%s\n' "$table" \
    "$([ "$table" = gpt ] && echo 0FC63DAF-8483-4772-8E79-3D69D8477DE4 || echo 83)" \
    "$([ "$table" = gpt ] && echo 0FC63DAF-8483-4772-8E79-3D69D8477DE4 || echo 83)" \
    | sfdisk -q --no-reread --no-tell-kernel "$img" >/dev/null 2>&1
  [ "$table" = gpt ] && sfdisk -q --disk-id "$img" 6B1C2F3E-0000-4000-8000-000000000005 >/dev/null 2>&1 || true
  dd if="$out/erofs/plain.erofs" of="$img" bs=512 seek=64 conv=notrunc status=none
done

# ---- protocol: a small agent protocol with an import ----
mkdir -p "$work/proto-src"
cat > "$work/proto-src/types.proto" <<'EOF'
syntax = "proto3";
package types;
message IPAddress { string address = 1; uint32 mask = 2; enum Family { v4 = 0; v6 = 1; } Family family = 3; }
EOF
cat > "$work/proto-src/agent.proto" <<'EOF'
syntax = "proto3";
package grpc;
import "types.proto";
message CreateContainerRequest {
  string container_id = 1;
  map<string, string> annotations = 2;
  oneof source { string image = 3; bytes rootfs = 4; }
  repeated types.IPAddress addresses = 5;
  message Storage { string driver = 1; repeated string options = 2; Storage nested = 3; }
  repeated Storage storages = 6;
}
message Empty {}
service AgentService {
  rpc CreateContainer(CreateContainerRequest) returns (Empty);
  rpc StreamLogs(stream Empty) returns (stream Empty);
}
EOF
protoc -I "$work/proto-src" --include_imports --descriptor_set_out="$out/protocol/agent.binpb" "$work/proto-src/agent.proto"
protoc -I "$work/proto-src" --descriptor_set_out="$out/protocol/agent-without-imports.binpb" "$work/proto-src/agent.proto"

# ---- elf: the agent.proto descriptor embedded raw (as rust-protobuf does) and gzipped (as Go does) ----
python3 - "$out/protocol/agent-without-imports.binpb" "$work/agent.fdp" <<'EOF'
import sys
data = open(sys.argv[1], 'rb').read()
assert data[0] == 0x0A, "a FileDescriptorSet starts with field 1, a FileDescriptorProto"
length, shift, i = 0, 0, 1
while True:
    length |= (data[i] & 0x7F) << shift
    i += 1
    if data[i - 1] < 0x80:
        break
    shift += 7
open(sys.argv[2], 'wb').write(data[i:i + length])
EOF
gzip -9 -n < "$work/agent.fdp" > "$work/agent.fdp.gz"
(cd "$work" && xxd -i agent.fdp && xxd -i agent.fdp.gz) > "$work/descriptors.h"
cat > "$work/agent.c" <<'EOF'
#include <stdio.h>
#include "descriptors.h"
const char *volatile method = "/grpc.AgentService/CreateContainer";
const char *volatile version = "3.5.0";
int main(void) { printf("%s %s %u %u\n", method, version, agent_fdp[0], agent_fdp_gz[0]); return 0; }
EOF
gcc -Os -s -o "$out/elf/agent-x86_64" "$work/agent.c"
if command -v aarch64-linux-gnu-gcc >/dev/null; then
  aarch64-linux-gnu-gcc -Os -s -o "$out/elf/agent-aarch64" "$work/agent.c"
fi
gcc -m32 -Os -s -o "$out/elf/agent-i386" "$work/agent.c" 2>/dev/null || true

# ---- toml: committed configurations (no tool makes these) ----
cp "$repo/testdata/demo-host/opt/kata/share/defaults/kata-containers/configuration-qemu.toml" "$out/toml/kata-configuration.toml"
cp "$repo/testdata/demo-host/etc/containerd/config.toml" "$out/toml/containerd-config.toml"
cp "$repo/packaging/policy.toml" "$out/toml/policy.toml"

# ---- package: .deb (three compressions) and .rpm ----
stage="$work/stage"
mkdir -p "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/kata-containers" "$stage/usr/share/defaults/kata-containers"
printf 'Package: kata-containers\nVersion: 3.2.0-1\nArchitecture: amd64\nMaintainer: fixture <fixture@example.invalid>\nDescription: fuzz seed\n' \
  > "$stage/DEBIAN/control"
cp "$out/elf/agent-x86_64" "$stage/usr/bin/containerd-shim-kata-v2"
ln "$stage/usr/bin/containerd-shim-kata-v2" "$stage/usr/bin/kata-runtime"
cp "$out/erofs/plain.erofs" "$stage/usr/share/kata-containers/kata-containers-3.2.0.img"
ln -s kata-containers-3.2.0.img "$stage/usr/share/kata-containers/kata-containers.img"
cp "$out/toml/kata-configuration.toml" "$stage/usr/share/defaults/kata-containers/configuration.toml"
find "$stage" -exec touch -h -d @"$SOURCE_DATE_EPOCH" {} +
for z in gzip xz none; do
  dpkg-deb --root-owner-group -Z"$z" --build "$stage" "$out/package/kata-containers_3.2.0-1_amd64.$z.deb" >/dev/null
done
mkdir -p "$work/rpm/SPECS"
cat > "$work/rpm/SPECS/kata.spec" <<EOF
Name: kata-containers
Version: 3.2.0
Release: 1
Summary: fuzz seed
License: Apache-2.0
%description
fuzz seed
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/usr/share/kata-containers
cp $stage/usr/bin/containerd-shim-kata-v2 %{buildroot}/usr/bin/
ln %{buildroot}/usr/bin/containerd-shim-kata-v2 %{buildroot}/usr/bin/kata-runtime
cp $stage/usr/share/kata-containers/kata-containers-3.2.0.img %{buildroot}/usr/share/kata-containers/
ln -s kata-containers-3.2.0.img %{buildroot}/usr/share/kata-containers/kata-containers.img
%files
/usr/bin/containerd-shim-kata-v2
/usr/bin/kata-runtime
/usr/share/kata-containers/kata-containers-3.2.0.img
/usr/share/kata-containers/kata-containers.img
EOF
rpmbuild --quiet -bb --define "_topdir $work/rpm" --define "_binary_payload w9.gzdio" --define "_build_id_links none" \
  --define "__strip /bin/true" --define "debug_package %{nil}" --target x86_64 "$work/rpm/SPECS/kata.spec" >/dev/null 2>&1
cp "$work"/rpm/RPMS/x86_64/*.rpm "$out/package/kata-containers-3.2.0-1.x86_64.gz.rpm"

# ---- apt: the committed captures of a real APT run ----
cp "$repo/testdata/packages/apt-hook-v2.txt" "$repo/testdata/packages/apt-hook-v3.txt" "$out/apt/"

# ---- cli: the byte before the input picks the command (the order of FuzzTargets.Cli's list) ----
seed() { { printf "\\x$(printf '%02x' "$1")"; cat "$2"; } > "$out/cli/$3"; }
seed 0 "$out/ext4/small.ext4" inspect-image-ext4
seed 0 "$out/initrd/initrd.gz" inspect-image-initrd
seed 1 "$out/elf/agent-x86_64" inspect-binary
seed 2 "$out/protocol/agent.binpb" fingerprint
seed 3 "$out/protocol/agent.binpb" diff
seed 4 "$out/package/kata-containers_3.2.0-1_amd64.gzip.deb" check-package-deb
seed 4 "$out/package/kata-containers-3.2.0-1.x86_64.gz.rpm" check-package-rpm
seed 5 "$out/toml/policy.toml" check-policy
seed 6 "$out/elf/agent-x86_64" export-proto
seed 7 "$out/apt/apt-hook-v3.txt" hook-apt

du -sh "$out"
