#!/usr/bin/env bash
# Fetches the SARIF 2.1.0 JSON schema for the report-validation test. It comes from Microsoft's
# @microsoft/jest-sarif npm package (which ships the OASIS schema as lib/schemas/sarif-2.1.0-rtm.5.json), so the test
# validates against the published schema rather than one we wrote. Usage: make.sh OUTDIR
# Debian packages: npm (nodejs), tar, gzip.
set -euo pipefail
out="${1:?usage: make.sh OUTDIR}"
mkdir -p "$out"
[ -s "$out/sarif-2.1.0.json" ] && exit 0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null)
tar -xzf "$work"/microsoft-jest-sarif-1.0.0-beta.0.tgz -C "$work" package/lib/schemas/sarif-2.1.0-rtm.5.json
cp "$work/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$out/sarif-2.1.0.json"
