#!/usr/bin/env bash
# Builds fake Kata packages with the real packaging tools, for the .deb/.rpm readers' tests:
#   kata-containers_3.2.0-1_amd64.{gz,xz,zst}.deb   dpkg-deb -Zgzip|-Zxz|-Zzstd
#   kata-containers-3.2.0-1.x86_64.{gz,xz,zst}.rpm  rpmbuild, payload w9.gzdio / w6.xzdio / w19.zstdio
# Each package holds /usr/bin/containerd-shim-kata-v2, /usr/bin/kata-runtime (a hard link to it), a config file,
# and /usr/share/kata-containers/kata-containers-3.2.0.img with two symlinks to it (relative and absolute), as
# distro packages ship them. Next to each package the tools' own answers are recorded for the tests:
#   <pkg>.fields (dpkg-deb -f), <pkg>.contents (dpkg-deb -c), <pkg>.qf (rpm -qp --qf NAME/VERSION/ARCH/...),
#   <pkg>.dump (rpm -qp --dump), <pkg>.list (rpm -qlp), and payload.sha256 (sha256sum of every regular file).
# The file contents are stand-ins; set KATA_RUNTIME_BIN and/or KATA_IMAGE to package real ones instead.
# When the binary fixtures exist (testdata/generated/binaries, built by testdata/binaries/make.sh, which runs
# first), it also builds OUTDIR/hook/: packages holding REAL runtimes and guest images with REAL agents, for the
# APT hook's end-to-end tests (see build_hook_fixtures below).
# Usage: make.sh OUTDIR. Needs Debian packages: dpkg (dpkg-deb), rpm (rpmbuild), coreutils. Takes seconds.
set -euo pipefail
out="${1:?usage: make.sh OUTDIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C TZ=UTC

# ---- the installed tree, shared by every package ----
stage="$work/stage"
mkdir -p "$stage/usr/bin" "$stage/usr/share/kata-containers" "$stage/usr/share/defaults/kata-containers"
if [ -n "${KATA_RUNTIME_BIN:-}" ]; then
  cp "$KATA_RUNTIME_BIN" "$stage/usr/bin/containerd-shim-kata-v2"
else
  # An odd size, so the ar/cpio/tar padding rules are exercised.
  awk 'BEGIN { for (i = 0; i < 6000; i++) print "containerd-shim-kata-v2 fixture line " i ": not a real binary" }' \
    > "$stage/usr/bin/containerd-shim-kata-v2"
  truncate -s 300001 "$stage/usr/bin/containerd-shim-kata-v2"
fi
chmod 0755 "$stage/usr/bin/containerd-shim-kata-v2"
ln "$stage/usr/bin/containerd-shim-kata-v2" "$stage/usr/bin/kata-runtime"
if [ -n "${KATA_IMAGE:-}" ]; then
  cp "$KATA_IMAGE" "$stage/usr/share/kata-containers/kata-containers-3.2.0.img"
else
  seq 1 200000 > "$stage/usr/share/kata-containers/kata-containers-3.2.0.img"
fi
chmod 0644 "$stage/usr/share/kata-containers/kata-containers-3.2.0.img"
ln -s kata-containers-3.2.0.img "$stage/usr/share/kata-containers/kata-containers.img"
ln -s /usr/share/kata-containers/kata-containers-3.2.0.img "$stage/usr/share/kata-containers/kata-containers-latest.img"
printf '[hypervisor.qemu]\nimage = "/usr/share/kata-containers/kata-containers.img"\n' \
  > "$stage/usr/share/defaults/kata-containers/configuration.toml"
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

(cd "$stage" && find . -type f -printf '%P\n' | sort | while read -r f; do
  printf '%s  /%s\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$f"; done) > "$out/payload.sha256"

# ---- .deb with each compression ----
deb="$work/deb"
mkdir -p "$deb"
cp -a "$stage/." "$deb/"
mkdir -p "$deb/DEBIAN"
cat > "$deb/DEBIAN/control" <<CONTROL
Package: kata-containers
Version: 3.2.0-1
Architecture: amd64
Maintainer: kata-preflight fixtures <fixtures@example.invalid>
Section: admin
Priority: optional
Description: fake Kata Containers package for kata-preflight tests
 The shim and image are stand-ins,
 unless real ones were passed in.
CONTROL
for z in gzip xz zstd; do
  case $z in gzip) ext=gz ;; xz) ext=xz ;; zstd) ext=zst ;; esac
  pkg="$out/kata-containers_3.2.0-1_amd64.$ext.deb"
  dpkg-deb --root-owner-group -Z"$z" --build "$deb" "$pkg" >/dev/null
  dpkg-deb -f "$pkg" > "$pkg.fields"
  dpkg-deb -c "$pkg" > "$pkg.contents"
done

# ---- .rpm with each payload compressor ----
top="$work/rpmbuild"
mkdir -p "$top/SPECS"
spec="$top/SPECS/kata-containers.spec"
cat > "$spec" <<'SPEC'
Name: kata-containers
Version: 3.2.0
Release: 1
%{?fixture_epoch:Epoch: %{fixture_epoch}}
Summary: fake Kata Containers package for kata-preflight tests
License: Apache-2.0
BuildArch: x86_64
%description
The shim and image are stand-ins, unless real ones were passed in.
%prep
%build
%install
mkdir -p %{buildroot}
cp -a %{stage}/. %{buildroot}/
%files
%attr(0755,root,root) /usr/bin/containerd-shim-kata-v2
%attr(0755,root,root) /usr/bin/kata-runtime
/usr/share/kata-containers/kata-containers-3.2.0.img
/usr/share/kata-containers/kata-containers.img
/usr/share/kata-containers/kata-containers-latest.img
%dir /usr/share/defaults/kata-containers
%config(noreplace) /usr/share/defaults/kata-containers/configuration.toml
SPEC
for z in gz xz zst; do
  case $z in
    gz) payload=w9.gzdio; epoch=() ;;
    xz) payload=w6.xzdio; epoch=() ;;
    zst) payload=w19.zstdio; epoch=(--define "fixture_epoch 2") ;;
  esac
  rm -rf "$top/RPMS" "$top/BUILD" "$top/BUILDROOT"
  rpmbuild -bb --quiet --define "_topdir $top" --define "stage $stage" --define "_binary_payload $payload" \
    --define "_build_id_links none" --define "debug_package %{nil}" --define "__os_install_post %{nil}" \
    --define "_buildhost fixtures" --define "use_source_date_epoch_as_buildtime 1" \
    --define "clamp_mtime_to_source_date_epoch 1" "${epoch[@]}" --nodeps "$spec" >/dev/null 2>&1 \
    || { echo "make.sh: rpmbuild failed for $payload" >&2; exit 1; }
  pkg="$out/kata-containers-3.2.0-1.x86_64.$z.rpm"
  cp "$top"/RPMS/x86_64/*.rpm "$pkg"
  rpm -qp --nosignature --qf '%{NAME}\n%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n%{ARCH}\n%{PAYLOADCOMPRESSOR}\n' "$pkg" > "$pkg.qf"
  rpm -qp --nosignature --dump "$pkg" > "$pkg.dump"
  rpm -qlp --nosignature "$pkg" > "$pkg.list"
done

# ---- hook fixtures: real runtimes and real agents in Kata-shaped packages ----
# ext4_image_with_agent AGENT IMG: a guest rootfs as osbuilder makes it (agent at /usr/bin/kata-agent), as a bare
# ext4 image built with mkfs.ext4 -d; fixed UUID/hash seed/time so only ctimes differ between runs.
ext4_image_with_agent() {
  local agent="$1" img="$2" rootfs="$work/rootfs"
  rm -rf "$rootfs" "$img"
  mkdir -p "$rootfs/usr/bin" "$rootfs/sbin" "$rootfs/etc"
  install -m 0755 "$agent" "$rootfs/usr/bin/kata-agent"
  echo "kata-preflight hook fixture" > "$rootfs/etc/hostname"
  find "$rootfs" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  truncate -s "$(( ($(stat -c %s "$agent") / 1048576 + 8) ))M" "$img"
  E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH mkfs.ext4 -q -F -b 4096 -U 6b1c2f3e-0000-4000-8000-0000000000a1 \
    -E hash_seed=6b1c2f3e-0000-4000-8000-0000000000a2 -d "$rootfs" "$img"
}

# hook_deb NAME VERSION STAGE OUTDIR: a .deb of STAGE named as APT's cache names it (NAME_VERSION_amd64.deb).
hook_deb() {
  local name="$1" version="$2" tree="$3" dir="$4"
  mkdir -p "$tree/DEBIAN"
  printf 'Package: %s\nVersion: %s\nArchitecture: amd64\nMaintainer: kata-preflight fixtures <fixtures@example.invalid>\nDescription: fake %s for the kata-preflight APT hook tests\n' \
    "$name" "$version" "$name" > "$tree/DEBIAN/control"
  find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  dpkg-deb --root-owner-group -Zxz --build "$tree" "$dir/${name}_${version}_amd64.deb" >/dev/null
}

# The hook reads the runtime out of kata-runtime-style packages (shim at /usr/bin, /opt/kata for kata-static) and
# the image out of image packages, following the kata-containers.img symlink:
#   kata-runtime_<ver>_amd64.deb          /usr/bin/containerd-shim-kata-v2 = binaries/runtime-<...>
#   kata-static_<ver>_amd64.deb           /opt/kata/bin/containerd-shim-kata-v2 + /opt/kata/share/kata-containers/
#                                         kata-containers.img -> kata-containers-<ver>.img (both in one package)
#   kata-containers-image_<ver>_amd64.deb /usr/share/kata-containers/kata-containers.img -> kata-containers-<ver>.img
#   images/agent-<...>.img                the bare ext4 images themselves, to install on a test's fake host
build_hook_fixtures() {
  local bins="$1" dir="$out/hook" tree
  rm -rf "$dir"; mkdir -p "$dir/images"
  for agent in agent-rust-3.2.0-amd64 agent-gogo-grpc-1.12.1-amd64; do
    ext4_image_with_agent "$bins/$agent" "$dir/images/$agent.img"
  done
  for runtime in runtime-go-ttrpc-3.5.0-amd64:3.5.0-1 runtime-gogo-grpc-1.12.1-amd64:1.12.1-1; do
    tree="$work/hook-runtime"; rm -rf "$tree"; mkdir -p "$tree/usr/bin"
    install -m 0755 "$bins/${runtime%%:*}" "$tree/usr/bin/containerd-shim-kata-v2"
    hook_deb kata-runtime "${runtime##*:}" "$tree" "$dir"
  done
  for image in agent-rust-3.2.0-amd64:3.2.0-1 agent-gogo-grpc-1.12.1-amd64:1.12.1-1; do
    tree="$work/hook-image"; rm -rf "$tree"; mkdir -p "$tree/usr/share/kata-containers"
    install -m 0644 "$dir/images/${image%%:*}.img" "$tree/usr/share/kata-containers/kata-containers-${image##*:}.img"
    ln -s "kata-containers-${image##*:}.img" "$tree/usr/share/kata-containers/kata-containers.img"
    hook_deb kata-containers-image "${image##*:}" "$tree" "$dir"
  done
  tree="$work/hook-static"; rm -rf "$tree"; mkdir -p "$tree/opt/kata/bin" "$tree/opt/kata/share/kata-containers"
  install -m 0755 "$bins/runtime-go-ttrpc-3.5.0-amd64" "$tree/opt/kata/bin/containerd-shim-kata-v2"
  install -m 0644 "$dir/images/agent-rust-3.2.0-amd64.img" "$tree/opt/kata/share/kata-containers/kata-containers-3.5.0.img"
  ln -s kata-containers-3.5.0.img "$tree/opt/kata/share/kata-containers/kata-containers.img"
  hook_deb kata-static 3.5.0-1 "$tree" "$dir"
  echo "packages: hook fixtures in $dir: $(ls "$dir" | tr '\n' ' ')" >&2
}
bins="$(cd "$(dirname "$0")/.." && pwd)/generated/binaries"
if [ -f "$bins/runtime-go-ttrpc-3.5.0-amd64" ] && [ -f "$bins/agent-rust-3.2.0-amd64" ]; then
  build_hook_fixtures "$bins"
else
  echo "packages: no binary fixtures in $bins (run testdata/binaries/make.sh first); hook fixtures skipped" >&2
fi

echo "packages: $(ls "$out" | grep -c -E '\.(deb|rpm)$') packages in $out" >&2
