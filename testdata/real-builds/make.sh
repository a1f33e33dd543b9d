#!/usr/bin/env bash
# Decompresses the real-build samples (see README.md) into OUT with xz; they are committed compressed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: make.sh OUTDIR}"
mkdir -p "$out"
for sample in "$here"/*.xz; do
  name="$(basename "$sample" .xz)"
  if [ ! -f "$out/$name" ] || [ "$sample" -nt "$out/$name" ]; then
    xz -dc "$sample" > "$out/$name.tmp" && mv "$out/$name.tmp" "$out/$name"
  fi
done
echo "real-builds: $(ls "$out" | wc -l) samples" >&2
