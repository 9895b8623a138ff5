# shellcheck shell=bash
# Sourced by every benchmark: installs what the groups need, builds gtm
# (release), makes a scratch folder, and on exit stops every process listed
# in `pids`, deletes every network namespace listed in `namespaces` and the
# scratch folder, whatever happened.
#   bench_setup GROUP...   sets $dir (the build), $work, and the arrays
# With keep_logs=NAME set, the *.log files of $work are copied to $dir/NAME.
bench_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ns in "${namespaces[@]}"; do ip netns delete "$ns" 2>/dev/null || true; done
  # The logs of the last run stay in the build folder, for a look afterwards.
  if [ -n "${keep_logs:-}" ]; then
    local keep
    keep=$(realpath "$dir")/$keep_logs
    rm -rf "$keep" && mkdir -p "$keep"
    (cd "$work" && find . -name '*.log' -exec cp --parents {} "$keep/" \;) 2>/dev/null || true
  fi
  rm -rf "$work"
}

bench_setup() {
  scripts/install-deps.sh "$@"
  dir=$(scripts/build.sh release)
  work=$(mktemp -d /tmp/gtm-bench.XXXXXX)
  chmod 755 "$work"  # gtm serve started as root reads its config here as nobody
  pids=()
  namespaces=()
  trap bench_cleanup EXIT
}
