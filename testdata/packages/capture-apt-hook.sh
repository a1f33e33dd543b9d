#!/usr/bin/env bash
# Captures what a real APT run writes to a DPkg::Pre-Install-Pkgs hook, protocol version 2 and 3, into
# apt-hook-v2.txt and apt-hook-v3.txt beside this script (committed: make.sh does not run this).
#
# NOT part of make.sh because it needs root and briefly touches the machine's dpkg database: it installs two
# throw-away packages (kata-runtime 3.1.0-1, kata-shim 1.0.0-1, each holding one README), then asks APT to
# upgrade kata-runtime to 3.2.0-1, install hello-probe and remove kata-shim from a private file: repository.
# The hook copies its stdin and exits 1, so APT aborts before dpkg runs; the two packages are purged after.
# Uses only apt, dpkg and dpkg-dev (dpkg-scanpackages).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ "$(id -u)" -eq 0 ] || { echo "capture-apt-hook.sh: needs root" >&2; exit 1; }
work="$(mktemp -d /tmp/kata-apt-capture.XXXXXX)"
trap 'dpkg -P kata-runtime kata-shim hello-probe >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

make_deb() { # name version arch
  local root="$work/build-$1-$2"
  mkdir -p "$root/DEBIAN" "$root/usr/share/doc/$1"
  printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: Test <test@example.invalid>\nDescription: APT hook capture probe\n' \
    "$1" "$2" "$3" > "$root/DEBIAN/control"
  echo "$2" > "$root/usr/share/doc/$1/README"
  dpkg-deb --root-owner-group --build "$root" "$work/$1_$2_$3.deb" >/dev/null
}
make_deb kata-runtime 3.1.0-1 all
make_deb kata-runtime 3.2.0-1 all
make_deb kata-shim 1.0.0-1 all
make_deb hello-probe 1.0-1 amd64

mkdir -p "$work/repo" "$work/lists/partial" "$work/archives/partial"
cp "$work/kata-runtime_3.2.0-1_all.deb" "$work/hello-probe_1.0-1_amd64.deb" "$work/repo/"
(cd "$work/repo" && dpkg-scanpackages . /dev/null > Packages 2>/dev/null)
echo "deb [trusted=yes] file:$work/repo ./" > "$work/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/nonexistent
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
  -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
apt-get "${apt_opts[@]}" -qq update

for version in 2 3; do
  dpkg -i "$work/kata-runtime_3.1.0-1_all.deb" "$work/kata-shim_1.0.0-1_all.deb" >/dev/null
  hook="$work/hook.sh"
  printf '#!/bin/sh\ncat > %s\nexit 1\n' "$here/apt-hook-v$version.txt" > "$hook"
  chmod +x "$hook"
  apt-get "${apt_opts[@]}" -y install kata-runtime hello-probe kata-shim- \
    -o "DPkg::Pre-Install-Pkgs::=$hook" -o "DPkg::Tools::Options::$hook::Version=$version" >/dev/null 2>&1 || true
  dpkg -P kata-runtime kata-shim >/dev/null
done
echo "capture-apt-hook.sh: wrote $here/apt-hook-v2.txt and $here/apt-hook-v3.txt" >&2
