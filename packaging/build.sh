#!/usr/bin/env bash
# Builds kata-preflight's distribution packages. ONE command, from anywhere:
#
#   packaging/build.sh [OUTDIR]          (default OUTDIR: artifacts/packages, ignored by git)
#
# It (1) publishes src/Preflight.Cli self-contained for linux-x64: NativeAOT when the ILCompiler package restores
# and a native linker is present, otherwise a self-contained single-file executable (KATA_PREFLIGHT_NO_AOT=1
# forces the latter); (2) stages the installed tree: /usr/bin/kata-preflight, the man page, bash, fish and zsh completion,
# /etc/kata-preflight/policy.toml (conffile), /etc/apt/apt.conf.d/70kata-preflight (deb only, conffile) and the
# hook snippets for Kata's packages under /usr/share/kata-preflight/hooks, the JSON report's schema under
# /usr/share/kata-preflight; (3) builds
#   OUTDIR/kata-preflight_<version>-1_amd64.deb with dpkg-deb (copyright and changelog under /usr/share/doc)
#   OUTDIR/kata-preflight-<version>-1.x86_64.rpm with rpmbuild (packaging/rpm/kata-preflight.spec; %license files)
#   OUTDIR/python3-dnf-plugin-kata-preflight-<version>-1.noarch.rpm, its subpackage: the dnf plugin
#     (dnf-plugins/kata_preflight.py in python3's site-packages, /etc/dnf/plugins/kata_preflight.conf); the .deb
#     has none: Debian hosts manage Kata with APT, and a python module there needs a python3 dependency (lintian)
# and prints what each package holds.
#
# Needs: the .NET 10 SDK; gcc or clang and zlib (NativeAOT links with them); Debian packages dpkg-dev, rpm, gzip,
# binutils (objdump), base-files (the Apache-2.0 text the .rpm ships). testdata/own-package/make.sh runs this
# command in the tests and installs the result, and runs lintian and rpmlint on it.
# KATA_PREFLIGHT_BINARY=path skips the publish step and packages that binary instead.
# KATA_PREFLIGHT_PYTHON3_SITELIB=dir: the target's python3 site-packages, where the .rpm puts the dnf plugin
# (default /usr/lib/python3.9/site-packages: CentOS Stream 9 and RHEL 9, whose dnf 4 loads the plugin; dnf 5, in
# Fedora 41 and later, loads no dnf 4 plugin).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="${1:-$repo/artifacts/packages}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || date +%s)}"

cli="$repo/src/Preflight.Cli/Preflight.Cli.csproj"
version="$(dotnet msbuild "$cli" -getProperty:Version 2>/dev/null | tr -d '[:space:]')"
version="${version:-0.0.0}"

# ---- 1. the binary ----
binary="$work/publish/kata-preflight"
if [ -n "${KATA_PREFLIGHT_BINARY:-}" ]; then
  mkdir -p "$work/publish"
  cp "$KATA_PREFLIGHT_BINARY" "$binary"
  kind="given"
else
  # UseSystemZlib: link the system's libz.so.1 rather than the copy of zlib-ng NativeAOT embeds by default, so
  # zlib security updates reach kata-preflight (Debian policy 4.13; lintian's embedded-library error).
  common=(publish "$cli" -c Release -r linux-x64 --self-contained true -o "$work/publish"
          --artifacts-path "$work/artifacts" -p:DebugType=none -p:DebugSymbols=false -p:UseSystemZlib=true)
  kind=""
  if [ "${KATA_PREFLIGHT_NO_AOT:-0}" != 1 ]; then
    if dotnet "${common[@]}" -p:PublishAot=true -p:StripSymbols=true > "$work/publish-aot.log" 2>&1; then
      kind="NativeAOT"
    else
      echo "build.sh: NativeAOT publish failed (see below), falling back to single-file" >&2
      grep -E "error|warning IL" "$work/publish-aot.log" | sort -u | head -20 >&2 || true
      rm -rf "$work/publish"
    fi
  fi
  if [ -z "$kind" ]; then
    dotnet "${common[@]}" -p:PublishAot=false -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
      -p:EnableCompressionInSingleFile=true > "$work/publish-single.log" 2>&1 \
      || { cat "$work/publish-single.log" >&2; echo "build.sh: publish failed" >&2; exit 1; }
    kind="single-file self-contained"
  fi
fi
[ -x "$binary" ] || { echo "build.sh: no kata-preflight binary in $work/publish" >&2; exit 1; }
echo "build.sh: kata-preflight $version, $kind, $(stat -c %s "$binary") bytes" >&2

# ---- 2. the installed tree ----
stage="$work/stage"
install -D -m 0755 "$binary" "$stage/usr/bin/kata-preflight"
install -d -m 0755 "$stage/usr/share/man/man1"
gzip -9n < "$here/kata-preflight.1" > "$stage/usr/share/man/man1/kata-preflight.1.gz"
install -D -m 0644 "$here/completion/kata-preflight.bash" "$stage/usr/share/bash-completion/completions/kata-preflight"
install -D -m 0644 "$here/completion/kata-preflight.fish" "$stage/usr/share/fish/vendor_completions.d/kata-preflight.fish"
# Debian's zsh reads packaged completions from vendor-completions; the spec moves it to RPM's site-functions.
install -D -m 0644 "$here/completion/_kata-preflight" "$stage/usr/share/zsh/vendor-completions/_kata-preflight"
install -D -m 0644 "$here/policy.toml" "$stage/etc/kata-preflight/policy.toml"
install -D -m 0644 "$here/hooks/kata-preflight-postinst.snippet" "$stage/usr/share/kata-preflight/hooks/kata-preflight-postinst.snippet"
install -D -m 0644 "$here/hooks/kata-preflight-posttrans.snippet" "$stage/usr/share/kata-preflight/hooks/kata-preflight-posttrans.snippet"
install -D -m 0644 "$here/check-report.schema.json" "$stage/usr/share/kata-preflight/check-report.schema.json"
# Licences: the machine-readable copyright (ours and what the binary links) in both packages; the .rpm also
# carries the Apache-2.0 text, which Debian keeps in /usr/share/common-licenses instead.
install -D -m 0644 "$here/deb/copyright" "$stage/usr/share/doc/kata-preflight/copyright"
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# ---- 3a. .deb ----
debroot="$work/deb"
cp -a "$stage" "$debroot"
sed "s/@VERSION@/$version/" "$here/deb/changelog.in" | gzip -9n > "$debroot/usr/share/doc/kata-preflight/changelog.Debian.gz"
touch -d "@$SOURCE_DATE_EPOCH" "$debroot/usr/share/doc/kata-preflight/changelog.Debian.gz"
install -D -m 0644 "$here/apt/70kata-preflight" "$debroot/etc/apt/apt.conf.d/70kata-preflight"
# A conffile beside the one that calls it: both stay after `apt-get remove`, when the script must stay silent.
install -D -m 0755 "$here/apt/apt-hook" "$debroot/etc/kata-preflight/apt-hook"
install -d "$debroot/DEBIAN"
# Depends: the newest glibc symbol version the binary links against, and OpenSSL, which .NET's crypto (SHA-256)
# loads with dlopen at run time, so no tool that reads the ELF can see it.
glibc="$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -1)"
sed -e "s/@VERSION@/$version/" -e "s/@GLIBC@/${glibc:-2.17}/" "$here/deb/control.in" > "$debroot/DEBIAN/control"
echo "Installed-Size: $(du -sk --exclude=DEBIAN "$debroot" | cut -f1)" >> "$debroot/DEBIAN/control"
install -m 0644 "$here/deb/conffiles" "$debroot/DEBIAN/conffiles"
deb="$out/kata-preflight_${version}-1_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$debroot" "$deb" >/dev/null

# ---- 3b. .rpm ----
top="$work/rpmbuild"
mkdir -p "$top"
install -D -m 0644 /usr/share/common-licenses/Apache-2.0 "$work/licenses/LICENSE"
rpmbuild -bb --quiet --define "_topdir $top" --define "stage $stage" --define "licenses $work/licenses" --define "pkgversion $version" \
  --define "dnf_dir $here/dnf" \
  --define "python3_sitelib ${KATA_PREFLIGHT_PYTHON3_SITELIB:-/usr/lib/python3.9/site-packages}" \
  --define "debug_package %{nil}" --define "__os_install_post %{nil}" --define "_build_id_links none" \
  --define "_binary_payload w19.zstdio" --define "use_source_date_epoch_as_buildtime 1" \
  --define "clamp_mtime_to_source_date_epoch 1" --nodeps "$here/rpm/kata-preflight.spec" > "$work/rpmbuild.log" 2>&1 \
  || { cat "$work/rpmbuild.log" >&2; echo "build.sh: rpmbuild failed" >&2; exit 1; }
rpm="$out/kata-preflight-${version}-1.x86_64.rpm"
cp "$top"/RPMS/x86_64/kata-preflight-*.rpm "$rpm"
dnf_rpm="$out/python3-dnf-plugin-kata-preflight-${version}-1.noarch.rpm"
cp "$top"/RPMS/noarch/python3-dnf-plugin-kata-preflight-*.rpm "$dnf_rpm"

echo "== $deb" >&2
dpkg-deb -c "$deb" >&2
echo "== $rpm" >&2
rpm -qlp --nosignature "$rpm" >&2
echo "== $dnf_rpm" >&2
rpm -qlp --nosignature "$dnf_rpm" >&2
echo "$deb"
echo "$rpm"
echo "$dnf_rpm"
