#!/usr/bin/env bash
# Builds a dnf repository of fake Kata RPMs holding REAL runtimes and guest images with REAL agents, for the dnf
# plugin's end-to-end tests (tests/Preflight.Cli.Tests/Installed/DnfTransactionTests.cs). The same payloads the
# APT hook's .debs carry (testdata/packages/make.sh, "hook fixtures"), packaged by rpmbuild as Kata's RPMs ship them:
#   OUTDIR/repo/kata-runtime-<ver>.x86_64.rpm            /usr/bin/containerd-shim-kata-v2 = binaries/runtime-<...>
#   OUTDIR/repo/kata-containers-image-<ver>.x86_64.rpm   /usr/share/kata-containers/kata-containers.img ->
#                                                        kata-containers-<ver>.img (packages/hook/images/agent-<...>.img)
#   OUTDIR/repo/hello-probe-1.0-1.noarch.rpm             a package that is not Kata's
#   OUTDIR/repo/repodata/                                createrepo_c's metadata: a repository dnf reads offline
# for runtime and image at 3.5.0-1/3.2.0-1 (Rust agent, ttrpc) and 1.12.1-1 (Go agent, gRPC), as the .debs.
# Usage: make.sh OUTDIR. Needs: the binary and package fixtures (testdata/binaries/make.sh and
# testdata/packages/make.sh, which make-fixtures.sh runs first), Debian packages rpm (rpmbuild) and createrepo-c.
# Takes seconds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: make.sh OUTDIR}"
generated="$here/../generated"
bins="$generated/binaries"
images="$generated/packages/hook/images"
for input in "$bins/runtime-go-ttrpc-3.5.0-amd64" "$bins/runtime-gogo-grpc-1.12.1-amd64" \
             "$images/agent-rust-3.2.0-amd64.img" "$images/agent-gogo-grpc-1.12.1-amd64.img"; do
  [ -f "$input" ] || { echo "rpm-packages: $input is missing (run testdata/binaries/make.sh and testdata/packages/make.sh first)" >&2; exit 1; }
done
rm -rf "$out"
mkdir -p "$out/repo"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C TZ=UTC

# rpm_package NAME VERSION ARCH STAGE FILES...: an .rpm of STAGE (no dependencies, no scriptlets) into the repo;
# FILES are the %files lines.
rpm_package() {
  local name="$1" version="$2" arch="$3" tree="$4"
  shift 4
  local top="$work/rpmbuild" spec="$work/$name.spec"
  rm -rf "$top"
  mkdir -p "$top"
  {
    printf 'Name: %s\nVersion: %s\nRelease: 1\nSummary: fake %s for the kata-preflight dnf plugin tests\n' "$name" "$version" "$name"
    printf 'License: Apache-2.0\nBuildArch: %s\n%%description\nNot a real Kata package.\n' "$arch"
    printf '%%prep\n%%build\n%%install\nmkdir -p %%{buildroot}\ncp -a %%{tree}/. %%{buildroot}/\n%%files\n'
    printf '%s\n' "$@"
  } > "$spec"
  find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  rpmbuild -bb --quiet --define "_topdir $top" --define "tree $tree" --define "_binary_payload w19.zstdio" \
    --define "_build_id_links none" --define "debug_package %{nil}" --define "__os_install_post %{nil}" \
    --define "_buildhost fixtures" --define "use_source_date_epoch_as_buildtime 1" \
    --define "clamp_mtime_to_source_date_epoch 1" --nodeps "$spec" > "$work/rpmbuild.log" 2>&1 \
    || { cat "$work/rpmbuild.log" >&2; echo "rpm-packages: rpmbuild failed for $name $version" >&2; exit 1; }
  cp "$top"/RPMS/"$arch"/*.rpm "$out/repo/"
}

for runtime in runtime-go-ttrpc-3.5.0-amd64:3.5.0 runtime-gogo-grpc-1.12.1-amd64:1.12.1; do
  tree="$work/runtime"; rm -rf "$tree"; mkdir -p "$tree/usr/bin"
  install -m 0755 "$bins/${runtime%%:*}" "$tree/usr/bin/containerd-shim-kata-v2"
  rpm_package kata-runtime "${runtime##*:}" x86_64 "$tree" '%attr(0755,root,root) /usr/bin/containerd-shim-kata-v2'
done
for image in agent-rust-3.2.0-amd64:3.2.0 agent-gogo-grpc-1.12.1-amd64:1.12.1; do
  version="${image##*:}"
  tree="$work/image"; rm -rf "$tree"; mkdir -p "$tree/usr/share/kata-containers"
  install -m 0644 "$images/${image%%:*}.img" "$tree/usr/share/kata-containers/kata-containers-$version.img"
  ln -s "kata-containers-$version.img" "$tree/usr/share/kata-containers/kata-containers.img"
  rpm_package kata-containers-image "$version" x86_64 "$tree" '%dir /usr/share/kata-containers' \
    "/usr/share/kata-containers/kata-containers-$version.img" /usr/share/kata-containers/kata-containers.img
done
tree="$work/probe"; rm -rf "$tree"; mkdir -p "$tree/usr/share/doc/hello-probe"
echo "hello" > "$tree/usr/share/doc/hello-probe/README"
rpm_package hello-probe 1.0 noarch "$tree" /usr/share/doc/hello-probe/README

createrepo_c --quiet --simple-md-filenames "$out/repo" > "$work/createrepo.log" 2>&1 \
  || { cat "$work/createrepo.log" >&2; echo "rpm-packages: createrepo_c failed" >&2; exit 1; }
echo "rpm-packages: $(ls "$out/repo" | grep -c '\.rpm$') packages and their repodata in $out/repo" >&2
