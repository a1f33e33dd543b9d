#!/usr/bin/env bash
# Builds the fixture binaries (Kata-like runtimes and agents) with the real toolchains into OUTDIR,
# plus OUTDIR/manifest.json (what each binary must contain) and OUTDIR/descsets/<version>.binpb.
#
#   usage: testdata/binaries/make.sh OUTDIR
#
# Inputs: the protocol history in testdata/protocols/history/<version>/ (another area's files),
# the small programs under go/, rust/ and c/ here, and drivers.tsv (storage-driver strings).
# Everything builds offline from Debian packages; outputs are rebuilt only when an input is newer.
#
# Debian packages this script relies on:
#   protobuf-compiler (protoc 3.21, /usr/include/google/protobuf/*.proto)
#   golang-go (1.19), golang-github-gogo-protobuf-dev, gogoprotobuf (protoc-gen-gogofast),
#   golang-google-protobuf-dev, protoc-gen-go (1.28), golang-github-containerd-ttrpc-dev
#     (its cmd/protoc-gen-gogottrpc and cmd/protoc-gen-go-ttrpc are built from source here, so the
#     gogottrpc package is not needed), golang-google-grpc-dev (1.33, 1.x transport) and what it
#     pulls in (golang-golang-x-net-dev, golang-google-genproto-dev, golang-github-golang-protobuf-1-3-dev)
#   cargo, rustc: NOT in install-tools.sh (this machine has a rustup toolchain, 1.95; Debian's
#     `cargo` package should do, untested), librust-protobuf-dev, librust-ttrpc-dev (0.5), which
#     pulls librust-protobuf-codegen-pure-dev and librust-protobuf-codegen-dev (2.27) and the rest
#     of /usr/share/cargo/registry
#   gcc, gcc-aarch64-linux-gnu, gcc-s390x-linux-gnu (C stand-in agents for arm64 and big-endian s390x)
#   binutils (strip is not used: Go strips with -ldflags "-s -w")
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
history="$here/../protocols/history"
tools="$out/tools"
work="$out/work"
entries="$out/manifest.d"
mkdir -p "$tools" "$work" "$entries" "$out/descsets"

export GO111MODULE=off
export GOFLAGS="-trimpath -buildvcs=false"
export GOCACHE="$out/cache/go"
export CGO_ENABLED=0
# rust-protobuf 2.27 output predates today's rustc lints; its warnings are noise here.
# The remaps keep OUTDIR out of the binaries (Rust's answer to Go's -trimpath), so they do not
# depend on where the repository is checked out.
export RUSTFLAGS="-A warnings --remap-path-prefix=$work=/build --remap-path-prefix=$out/cache/cargo=/target --remap-path-prefix=/usr/share/cargo/registry=/cargo/registry"
export PATH="$tools:$PATH"

log() { echo "binaries: $*" >&2; }

# newer_than OUTPUT INPUT...: true when OUTPUT exists and no input file is newer.
newer_than() {
  local output="$1"; shift
  [ -e "$output" ] || return 1
  [ -z "$(find "$@" -newer "$output" -type f -print -quit)" ]
}

# A stable fake git commit per version: same inputs, same binaries.
commit_of() { printf 'kata-preflight fixture %s' "$1" | sha1sum | cut -c1-40; }

# ---------------------------------------------------------------- tools

build_tools() {
  if ! newer_than "$tools/fixturetool" "$here/go/src/kfx/fixturetool" "$0"; then
    log "building fixturetool"
    GOPATH="$here/go:/usr/share/gocode" go build -o "$tools/fixturetool" kfx/fixturetool
  fi
  if [ ! -x "$tools/protoc-gen-gogottrpc" ] || [ ! -x "$tools/protoc-gen-go-ttrpc" ]; then
    log "building protoc-gen-gogottrpc and protoc-gen-go-ttrpc from golang-github-containerd-ttrpc-dev"
    GOPATH=/usr/share/gocode go build -o "$tools/protoc-gen-gogottrpc" github.com/containerd/ttrpc/cmd/protoc-gen-gogottrpc
    GOPATH=/usr/share/gocode go build -o "$tools/protoc-gen-go-ttrpc" github.com/containerd/ttrpc/cmd/protoc-gen-go-ttrpc
  fi
  if ! newer_than "$tools/protoc-gen-rust" "$here/rust/protoc-gen-rust"; then
    log "building protoc-gen-rust from librust-protobuf-codegen-dev"
    rm -rf "$work/protoc-gen-rust" && cp -r "$here/rust/protoc-gen-rust" "$work/protoc-gen-rust"
    (cd "$work/protoc-gen-rust" && cargo build --release --offline --quiet \
      --config "$here/rust/cargo-config.toml" --target-dir "$out/cache/cargo")
    cp "$out/cache/cargo/release/protoc-gen-rust" "$tools/protoc-gen-rust"
  fi
}

# ---------------------------------------------------------------- protos

# descsets/<version>.binpb: the canonical FileDescriptorSet of each history version, short names.
build_descsets() {
  local dir version
  for dir in "$history"/*/; do
    version="$(basename "$dir")"
    newer_than "$out/descsets/$version.binpb" "$dir" && continue
    protoc -I"$dir" --include_imports --descriptor_set_out="$out/descsets/$version.binpb" "$dir"/*.proto
  done
}

# stage_protos VERSION DEST PREFIX TYPES_PATH: copies a version's .proto files to DEST/PREFIX/<file>
# (types.proto to DEST/TYPES_PATH when given) and rewrites the imports between them, so protoc sees
# the file names a given Kata release registered (short, long github.com paths, pkg/types/...).
stage_protos() {
  local version="$1" dest="$2" prefix="$3" types_path="$4" src f target
  src="$history/$version"
  rm -rf "$dest" && mkdir -p "$dest"
  local sed_args=()
  for f in "$src"/*.proto; do
    f="$(basename "$f")"
    target="${prefix:+$prefix/}$f"
    [ "$f" = types.proto ] && [ -n "$types_path" ] && target="$types_path"
    sed_args+=(-e "s|^import \"$f\";|import \"$target\";|")
    echo "$target"
  done > "$dest.files"
  while read -r target; do
    f="$(basename "$target")"
    mkdir -p "$dest/$(dirname "$target")"
    sed "${sed_args[@]}" "$src/$f" > "$dest/$target"
  done < "$dest.files"
}

# The Go import path of a staged file: one Go package per proto package, as in Kata's runtime.
go_package_of() { echo "kfx/protocols/$(sed -n 's/^package \([a-z_]*\);/\1/p' "$1")"; }

# ---------------------------------------------------------------- Go binaries

# The Go module each Debian source tree in /usr/share/gocode is, at the Debian package's version.
module_of() {
  case "$1" in
    github.com/containerd/ttrpc*)  echo "github.com/containerd/ttrpc v1.1.1" ;;
    github.com/gogo/protobuf*)     echo "github.com/gogo/protobuf v1.3.2" ;;
    github.com/golang/protobuf*)   echo "github.com/golang/protobuf v1.3.5" ;;
    github.com/sirupsen/logrus*)   echo "github.com/sirupsen/logrus v1.9.0" ;;
    golang.org/x/net*)             echo "golang.org/x/net v0.7.0" ;;
    golang.org/x/sys*)             echo "golang.org/x/sys v0.3.0" ;;
    golang.org/x/text*)            echo "golang.org/x/text v0.7.0" ;;
    google.golang.org/genproto*)   echo "google.golang.org/genproto v0.0.0-20200413115906-b5235f65be36" ;;
    google.golang.org/grpc*)       echo "google.golang.org/grpc v1.33.3" ;;
    google.golang.org/protobuf*)   echo "google.golang.org/protobuf v1.28.1" ;;
    *) echo "make.sh: no module known for Go package $1" >&2; return 1 ;;
  esac
}

# vendor_module GOPATH PROGRAM DEST: turns the GOPATH build tree into a Go module at Kata's module
# path with a vendor/ directory over /usr/share/gocode, so the binary's build info names its
# dependencies and their versions (go version -m), as a release build's does. Prints the
# program's directory inside the module.
vendor_module() {
  local gopath="$1" program="$2" dest="$3" module_path dir pkg
  case "$program" in
    runtime-ttrpc) module_path=github.com/kata-containers/kata-containers/src/runtime dir=cmd/containerd-shim-kata-v2 ;;
    runtime-grpc)  module_path=github.com/kata-containers/runtime dir=cli ;;
    agent-grpc)    module_path=github.com/kata-containers/agent dir=. ;;
  esac
  local deps
  deps="$(GOPATH="$gopath:/usr/share/gocode" go list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' "kfx/cmd/$program" | grep -v '^kfx/')"
  rm -rf "$dest" && mkdir -p "$dest/$dir" "$dest/vendor"
  cp -r "$gopath/src/kfx/protocols" "$dest/protocols"
  cp "$gopath/src/kfx/cmd/$program"/*.go "$dest/$dir/"
  grep -rl '"kfx/' "$dest" --include='*.go' | xargs sed -i "s#\"kfx/#\"$module_path/#"
  local modules
  modules="$(for pkg in $deps; do module_of "$pkg"; done | sort -u)"
  {
    printf 'module %s\n\ngo 1.19\n\nrequire (\n' "$module_path"
    echo "$modules" | sed 's/^/\t/'
    printf ')\n'
  } > "$dest/go.mod"
  local mod version
  while read -r mod version; do
    mkdir -p "$dest/vendor/$(dirname "$mod")"
    ln -s "/usr/share/gocode/src/$mod" "$dest/vendor/$mod"
    # The language version each dependency declares (vendor mode otherwise assumes go 1.16).
    local lang
    lang="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "/usr/share/gocode/src/$mod/go.mod" 2>/dev/null || true)"
    printf '# %s %s\n## explicit%s\n' "$mod" "$version" "${lang:+; go $lang}"
    for pkg in $deps; do [ "$(module_of "$pkg")" = "$mod $version" ] && echo "$pkg"; done
  done <<< "$modules" > "$dest/vendor/modules.txt"
  echo "$dir"
}

# go_build NAME VERSION GENERATOR PROGRAM PREFIX TYPES_PATH ARCHES...
#   GENERATOR: gogo-ttrpc (2.0-3.2 runtime), go-ttrpc (3.3+ runtime), gogo-grpc (1.x runtime/agent)
#   PROGRAM:   runtime-ttrpc, runtime-grpc or agent-grpc (go/src/kfx/cmd/<PROGRAM>/main.go)
#   ARCHES:    amd64, arm64, s390x, ppc64le, or amd64-stripped
go_build() {
  local name="$1" version="$2" generator="$3" program="$4" prefix="$5" types_path="$6"; shift 6
  local b="$work/$name" arch all_built=1
  for arch in "$@"; do
    expected+=("$name-$arch")
    newer_than "$out/$name-$arch" "$history/$version" "$here/go/src/kfx/cmd/$program" "$here/drivers.tsv" "$0" \
      || all_built=0
  done
  [ "$all_built" = 1 ] && return 0
  log "building $name ($generator, protocol $version) for $*"

  stage_protos "$version" "$b/protos" "$prefix" "$types_path"
  local files=() f
  while read -r f; do files+=("$f"); done < "$b/protos.files"
  (cd "$b/protos" && protoc -I. -I/usr/include --include_imports --descriptor_set_out="$b/set.binpb" "${files[@]}")

  local gopath="$b/gopath" gen="$b/gen"
  rm -rf "$gopath" "$gen" && mkdir -p "$gen" "$gopath/src/kfx/cmd/$program"
  local maps="" empty_pkg="github.com/gogo/protobuf/types"
  [ "$generator" = go-ttrpc ] && empty_pkg="google.golang.org/protobuf/types/known/emptypb"
  maps="Mgoogle/protobuf/empty.proto=$empty_pkg"
  for f in "${files[@]}"; do maps="$maps,M$f=$(go_package_of "$b/protos/$f")"; done

  local pkg group
  case "$generator" in
    gogo-ttrpc|gogo-grpc)
      # gogo wants one protoc run per Go package.
      local plugin=gogottrpc plugins=ttrpc
      [ "$generator" = gogo-grpc ] && plugin=gogofast plugins=grpc
      for pkg in $(for f in "${files[@]}"; do go_package_of "$b/protos/$f"; done | sort -u); do
        group=()
        for f in "${files[@]}"; do [ "$(go_package_of "$b/protos/$f")" = "$pkg" ] && group+=("$f"); done
        (cd "$b/protos" && protoc -I. -I/usr/include "--${plugin}_out=plugins=$plugins,$maps:$gen" "${group[@]}")
      done ;;
    go-ttrpc)
      (cd "$b/protos" && protoc -I. -I/usr/include \
        --go_out="$gen" --go_opt="paths=source_relative,${maps}" "${files[@]}")
      # protoc-gen-go-ttrpc 1.1.1 refuses proto3 `optional` (newer releases accept it). Its output is
      # only the service stubs, which do not depend on field presence, so it reads a copy without
      # the keyword; the descriptors in the binary come from protoc-gen-go and keep it.
      rm -rf "$b/protos-ttrpc" && cp -r "$b/protos" "$b/protos-ttrpc"
      for f in "${files[@]}"; do sed -i 's/^\( *\)optional /\1/' "$b/protos-ttrpc/$f"; done
      (cd "$b/protos-ttrpc" && protoc -I. -I/usr/include \
        --go-ttrpc_out="$gen" --go-ttrpc_opt="paths=source_relative,${maps}" "${files[@]}")
      # protoc-gen-go-ttrpc 1.1.1 writes a _ttrpc.pb.go with unused imports for files without services.
      for f in "${files[@]}"; do
        grep -q '^service ' "$b/protos/$f" || rm -f "$gen/${f%.proto}_ttrpc.pb.go"
      done ;;
    *) echo "unknown generator $generator" >&2; return 1 ;;
  esac
  # Move each generated file into its Go package directory.
  for f in "${files[@]}"; do
    pkg="$(go_package_of "$b/protos/$f")"
    mkdir -p "$gopath/src/$pkg"
    find "$gen" -name "$(basename "$f" .proto)*.pb.go" -exec mv {} "$gopath/src/$pkg/" \;
  done

  local transport=ttrpc side=runtime role=runtime
  [ "$generator" = gogo-grpc ] && transport=grpc
  [ "$program" = agent-grpc ] && side=agent-go role=agent
  cp "$here/go/src/kfx/cmd/$program/main.go" "$gopath/src/kfx/cmd/$program/"
  [ "$role" = runtime ] && fixturetool go-calls "$b/set.binpb" "$transport" > "$gopath/src/kfx/cmd/$program/calls.go"
  fixturetool go-drivers "$here/drivers.tsv" "$side" "$version" > "$gopath/src/kfx/cmd/$program/drivers.go"
  local module
  module="$(vendor_module "$gopath" "$program" "$b/mod")"

  local commit ldflags
  commit="$(commit_of "$version")"
  if [ "$role" = agent ]; then
    ldflags="-X main.version=$version-$commit"   # the 1.x agent's "<VERSION>-<sha>"
  else
    ldflags="-X main.version=$version -X main.commit=$commit"
  fi
  local encoding=gzip generator_name
  case "$generator" in
    gogo-ttrpc) generator_name="protoc-gen-gogottrpc (gogo 1.3.2)" ;;
    gogo-grpc)  generator_name="protoc-gen-gogofast (gogo 1.3.2)" ;;
    go-ttrpc)   generator_name="protoc-gen-go 1.28 + protoc-gen-go-ttrpc"; encoding=raw ;;
  esac

  local goarch stripped flags version_output=""
  for arch in "$@"; do
    goarch="${arch%-stripped}" stripped=false flags="$ldflags"
    [ "$arch" != "$goarch" ] && stripped=true flags="$ldflags -s -w"
    (cd "$b/mod" && GO111MODULE=on GOPROXY=off GOFLAGS="-mod=vendor -trimpath -buildvcs=false" GOARCH="$goarch" \
      go build -ldflags "$flags" -o "$out/$name-$arch" "./$module")
    [ "$goarch" = amd64 ] && version_output="$("$out/$name-$arch" --version)"
    (cd "$out" && go version -m "$name-$arch") > "$out/$name-$arch.buildinfo.txt"
    fixturetool entry -file "$name-$arch" -role "$role" -language go -generator "$generator_name" \
      -arch "$goarch" -stripped="$stripped" -transport "$transport" -version "$version" -commit "$commit" \
      -version-output "$version_output" -protocol "$version" -set "$b/set.binpb" -encoding "$encoding" \
      -drivers "$here/drivers.tsv" -side "$side" > "$entries/$name-$arch.json"
  done
}

# ---------------------------------------------------------------- Rust agents and runtime-rs

# rust_protocols B CRATE VERSION MODE PREFIX STUBS: stages VERSION's protos (B/protos, B/set.binpb) and writes
# CRATE/src/protocols/: rust-protobuf 2.27 code for each file, STUBS.rs (fixturetool: the agent's ttrpc
# "services" or runtime-rs's ttrpc "client") and mod.rs. An agent and a runtime-rs of one version share this,
# so their protocol code is generated the same way from the same files, as Kata's shared protocols crate is.
#   MODE full: rust-protobuf keeps each file's raw FileDescriptorProto (reached via reflection);
#   MODE lite: lite_runtime=true, no descriptors at all, only the ttrpc method paths survive.
rust_protocols() {
  local b="$1" crate="$2" version="$3" mode="$4" prefix="$5" stubs="$6" files=() f
  stage_protos "$version" "$b/protos" "$prefix" ""
  while read -r f; do files+=("$f"); done < "$b/protos.files"
  (cd "$b/protos" && protoc -I. -I/usr/include --include_imports --descriptor_set_out="$b/set.binpb" "${files[@]}")

  mkdir -p "$crate/src/protocols"
  local param=""
  [ "$mode" = lite ] && param="lite_runtime=true:"
  (cd "$b/protos" && protoc -I. -I/usr/include --plugin=protoc-gen-rust="$tools/protoc-gen-rust" \
    --rust_out="$param$crate/src/protocols" "${files[@]}")
  case "$stubs" in
    services) fixturetool rust-service "$b/set.binpb" > "$crate/src/protocols/services.rs" ;;
    client)   fixturetool rust-client "$b/set.binpb" > "$crate/src/protocols/client.rs" ;;
    *) echo "unknown stubs $stubs" >&2; return 1 ;;
  esac
  {
    echo "// Generated by make.sh: the protocol modules of this build."
    for f in "${files[@]}"; do echo "pub mod $(basename "$f" .proto);"; done
    echo "pub mod $stubs;"
    echo
    echo "pub fn describe() {"
    if [ "$mode" = full ]; then
      for f in "${files[@]}"; do
        echo "    let fd = $(basename "$f" .proto)::file_descriptor_proto();"
        echo "    println!(\"{} {}\", fd.get_name(), fd.get_package());"
      done
    fi
    echo "    println!(\"{:?}\", agent::CreateContainerRequest::new());"
    echo "}"
  } > "$crate/src/protocols/mod.rs"
}

# rust_build NAME VERSION MODE PREFIX: a Rust agent (MODE and PREFIX as in rust_protocols and stage_protos).
rust_build() {
  local name="$1" version="$2" mode="$3" prefix="$4"
  expected+=("$name")
  newer_than "$out/$name" "$history/$version" "$here/rust/agent" "$here/drivers.tsv" "$0" && return 0
  log "building $name (rust-protobuf 2.27 $mode, ttrpc 0.5, protocol $version)"
  local b="$work/$name" crate="$work/$name/crate"
  rm -rf "$crate" && mkdir -p "$b" && cp -r "$here/rust/agent" "$crate"
  rust_protocols "$b" "$crate" "$version" "$mode" "$prefix" services
  fixturetool rust-drivers "$here/drivers.tsv" "$version" > "$crate/src/storage.rs"
  local commit
  commit="$(commit_of "$version")"
  cat > "$crate/src/version.rs" <<EOF
// The agent's src/version.rs.in, filled in the way its Makefile does.
pub const AGENT_VERSION: &str = "$version";
pub const API_VERSION: &str = "0.0.1";
pub const VERSION_COMMIT: &str = "$version-$commit";
pub const GIT_COMMIT: &str = "$commit";
pub const AGENT_NAME: &str = "kata-agent";
pub const AGENT_DIR: &str = "/usr/bin";
pub const AGENT_PATH: &str = "/usr/bin/kata-agent";
EOF
  (cd "$crate" && cargo build --release --offline --quiet \
    --config "$here/rust/cargo-config.toml" --target-dir "$out/cache/cargo")
  cp "$out/cache/cargo/release/kata-agent" "$out/$name"
  local encoding=raw
  [ "$mode" = lite ] && encoding=none
  fixturetool entry -file "$name" -role agent -language rust -generator "rust-protobuf 2.27 ($mode) + ttrpc 0.5" \
    -arch amd64 -transport ttrpc -version "$version" -commit "$commit" \
    -version-output "$("$out/$name" --version)" -protocol "$version" -set "$b/set.binpb" -encoding "$encoding" \
    -drivers "$here/drivers.tsv" -side agent-rust > "$entries/$name.json"
}

# rust_runtime_build NAME VERSION: runtime-rs, Kata's Rust containerd shim (3.0+): the agent's protocol code
# (full descriptors, short names) used as a ttrpc client, the runtime side's storage drivers, and the shim's
# config.rs.in filled in the way runtime-rs's Makefile does (VERSION-COMMIT, like the agent's VERSION_COMMIT).
rust_runtime_build() {
  local name="$1" version="$2"
  expected+=("$name")
  newer_than "$out/$name" "$history/$version" "$here/rust/runtime-rs" "$here/drivers.tsv" "$0" && return 0
  log "building $name (runtime-rs: rust-protobuf 2.27 full, ttrpc 0.5 client, protocol $version)"
  local b="$work/$name" crate="$work/$name/crate"
  rm -rf "$crate" && mkdir -p "$b" && cp -r "$here/rust/runtime-rs" "$crate"
  rust_protocols "$b" "$crate" "$version" full "" client
  fixturetool rust-drivers "$here/drivers.tsv" "$version" runtime > "$crate/src/storage.rs"
  local commit
  commit="$(commit_of "$version")"
  cat > "$crate/src/config.rs" <<EOF
// runtime-rs's crates/shim/src/config.rs.in, filled in the way its Makefile does.
pub const PROJECT_NAME: &str = "Kata Containers";
pub const RUNTIME_VERSION: &str = "$version";
pub const RUNTIME_VERSION_COMMIT: &str = "$version-$commit";
pub const RUNTIME_GIT_COMMIT: &str = "$commit";
pub const RUNTIME_NAME: &str = "containerd-shim-kata-v2";
pub const CONTAINERD_RUNTIME_NAME: &str = "io.containerd.kata.v2";
EOF
  (cd "$crate" && cargo build --release --offline --quiet \
    --config "$here/rust/cargo-config.toml" --target-dir "$out/cache/cargo")
  cp "$out/cache/cargo/release/containerd-shim-kata-v2" "$out/$name"
  fixturetool entry -file "$name" -role runtime -language rust -generator "rust-protobuf 2.27 (full) + ttrpc 0.5 client" \
    -arch amd64 -transport ttrpc -version "$version" -commit "$commit" \
    -version-output "$("$out/$name" --version)" -protocol "$version" -set "$b/set.binpb" -encoding raw \
    -drivers "$here/drivers.tsv" -side runtime > "$entries/$name.json"
}

# ---------------------------------------------------------------- C stand-in agents (cross)

# c_build NAME VERSION ARCH: raw descriptors as byte arrays in .rodata, compiled by a cross gcc.
c_build() {
  local name="$1" version="$2" arch="$3" cc
  case "$arch" in
    arm64) cc=aarch64-linux-gnu-gcc ;;
    s390x) cc=s390x-linux-gnu-gcc ;;
    *) echo "no cross compiler for $arch" >&2; return 1 ;;
  esac
  expected+=("$name")
  newer_than "$out/$name" "$history/$version" "$here/c" "$here/drivers.tsv" "$0" && return 0
  log "building $name ($cc, protocol $version)"
  local b="$work/$name" files=() f commit
  commit="$(commit_of "$version")"
  stage_protos "$version" "$b/protos" "" ""
  while read -r f; do files+=("$f"); done < "$b/protos.files"
  (cd "$b/protos" && protoc -I. -I/usr/include --include_imports --descriptor_set_out="$b/set.binpb" "${files[@]}")
  fixturetool c-blob "$b/set.binpb" "$version" "$commit" "$here/drivers.tsv" > "$b/protocol.c"
  "$cc" -O2 -static -Wl,--build-id=none -o "$out/$name" "$here/c/agent-stub.c" "$b/protocol.c"
  fixturetool entry -file "$name" -role agent -language c -generator "protoc --descriptor_set_out as C byte arrays" \
    -arch "$arch" -transport ttrpc -version "$version" -commit "$commit" \
    -version-output "kata-agent version $version (api version: 0.0.1, commit version: $version-$commit, type: rust)" \
    -protocol "$version" -set "$b/set.binpb" -encoding raw \
    -drivers "$here/drivers.tsv" -side agent-rust > "$entries/$name.json"
}

# ---------------------------------------------------------------- the fixture set

expected=()   # every binary this run should leave behind; anything else in OUTDIR is stale

build_tools
build_descsets

all_arches=(amd64 arm64 s390x ppc64le amd64-stripped)
long_2_0="github.com/kata-containers/kata-containers/src/agent/protocols/protos"
long_2_4="github.com/kata-containers/kata-containers/src/libs/protocols/protos"

# Runtimes. 2.0-2.3: gogo, long names under src/agent/; 2.4-3.1: long names under src/libs/.
go_build runtime-gogo-ttrpc-2.2.0 2.2.0 gogo-ttrpc runtime-ttrpc "$long_2_0" "" amd64
go_build runtime-gogo-ttrpc-2.5.0 2.5.0 gogo-ttrpc runtime-ttrpc "$long_2_4" "" "${all_arches[@]}"
# 3.3+: protoc-gen-go raw descriptors, short names.
go_build runtime-go-ttrpc-3.5.0 3.5.0 go-ttrpc runtime-ttrpc "" "" "${all_arches[@]}"
go_build runtime-go-ttrpc-3.30.0 3.30.0 go-ttrpc runtime-ttrpc "" "" amd64
# 1.x: gogofast + gRPC; the runtime vendors the agent's files (agent.proto, pkg/types/types.proto).
go_build runtime-gogo-grpc-1.1.0 1.1.0 gogo-grpc runtime-grpc "" "" amd64
go_build runtime-gogo-grpc-1.12.1 1.12.1 gogo-grpc runtime-grpc "" "pkg/types/types.proto" "${all_arches[@]}"

# Agents. 1.x Go agent (the seed: 1.0.0 lacks the "ephemeral" driver a 1.1.0 runtime sends).
go_build agent-gogo-grpc-1.0.0 1.0.0 gogo-grpc agent-grpc "" "" amd64
go_build agent-gogo-grpc-1.12.1 1.12.1 gogo-grpc agent-grpc "" "pkg/types/types.proto" amd64 s390x
# Rust agents: 2.0.0 registered long names; 2.1+ short names.
rust_build agent-rust-2.0.0-amd64 2.0.0 full "$long_2_0"
rust_build agent-rust-2.2.0-amd64 2.2.0 full ""
rust_build agent-rust-3.2.0-amd64 3.2.0 full ""
rust_build agent-rust-lite-3.5.0-amd64 3.5.0 lite ""
# runtime-rs (Kata's Rust shim, kata-deploy's /opt/kata/runtime-rs/bin): the 3.2.0 agent's protocol code as a client.
rust_runtime_build runtime-rs-3.2.0-amd64 3.2.0
# C stand-ins carrying raw descriptors on arm64 and big-endian s390x.
c_build agent-c-2.5.0-arm64 2.5.0 arm64
c_build agent-c-2.5.0-s390x 2.5.0 s390x

for entry in "$entries"/*.json; do
  stale="$(basename "$entry" .json)"
  case " ${expected[*]} " in *" $stale "*) continue ;; esac
  log "removing stale $stale"
  rm -f "$entry" "$out/$stale" "$out/$stale.buildinfo.txt"
done
fixturetool manifest "$entries" > "$out/manifest.json"
fixturetool verify "$out/manifest.json" "$out"
log "done: $(ls "$entries" | wc -l) binaries in $out"
