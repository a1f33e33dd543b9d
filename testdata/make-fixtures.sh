#!/usr/bin/env bash
# Builds every test fixture with the real tools into testdata/generated/ (not committed).
# Each area has its own script; this one installs the tools if needed and runs them all.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/install-tools.sh"
mkdir -p "$here/generated"
echo "make-fixtures: building every fixture with the real tools into $here/generated" >&2
echo "make-fixtures: a first run takes about 25-30 minutes on 2 cores (Go, Rust and NativeAOT builds); later runs reuse what is built and take 1-3 minutes" >&2
start=$SECONDS
for script in "$here"/*/make.sh; do
  [ -f "$script" ] || continue
  area="$(basename "$(dirname "$script")")"
  step=$SECONDS
  echo "make-fixtures: $area ..." >&2
  bash "$script" "$here/generated/$area"
  echo "make-fixtures: $area done in $((SECONDS - step)) s" >&2
done
echo "make-fixtures: all fixtures ready in $((SECONDS - start)) s" >&2
