#!/usr/bin/env bash
# Installs the real tools the fixtures are made with (Debian packages). Safe to run again.
set -euo pipefail
packages=(
  e2fsprogs xfsprogs erofs-utils cpio gzip zstd xz-utils lz4 fdisk cryptsetup-bin
  protobuf-compiler golang-go golang-github-gogo-protobuf-dev gogoprotobuf golang-google-protobuf-dev
  golang-github-containerd-ttrpc-dev protoc-gen-go
  librust-protobuf-dev librust-ttrpc-dev
  gcc-aarch64-linux-gnu gcc-s390x-linux-gnu libc6-dev-arm64-cross libc6-dev-s390x-cross rpm dpkg-dev binutils ca-certificates
  # kata-preflight's own packages (testdata/own-package): NativeAOT links with gcc and zlib; the installed binary
  # loads OpenSSL; apt-get runs the installed APT hook in a sandboxed transaction.
  gcc zlib1g-dev libssl3 apt
  # Packaging policy: the tests run lintian on the .deb and rpmlint on the .rpm.
  lintian rpmlint
  # matrix --format html is rendered in a real headless browser by the tests.
  chromium
  # The fuzz targets' AFL smoke run in the tests (tests/Preflight.Fuzz/fuzz.sh drives afl-fuzz through SharpFuzz).
  afl++
  # The documentation tests ask fish what the shipped fish completion offers.
  fish
  # ... and zsh (compinit on a pseudo-terminal) what the shipped zsh completion offers.
  zsh
  # The dnf plugin's tests run real dnf 4 (python3-dnf loads the plugin) on a repository createrepo_c indexes
  # (testdata/rpm-packages/make.sh).
  dnf python3-dnf createrepo-c
)
# The Rust fixtures need cargo; the machine image ships a rustup toolchain, Debian's is the fallback.
command -v cargo >/dev/null 2>&1 || packages+=(cargo rustc)
# buf and the SARIF schema come from the npm registry; the machine image ships Node.js with npm (whose nodejs
# package conflicts with Debian's npm), Debian's npm is the fallback.
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-tools.sh: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
