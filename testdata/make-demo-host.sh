#!/usr/bin/env bash
# Builds testdata/demo-host/: a fake host root (for `kata-preflight check --root testdata/demo-host`) installed the
# way kata-deploy installs Kata, with two containerd runtime classes (/etc/containerd/config.toml):
#   qemu -> a kata-dax ext4 disk image whose agent matches the runtime (2.2.0 / 2.2.0): passes;
#   clh  -> a gzip initrd left over from an older install (agent 2.0.0): the 2.2 runtime's seccomp messages do not
#           decode in it, so the check blocks.
# The output is committed so the README's first command works on a machine with none of these tools.
# Inputs: the fixture binaries from testdata/binaries/make.sh (run testdata/make-fixtures.sh first).
# Debian packages: e2fsprogs, fdisk, cpio, gzip, coreutils.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bins="$here/generated/binaries"
out="$here/demo-host"
for f in runtime-gogo-ttrpc-2.2.0-amd64 agent-rust-2.2.0-amd64 agent-rust-2.0.0-amd64; do
  [ -f "$bins/$f" ] || { echo "make-demo-host: $bins/$f missing: run testdata/make-fixtures.sh first" >&2; exit 1; }
done
# shellcheck source=layouts/rootfs.sh
source "$here/layouts/rootfs.sh"
# shellcheck source=layouts/disk.sh
source "$here/layouts/disk.sh"
export E2FSPROGS_FAKE_TIME=1767323045 SOURCE_DATE_EPOCH=1767323045
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
MiB=$((1024 * 1024))

# demo_rootfs DIR AGENT VERSION: an osbuilder-style rootfs, systemd as init, the agent run by kata-agent.service.
demo_rootfs() {
  local dir="$1" agent="$2" version="$3"
  mkdir -p "$dir"/{sbin,etc,usr/bin,usr/lib/systemd/system,lib,proc,sys,dev,tmp,run,var/lib/osbuilder}
  ln -s ../usr/lib/systemd "$dir/lib/systemd"
  make_systemd "$dir/usr/lib/systemd/systemd"
  ln -s ../lib/systemd/systemd "$dir/sbin/init"
  install -m 0755 "$agent" "$dir/usr/bin/kata-agent"
  write_unit "$dir/usr/lib/systemd/system/kata-agent.service" "/usr/bin/kata-agent"
  write_osbuilder_yaml "$dir/var/lib/osbuilder/osbuilder.yaml" no
  sed -i "s/3\.2\.0/$version/g" "$dir/var/lib/osbuilder/osbuilder.yaml"
  find "$dir" -exec touch -h -d @1767323045 {} +
}

rm -rf "$out"
share="$out/opt/kata/share/kata-containers"
defaults="$out/opt/kata/share/defaults/kata-containers"
mkdir -p "$out/opt/kata/bin" "$share" "$defaults"
install -m 0755 "$bins/runtime-gogo-ttrpc-2.2.0-amd64" "$out/opt/kata/bin/containerd-shim-kata-v2"

demo_rootfs "$work/rootfs-2.2.0" "$bins/agent-rust-2.2.0-amd64" 2.2.0
truncate -s 8M "$work/rootfs.ext4"
mkfs.ext4 -q -F -b 4096 -U 6b1c2f3e-0000-4000-8000-0000000000d1 -E hash_seed=6b1c2f3e-0000-4000-8000-0000000000d2 \
  -d "$work/rootfs-2.2.0" "$work/rootfs.ext4"
make_dax "$work/rootfs.ext4" "$share/kata-containers-2.2.0.img"
ln -s /opt/kata/share/kata-containers/kata-containers-2.2.0.img "$share/kata-containers.img"

demo_rootfs "$work/rootfs-2.0.0" "$bins/agent-rust-2.0.0-amd64" 2.0.0
(cd "$work/rootfs-2.0.0" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible | gzip -n -9) \
  > "$share/kata-containers-initrd-2.0.0.img"
ln -s kata-containers-initrd-2.0.0.img "$share/kata-containers-initrd.img"

hypervisor() { # NAME PATH KEY VALUE
  printf '# kata-preflight demo: a trimmed Kata configuration (only what kata-preflight reads, plus context)\n'
  printf '[hypervisor.%s]\npath = "%s"\nkernel = "/opt/kata/share/kata-containers/vmlinux.container"\n%s = "%s"\n' "$1" "$2" "$3" "$4"
  printf 'default_vcpus = 1\ndefault_memory = 2048\nshared_fs = "virtio-fs"\n\n[agent.kata]\n\n[runtime]\ninternetworking_model = "tcfilter"\n'
}
hypervisor qemu /opt/kata/bin/qemu-system-x86_64 image /opt/kata/share/kata-containers/kata-containers.img \
  > "$defaults/configuration-qemu.toml"
hypervisor clh /opt/kata/bin/cloud-hypervisor initrd /opt/kata/share/kata-containers/kata-containers-initrd.img \
  > "$defaults/configuration-clh.toml"
ln -s configuration-qemu.toml "$defaults/configuration.toml"
# containerd's runtime classes as kata-deploy registers them on containerd 1.x (config version 2): the shim by
# runtime_path, each class's configuration by ConfigPath.
mkdir -p "$out/etc/containerd"
{
  printf 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "runc"\n\n'
  printf '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]\n  runtime_type = "io.containerd.runc.v2"\n'
  for class in qemu clh; do
    printf '\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata-%s]\n' "$class"
    printf '  runtime_type = "io.containerd.kata-%s.v2"\n  runtime_path = "/opt/kata/bin/containerd-shim-kata-v2"\n' "$class"
    printf '  privileged_without_host_devices = true\n  pod_annotations = ["io.katacontainers.*"]\n'
    printf '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata-%s.options]\n' "$class"
    printf '    ConfigPath = "/opt/kata/share/defaults/kata-containers/configuration-%s.toml"\n' "$class"
  done
} > "$out/etc/containerd/config.toml"
echo "make-demo-host: wrote $out" >&2
