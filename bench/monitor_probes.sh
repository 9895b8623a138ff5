#!/usr/bin/env bash
# How many endpoints gtm's monitor engine probes per second on one core, and
# what CPU that costs gtm alone. gtm serve runs pinned to CPU 0 with N
# endpoints under one monitor (interval 1 s); the far ends run on CPU 1:
# probe_sink answers IKE_SA_INIT and accepts TCP, sstp_test_server (ECDSA
# certificate) answers SSTP as RRAS does. Each line prints the probes per
# second the far end saw, next to the target, and gtm's CPU in cores.
#
# Usage: bench/monitor_probes.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}

. bench/common.sh
bench_setup bench
gtm=$dir/gtm

sink_port=25410
sstp_port=25443
dns_port=25400

# write_config FILE ENDPOINTS MONITOR-TOML
write_config() {
  local file=$1 n=$2 monitor=$3 per=100
  {
    cat <<TOML
[dns]
listen = ["127.0.0.1:$dns_port"]
threads = 1

[[zone]]
origin = "bench.test."
ns = ["ns1.bench.test."]
soa = { mname = "ns1.bench.test.", rname = "hostmaster.bench.test." }
records = [ { name = "ns1", type = "A", data = "127.0.0.53" } ]

$monitor
TOML
    for ((p = 0; p < n / per; p++)); do
      printf '\n[[profile]]\nname = "p%d"\nfqdn = "p%d.bench.test."\nmonitors = ["m"]\n' "$p" "$p"
      for ((e = 0; e < per; e++)); do
        printf '  [[profile.endpoint]]\n  name = "e%d"\n  target = "127.0.0.2"\n' "$e"
      done
    done
  } > "$file"
}

cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%d", s }'; }
last_count() { tail -n 1 "$1" | sed -n "s/.*$2=\([0-9]*\).*/\1/p"; }

# measure NAME TARGET-RATE ENDPOINTS MONITOR-TOML SINK-LOG COUNTER
measure() {
  local name=$1 target=$2 n=$3 monitor=$4 log=$5 counter=$6
  write_config "$work/$name.toml" "$n" "$monitor"
  "$gtm" check --config "$work/$name.toml" >/dev/null
  taskset -c 0 "$gtm" serve --config "$work/$name.toml" 2>"$work/$name.gtm.log" &
  local gpid=$!
  pids+=("$gpid")
  sleep 3  # the first round is spread over one interval; let it settle
  local c0 t0 c1 t1
  c0=$(last_count "$log" "$counter"); t0=$(cpu_ns "$gpid")
  sleep "$duration"
  c1=$(last_count "$log" "$counter"); t1=$(cpu_ns "$gpid")
  kill "$gpid"; wait "$gpid" 2>/dev/null || true
  local degraded
  degraded=$(grep -c 'to=Degraded' "$work/$name.gtm.log" || true)
  awk -v n="$name" -v e="$n" -v tr="$target" -v c=$((c1 - c0)) -v t=$((t1 - t0)) -v d="$duration" -v deg="$degraded" \
    'BEGIN { printf "%-22s %9d %12.0f %10d %10.2f %10d\n", n, e, c / d, tr, t / 1e9 / d, deg }'
}

taskset -c 1 "$dir/probe_sink" --listen "127.0.0.2:$sink_port" > "$work/sink.log" &
pids+=($!)
taskset -c 1 "$dir/sstp_test_server" --listen "127.0.0.2:$sstp_port" > "$work/sstp.log" &
pids+=($!)
sleep 1

echo "gtm serve on CPU 0, far ends on CPU 1; interval 1 s, timeout 0.5 s; $duration s per run"
printf '%-22s %9s %12s %10s %10s %10s\n' monitor endpoints "probes/s" target "gtm cores" "degraded"
measure ikev2 5000 5000 "[[monitor]]
name = \"m\"
protocol = \"ikev2\"
port = $sink_port
interval = 1.0
timeout = 0.5" "$work/sink.log" udp
measure tcp 5000 5000 "[[monitor]]
name = \"m\"
protocol = \"tcp\"
port = $sink_port
interval = 1.0
timeout = 0.5" "$work/sink.log" tcp
measure sstp-status 500 500 "[[monitor]]
name = \"m\"
protocol = \"sstp\"
port = $sstp_port
interval = 1.0
timeout = 0.5" "$work/sstp.log" requests
echo "(degraded: endpoints that failed a probe during the run; 0 means every probe succeeded)"
