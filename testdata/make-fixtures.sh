#!/usr/bin/env bash
# Builds every test fixture with the real tools into testdata/generated/ (not committed).
# Each area has its own script; this one installs the tools if needed and runs them all.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/install-tools.sh"
mkdir -p "$here/generated"
for script in "$here"/*/make.sh; do
  [ -f "$script" ] || continue
  echo "make-fixtures: $(basename "$(dirname "$script")")" >&2
  bash "$script" "$here/generated/$(basename "$(dirname "$script")")"
done
