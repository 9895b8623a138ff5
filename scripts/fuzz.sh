#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan, in build-fuzz) and runs
# them, each from its seed corpus in fuzz/corpus/<target>.
#
#   scripts/fuzz.sh [--seconds N] [--runs N] [--jobs N] [--parallel N] [TARGET...]
#
# Defaults: every target, 60 seconds each, no cap on inputs, one process.
# --jobs N: N processes for each target (libFuzzer's -fork); --parallel N:
# N targets at once, one process each (CI: one per core).
# The corpus a run grows is kept in build-fuzz/corpus/<target> for the next
# run; a crash stops the run with exit 1 and leaves its input in
# build-fuzz/crashes/<target>/ (replay it: build-fuzz/fuzz/<target> FILE).
# CI runs a bounded pass (scripts/run-tests.sh). A long run, on every core:
#   scripts/fuzz.sh --seconds 3600 --jobs "$(nproc)" dns_query
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60 runs=-1 jobs=1 parallel=1 targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
scripts/install-deps.sh test >&2
dir=$(scripts/build.sh fuzz)
if [ ${#targets[@]} -eq 0 ]; then
  for t in fuzz/corpus/*/; do targets+=("$(basename "$t")"); done
fi
run_target() {
  local name=$1 target=$dir/fuzz/$1 corpus=$dir/corpus/$1 crashes=$dir/crashes/$1 extra=()
  mkdir -p "$corpus" "$crashes"
  cp -n fuzz/corpus/"$name"/* "$corpus"/
  [ "$jobs" -gt 1 ] && extra+=(-fork="$jobs" -ignore_crashes=0)
  echo "-- $name: ${seconds}s$([ "$runs" -ge 0 ] && echo ", at most $runs inputs"), corpus $corpus"
  if ! LSAN_OPTIONS=suppressions=$PWD/fuzz/lsan.supp "$target" -max_total_time="$seconds" -runs="$runs" -max_len=4096 -artifact_prefix="$crashes/" \
    "${extra[@]}" "$corpus" > "$dir/fuzz-$name.log" 2>&1; then
    tail -n 40 "$dir/fuzz-$name.log" >&2
    echo "fuzz.sh: $name failed; the input is in $crashes, the log in $dir/fuzz-$name.log" >&2
    return 1
  fi
  echo "-- $name: $(tail -n 1 "$dir/fuzz-$name.log")"
}
for name in "${targets[@]}"; do
  [ -x "$dir/fuzz/$name" ] || { echo "fuzz.sh: no target '$name' (see fuzz/CMakeLists.txt)" >&2; exit 2; }
done
failed=0
for name in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || failed=1; done
  run_target "$name" &
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || failed=1; done
wait || failed=1
exit "$failed"
