#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test:
#   1. gcc, warnings as errors: unit and integration tests (ctest)
#   2. the same tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   3. clang + libFuzzer: each fuzz target for a bounded time (scripts/fuzz.sh)
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

echo "== libFuzzer runs (bounded: each target for 45 s or 500,000 inputs)"
for corpus in fuzz/corpus/*/; do
  scripts/fuzz.sh --seconds "${GTM_FUZZ_SECONDS:-45}" --runs "${GTM_FUZZ_RUNS:-500000}" "$(basename "$corpus")"
  passed=$((passed + 1))
done
echo "summary: $passed passed, 0 failed"
