#!/usr/bin/env bash
# Builds kata-preflight's OWN packages with the one documented command (packaging/build.sh) and installs them the
# way an admin's machine would get them, for tests/Preflight.Cli.Tests/Installed:
#   OUTDIR/packages/kata-preflight_<v>_amd64.deb, kata-preflight-<v>-1.x86_64.rpm   (packaging/build.sh)
#                   python3-dnf-plugin-kata-preflight-<v>-1.noarch.rpm               (its dnf plugin subpackage)
#   OUTDIR/deb-root/    the .deb installed by real dpkg (--root, its own database under var/lib/dpkg)
#   OUTDIR/rpm-root/    the payload of both .rpms (rpm2cpio | cpio), to compare with the .deb's
#   OUTDIR/chroot/      a Kata host with kata-preflight installed and no .NET anywhere, to run the installed binary
#                       under chroot: deb-root, the demo host's tree (testdata/demo-host: /opt/kata), /bin/sh for
#                       the package hook snippets, and ONLY the C libraries these need (what ldd lists, plus the
#                       OpenSSL that .NET's crypto loads at run time)
#   OUTDIR/unrelated/hello-probe_1.0-1_all.deb   a package that is not Kata's, for the APT transaction tests
#   OUTDIR/rpm-requires.txt (rpm -qp --requires), dnf-rpm-requires.txt (the same of the plugin's),
#   OUTDIR/deb-fields.txt (dpkg-deb -f)
# Usage: make.sh OUTDIR. Needs: the .NET SDK, gcc and zlib (NativeAOT), dpkg-dev, rpm, cpio, binutils.
# Takes about a minute (the NativeAOT publish).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="${1:?usage: make.sh OUTDIR}"

# Content-addressed: the packages depend only on the sources, the packaging, this script, the demo host the chroot
# holds and the commit the binary names in --version; when none of those changed since the last build, it is reused.
inputs_hash() {
  (cd "$repo" && { git rev-parse HEAD 2>/dev/null || true; find src packaging testdata/own-package testdata/demo-host \
      Directory.Build.props Directory.Packages.props global.json -type f \
      -not -path 'src/*/bin/*' -not -path 'src/*/obj/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; }) \
    | sha256sum | cut -d' ' -f1
}
hash="$(inputs_hash)"
if [ -f "$out/inputs.sha256" ] && [ "$(cat "$out/inputs.sha256")" = "$hash" ]; then
  echo "own-package: unchanged sources, reusing $out" >&2
  exit 0
fi
rm -rf "$out"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

bash "$repo/packaging/build.sh" "$out/packages" > "$out/build.txt" 2> "$out/build.log" \
  || { cat "$out/build.log" >&2; echo "own-package: packaging/build.sh failed" >&2; exit 1; }
deb="$(sed -n '1p' "$out/build.txt")"
rpm="$(sed -n '2p' "$out/build.txt")"
dnf_rpm="$(sed -n '3p' "$out/build.txt")"
dpkg-deb -f "$deb" > "$out/deb-fields.txt"
rpm -qp --nosignature --requires "$rpm" > "$out/rpm-requires.txt"
rpm -qp --nosignature --requires "$dnf_rpm" > "$out/dnf-rpm-requires.txt"

# ---- the .deb, installed by dpkg into an empty root with its own database ----
root="$out/deb-root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
: > "$root/var/lib/dpkg/status"
# --force-depends: the throw-away root has no libc6 package; the binary's real needs are checked by the chroot.
dpkg --root="$root" --force-not-root --force-depends --log=/dev/null -i "$deb" > "$out/dpkg-install.log" 2>&1 \
  || { cat "$out/dpkg-install.log" >&2; echo "own-package: dpkg -i failed" >&2; exit 1; }

# ---- the .rpm's payload ----
mkdir -p "$out/rpm-root"
(cd "$out/rpm-root" && rpm2cpio "$rpm" | cpio -idm --quiet && rpm2cpio "$dnf_rpm" | cpio -idm --quiet)

# ---- a Kata host with the package, its C libraries and a shell, nothing else ----
chroot="$out/chroot"
cp -a "$root" "$chroot"
cp -a "$repo/testdata/demo-host/." "$chroot/"
binary="$chroot/usr/bin/kata-preflight"
shell="$(readlink -f /bin/sh)"
install -D -m 0755 "$shell" "$chroot/bin/sh"
libraries() { ldd "$1" | grep -o '/[^ ]*' || true; }
# .NET's crypto (SHA-256 here) dlopens OpenSSL, so ldd cannot see it; take the one this machine would load.
libssl="$(ldconfig -p | sed -n 's/^[[:space:]]*libssl\.so\.3 (libc6,x86-64) => //p' | head -1)"
[ -n "$libssl" ] || { echo "own-package: no libssl.so.3 on this machine (install libssl3)" >&2; exit 1; }
for lib in $( { libraries "$binary"; echo "$libssl"; libraries "$libssl"; libraries "$shell"; } | sort -u); do
  mkdir -p "$chroot$(dirname "$lib")"
  cp -L "$lib" "$chroot$lib"
done
mkdir -p "$chroot/tmp"
chmod 1777 "$chroot/tmp"

# ---- a package that is not Kata's ----
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
mkdir -p "$probe/DEBIAN" "$probe/usr/share/doc/hello-probe" "$out/unrelated"
printf 'Package: hello-probe\nVersion: 1.0-1\nArchitecture: all\nMaintainer: kata-preflight fixtures <fixtures@example.invalid>\nDescription: not a Kata package\n' \
  > "$probe/DEBIAN/control"
echo "hello" > "$probe/usr/share/doc/hello-probe/README"
dpkg-deb --root-owner-group --build "$probe" "$out/unrelated/hello-probe_1.0-1_all.deb" > /dev/null
echo "own-package: $(basename "$deb") and $(basename "$rpm") built and installed" >&2
echo "$hash" > "$out/inputs.sha256"
