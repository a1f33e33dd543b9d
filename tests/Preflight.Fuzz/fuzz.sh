#!/usr/bin/env bash
# Fuzzes one reader with AFL++ through SharpFuzz:
#   fuzz.sh TARGET SECONDS [FINDINGS_DIR]
# TARGET is one of FuzzTargets.Names (layouts ext4 xfs erofs initrd elf protocol toml package apt cli). Installs what
# it needs (afl++ with apt-get when root, the sharpfuzz tool with `dotnet tool restore` from .config/), publishes
# Preflight.Fuzz, instruments our own assemblies (Preflight.*.dll and kata-preflight.dll, not the fuzz driver, not
# third-party libraries), runs afl-fuzz for SECONDS from the committed seed corpus, prints the counts from
# fuzzer_stats, and exits 1 when AFL saved a crash or a hang (replay one with
# `dotnet PUBLISH_DIR/Preflight.Fuzz.dll TARGET FILE`). FINDINGS_DIR defaults to a new temporary directory.
# FUZZ_PUBLISH_DIR (default tests/Preflight.Fuzz/bin/afl) is where the instrumented copy goes; with
# FUZZ_REUSE_PUBLISH=1 an instrumented copy already there is used as it is (the tests' AFL smoke runs several targets).
set -euo pipefail
target="${1:?usage: fuzz.sh TARGET SECONDS [FINDINGS_DIR]}"
seconds="${2:?usage: fuzz.sh TARGET SECONDS [FINDINGS_DIR]}"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
findings="${3:-$(mktemp -d "${TMPDIR:-/tmp}/kata-preflight-fuzz-$target-XXXXXX")}"
mkdir -p "$findings"
corpus="$here/corpus/$target"
[ -d "$corpus" ] || { echo "fuzz.sh: no seed corpus $corpus (targets: $(ls "$here/corpus" | tr '\n' ' '))" >&2; exit 2; }

if ! command -v afl-fuzz >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y -q afl++ >/dev/null
  else
    echo "fuzz.sh: afl-fuzz not found; install the Debian package afl++" >&2
    exit 2
  fi
fi
(cd "$repo" && dotnet tool restore >/dev/null)

# One published, instrumented copy, rebuilt on each run (unless reused) so it matches the sources.
publish="${FUZZ_PUBLISH_DIR:-$repo/tests/Preflight.Fuzz/bin/afl}"
if [ "${FUZZ_REUSE_PUBLISH:-0}" != 1 ] || [ ! -f "$publish/.instrumented" ]; then
  rm -rf "$publish" "$publish.build"
  # Its own bin/obj tree (--artifacts-path): a publish running beside a build or test run of the checkout, or
  # beside another fuzz.sh, shares no intermediate files with it.
  dotnet publish "$here/Preflight.Fuzz.csproj" -c Release -o "$publish" --artifacts-path "$publish.build" >/dev/null
  for dll in "$publish"/Preflight.*.dll "$publish"/kata-preflight.dll; do
    case "$(basename "$dll")" in
      Preflight.Fuzz.dll) continue ;; # the driver: its own branches are not what we look for
    esac
    (cd "$repo" && dotnet sharpfuzz "$dll" >/dev/null)
  done
  touch "$publish/.instrumented"
fi

# AFL++ in a container or on a shared machine: no CPU governor to check, no core_pattern to change, no curses UI.
# dotnet itself is not instrumented (SharpFuzz reports coverage from the managed code), hence SKIP_BIN_CHECK.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_SKIP_BIN_CHECK=1
export AFL_NO_AFFINITY=1 AFL_AUTORESUME=1
# A seed takes milliseconds; the .NET start-up and the first JIT of each path take longer, hence -t 10000.
# -m none: the CLR reserves far more address space than it uses. -d: skip the deterministic stages, which on
# inputs of 100 KiB would take the whole run.
set +e
afl-fuzz -V "$seconds" -d -t 10000 -m none -i "$corpus" -o "$findings" -- dotnet "$publish/Preflight.Fuzz.dll" "$target" \
  > "$findings/afl.log" 2>&1
status=$?
set -e
stats="$findings/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
  echo "fuzz.sh: afl-fuzz exited $status without statistics; its log:" >&2
  tail -40 "$findings/afl.log" >&2
  exit 2
fi
value() { awk -v key="$1" '$1 == key { print $3 }' "$stats"; }
crashes="$(value saved_crashes)"
hangs="$(value saved_hangs)"
printf '%s: %s execs in %s s, corpus %s, crashes %s, hangs %s (findings in %s)\n' "$target" "$(value execs_done)" \
  "$(value run_time)" "$(value corpus_count)" "${crashes:-?}" "${hangs:-?}" "$findings"
if [ "${crashes:-0}" != 0 ] || [ "${hangs:-0}" != 0 ]; then
  ls "$findings/default/crashes" "$findings/default/hangs" 2>/dev/null
  exit 1
fi
