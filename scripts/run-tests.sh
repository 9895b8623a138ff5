#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test:
#   1. gcc, warnings as errors: unit and integration tests (ctest)
#   2. the same tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   3. clang + libFuzzer: each fuzz target for a bounded number of inputs
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test

jobs=$(nproc)
passed=0
# Runs ctest in a build folder and adds its test count to $passed.
run_ctest() {
  local log
  log=$(mktemp)
  ctest --test-dir "$1" --output-on-failure -j "$jobs" | tee "$log"
  passed=$((passed + $(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$log")))
  rm -f "$log"
}

echo "== gcc build and tests"
run_ctest "$(scripts/build.sh release)"

echo "== ASan + UBSan build and tests"
dir=$(scripts/build.sh asan)
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 run_ctest "$dir"

echo "== libFuzzer runs (bounded)"
dir=$(scripts/build.sh fuzz)
runs=${GTM_FUZZ_RUNS:-500000}
for target in "$dir"/fuzz/*; do
  [ -x "$target" ] && [ -f "$target" ] || continue
  name=$(basename "$target")
  work=$(mktemp -d)
  cp fuzz/corpus/"$name"/* "$work"/
  echo "-- $name: $runs inputs"
  "$target" -runs="$runs" -max_len=4096 -max_total_time=300 -artifact_prefix="$work/" "$work" 2>&1 | tail -n 2
  rm -rf "$work"
  passed=$((passed + 1))
done
echo "summary: $passed passed, 0 failed"
