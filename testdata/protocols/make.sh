#!/usr/bin/env bash
# Builds the protocol fixtures into OUTDIR (testdata/generated/protocols):
#   history/<version>.binpb          every history version, compiled by protoc (FileDescriptorSet, imports included)
#   cases/<RULE>.{runtime,agent}.binpb   every per-rule case pair, compiled by protoc
#   misc/<name>.binpb                recursive types, proto2 features, a 5000-deep message chain (edge cases)
#   buf/<RULE>.agent-against-runtime.json and .runtime-against-agent.json
#                                    `buf breaking --error-format json` (WIRE rules) in both directions, so the
#                                    tests can compare our field-level findings with buf's
# Debian packages: protobuf-compiler (protoc), npm (to install buf from the npm registry; brings nodejs).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: make.sh OUTDIR}"
buf_version="1.75.0"
mkdir -p "$out/history" "$out/cases" "$out/misc" "$out/buf"

compile() { # compile DIR OUTFILE: every .proto in DIR, well-known imports from protoc's own include path
  local dir="$1" target="$2"
  protoc -I "$dir" --include_imports --descriptor_set_out="$target.tmp" "$dir"/*.proto
  mv "$target.tmp" "$target"
}

for dir in "$here"/history/*/; do
  compile "$dir" "$out/history/$(basename "$dir").binpb"
done
ls "$here"/history/*/ -d | xargs -n1 basename | sort -V > "$out/history/versions.txt"

for dir in "$here"/cases/*/; do
  rule="$(basename "$dir")"
  compile "$dir/runtime" "$out/cases/$rule.runtime.binpb"
  compile "$dir/agent" "$out/cases/$rule.agent.binpb"
done

for dir in "$here"/misc/*/; do
  compile "$dir" "$out/misc/$(basename "$dir").binpb"
done

# A hostile-shaped protocol: a chain of 5000 messages, each holding the next (bounds of walker and fingerprint).
chain="$out/misc/chain"
mkdir -p "$chain"
{
  printf 'syntax = "proto3";\npackage grpc;\nservice AgentService {\n  rpc CreateContainer(M0) returns (M0);\n}\n'
  for i in $(seq 0 4998); do printf 'message M%d {\n  M%d next = 1;\n}\n' "$i" "$((i + 1))"; done
  printf 'message M4999 {\n  string end = 1;\n}\n'
} > "$chain/chain.proto"
compile "$chain" "$out/misc/chain.binpb"

# buf, pinned, from the npm registry (skipped when already installed at that version).
if [ "$("$out/buf/node_modules/.bin/buf" --version 2>/dev/null || true)" != "$buf_version" ]; then
  npm install --silent --no-audit --no-fund --prefix "$out/buf" "@bufbuild/buf@$buf_version" >/dev/null
fi
buf="$out/buf/node_modules/.bin/buf"
# WIRE is buf's category for wire compatibility; its checks ignore names, like ours.
config='{"version":"v2","breaking":{"use":["WIRE"]}}'
for dir in "$here"/cases/*/; do
  rule="$(basename "$dir")"
  for pair in "agent runtime" "runtime agent"; do
    set -- $pair
    # buf exits 100 when it finds breaking changes; that is the answer we record, not a failure.
    status=0
    "$buf" breaking "$out/cases/$rule.$1.binpb" --against "$out/cases/$rule.$2.binpb" \
      --config "$config" --error-format json > "$out/buf/$rule.$1-against-$2.json" 2> "$out/buf/$rule.$1-against-$2.err" || status=$?
    if [ "$status" -ne 0 ] && [ "$status" -ne 100 ]; then
      echo "buf breaking failed for $rule ($1 against $2):" >&2
      cat "$out/buf/$rule.$1-against-$2.err" >&2
      exit 1
    fi
  done
done
