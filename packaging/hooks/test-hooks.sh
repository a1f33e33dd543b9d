#!/usr/bin/env bash
# Tests the package hook snippets and the APT hook script against a fake kata-preflight that exits with a chosen
# status. Run: bash packaging/hooks/test-hooks.sh (needs only sh and sed). Enforcement is decided by kata-preflight
# itself (`hook check`, `hook apt`: exit 1 only on a block with enforcement on), so here only the mapping of its exit
# status matters: 1 fails, 0 passes, anything else (2, 3, 4, a crash, missing) warns and passes.
# The scripts name /usr/bin/kata-preflight; copies with that path pointed into a temporary directory run here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

fake_tool() { # exit status, or "missing"
  rm -f "$work/kata-preflight"
  if [ "$1" != missing ]; then
    printf '#!/bin/sh\necho "$*" > %s/args\ncat >/dev/null 2>&1 || true\nexit %s\n' "$work" "$1" > "$work/kata-preflight"
    chmod +x "$work/kata-preflight"
  fi
}

relocated() { # script file -> copy using the fake path
  sed -e "s|/usr/bin/kata-preflight|$work/kata-preflight|g" "$1"
}

expect() { # description, expected, actual
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1: expected $2, got $3" >&2; fi
}

relocated "$here/kata-preflight-postinst.snippet" > "$work/postinst"
relocated "$here/kata-preflight-posttrans.snippet" > "$work/posttrans"
relocated "$here/../apt/apt-hook" > "$work/apt-hook"
# The APT configuration must call the script, and name it as the key of its protocol version.
grep -q '^DPkg::Pre-Install-Pkgs {"/etc/kata-preflight/apt-hook";};$' "$here/../apt/70kata-preflight" \
  && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: 70kata-preflight does not call /etc/kata-preflight/apt-hook" >&2; }
grep -q '^DPkg::Tools::Options::/etc/kata-preflight/apt-hook::Version "3";$' "$here/../apt/70kata-preflight" \
  && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: 70kata-preflight does not ask for protocol version 3" >&2; }

# tool exit | postinst (upgrade) | posttrans | apt hook | warns?
cases=(
  "0 0 0 0 no"
  "1 1 1 1 no"
  "2 0 0 0 yes"
  "3 0 0 0 yes"
  "4 0 0 0 yes"
  "134 0 0 0 yes"
  "missing 0 0 0 no"
)
printf 'VERSION 3\n\n' > "$work/hook-input"
for case in "${cases[@]}"; do
  read -r tool want_postinst want_posttrans want_apt warns <<< "$case"
  fake_tool "$tool"
  rc=0; sh "$work/postinst" configure 3.1.0-1 > "$work/out" 2>&1 || rc=$?
  expect "postinst, tool $tool" "$want_postinst" "$rc"
  rc=0; sh "$work/posttrans" > /dev/null 2>&1 || rc=$?
  expect "posttrans, tool $tool" "$want_posttrans" "$rc"
  # From a file, not a pipe: a writer racing the hook's exit would die of SIGPIPE, which pipefail turns into a
  # spurious failure.
  rc=0; sh "$work/apt-hook" < "$work/hook-input" > "$work/apt.out" 2>&1 || rc=$?
  expect "apt hook, tool $tool" "$want_apt" "$rc"
  if [ "$warns" = yes ]; then expect "apt hook warns, tool $tool" 1 "$(grep -c 'kata-preflight: warning' "$work/apt.out" || true)"; fi
  if [ "$tool" = missing ]; then expect "apt hook silent without kata-preflight" "" "$(cat "$work/apt.out")"; fi
done

# What the scripts run.
fake_tool 0
sh "$work/postinst" configure 3.1.0-1 > /dev/null 2>&1; expect "postinst runs" "hook check" "$(cat "$work/args")"
sh "$work/posttrans" > /dev/null 2>&1; expect "posttrans runs" "hook check" "$(cat "$work/args")"
sh "$work/apt-hook" < "$work/hook-input" > /dev/null 2>&1; expect "apt hook runs" "hook apt" "$(cat "$work/args")"
# A first install (no old version) is not an upgrade: no check.
fake_tool 1; rm -f "$work/args"
rc=0; sh "$work/postinst" configure "" > /dev/null 2>&1 || rc=$?
expect "postinst, first install" 0 "$rc"
expect "postinst, first install runs nothing" no "$([ -e "$work/args" ] && echo yes || echo no)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
