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
echo "packages: $(ls "$out" | grep -c -E '\.(deb|rpm)$') packages in $out" >&2
