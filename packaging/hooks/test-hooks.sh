#!/usr/bin/env bash
# Tests the package hook snippets and the APT hook command line against a fake kata-preflight that exits with a
# chosen status, with and without enforcement. Run: bash packaging/hooks/test-hooks.sh (needs only sh and sed).
# The snippets name /usr/bin/kata-preflight and /etc/kata-preflight/enforce; copies with those two paths pointed
# into a temporary directory are what run here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

fake_tool() { # exit status, or "missing"
  rm -f "$work/kata-preflight"
  if [ "$1" != missing ]; then
    printf '#!/bin/sh\ncat >/dev/null 2>&1 || true\nexit %s\n' "$1" > "$work/kata-preflight"
    chmod +x "$work/kata-preflight"
  fi
}

relocated() { # snippet file -> copy using the fake paths
  sed -e "s|/usr/bin/kata-preflight|$work/kata-preflight|g" -e "s|/etc/kata-preflight/enforce|$work/enforce|g" "$1"
}

expect() { # description, expected exit, actual exit
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1: expected exit $2, got $3" >&2; fi
}

relocated "$here/kata-preflight-postinst.snippet" > "$work/postinst"
relocated "$here/kata-preflight-posttrans.snippet" > "$work/posttrans"
# The APT hook: the command string from 70kata-preflight, run the way APT runs it (/bin/sh -c, protocol on stdin).
apt_command="$(sed -n 's/^DPkg::Pre-Install-Pkgs {"\(.*\)";};$/\1/p' "$here/../apt/70kata-preflight")"
[ -n "$apt_command" ] || { echo "FAIL: no DPkg::Pre-Install-Pkgs command in 70kata-preflight" >&2; exit 1; }
apt_command="${apt_command//\/usr\/bin\/kata-preflight/$work/kata-preflight}"

# tool exit | enforce? | postinst (upgrade) | posttrans | apt hook
cases=(
  "0 no 0 0 0"
  "1 no 0 0 1"
  "1 yes 1 1 1"
  "2 yes 0 0 0"
  "3 yes 0 0 0"
  "134 yes 0 0 0"
  "missing yes 0 0 0"
)
printf 'VERSION 3\n\n' > "$work/hook-input"
for case in "${cases[@]}"; do
  read -r tool enforce want_postinst want_posttrans want_apt <<< "$case"
  fake_tool "$tool"
  rm -f "$work/enforce"
  [ "$enforce" = yes ] && touch "$work/enforce"
  rc=0; sh "$work/postinst" configure 3.1.0-1 > /dev/null 2>&1 || rc=$?
  expect "postinst, tool $tool, enforce $enforce" "$want_postinst" "$rc"
  rc=0; sh "$work/posttrans" > /dev/null 2>&1 || rc=$?
  expect "posttrans, tool $tool, enforce $enforce" "$want_posttrans" "$rc"
  # The APT hook leaves enforcement to `kata-preflight hook apt` itself: only its exit 1 stops APT.
  # From a file, not a pipe: a missing tool never reads its stdin, and a writer racing its exit would die of
  # SIGPIPE, which pipefail turns into a spurious failure.
  rc=0; sh -c "$apt_command" < "$work/hook-input" > /dev/null 2>&1 || rc=$?
  expect "apt hook, tool $tool" "$want_apt" "$rc"
done

# Enforcement by environment instead of the file.
fake_tool 1; rm -f "$work/enforce"
rc=0; KATA_PREFLIGHT_ENFORCE=1 sh "$work/postinst" configure 3.1.0-1 > /dev/null 2>&1 || rc=$?
expect "postinst, block, KATA_PREFLIGHT_ENFORCE=1" 1 "$rc"
# A first install (no old version) is not an upgrade: no check.
fake_tool 1; touch "$work/enforce"
rc=0; sh "$work/postinst" configure "" > /dev/null 2>&1 || rc=$?
expect "postinst, first install" 0 "$rc"
# Block is loud.
fake_tool 1; rm -f "$work/enforce"
sh "$work/posttrans" > "$work/posttrans.out" 2>&1 || true
grep -q "kata-preflight: BLOCK" "$work/posttrans.out" && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: block message missing" >&2; }

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
