#!/usr/bin/env bash
# shellcheck disable=SC2154  # $dir and $work come from bench/common.sh
# What Traffic View costs the query path: gtm with and without it
# ([status] traffic_view), otherwise the same config, serving the same
# names at the same fixed offered load (dnsperf -Q, default 100,000 q/s)
# over a veth pair between two network namespaces, server pinned to CPU 0,
# dnsperf to CPU 1 (bench/dns_bench.sh). Each query carries an ECS option
# (198.51.100.0/24), so every answer is counted against a client network.
# Reported per run: answers/s, lost, whole-machine and CPU-0 microseconds
# per answer, mean latency; the runs alternate (off, on, off, on, ...) so
# that drift on a shared machine falls on both; then the medians and the
# difference. The target: within 3 % of the CPU per answer without it.
#
# Usage: bench/traffic_view.sh [seconds per run, default 10] [offered q/s, default 100000] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
rate=${2:-100000}
rounds=${3:-3}

. bench/common.sh
bench_setup bench
gtm=$dir/gtm
[ "$(id -u)" -eq 0 ] || { echo "traffic_view: needs root (network namespaces)" >&2; exit 1; }
gtm_port=25353
. bench/dns_bench.sh

for mode in on off; do
  enabled=true
  [ "$mode" = off ] && enabled=false
  cat > "$work/gtm-$mode.toml" <<TOML
[dns]
listen = ["$server_ip:$gtm_port"]
threads = 1
[dns.rrl]
enabled = false
[status]
listen = "127.0.0.1:$((gtm_port + 1))"
traffic_view = $enabled
TOML
  bench_zone_toml "" >> "$work/gtm-$mode.toml"
done
{
  for _ in $(seq 5); do echo "aovpn.vpn.example.com A"; done
  echo "aovpn.vpn.example.com AAAA"
} > "$work/queries.txt"

ecs="8:00011800c63364"  # ECS: IPv4, source /24, 198.51.100.0
echo "Traffic View's cost: dnsperf -Q $rate for $duration s (window $((duration - 3)) s) with ECS, server on CPU 0"
printf '%-12s %9s %7s %12s %12s %8s\n' server answers/s lost "us/ans(all)" "us/ans(cpu0)" "lat(us)"
results=()
for round in $(seq "$rounds"); do
  for mode in off on; do
    ip netns exec "$srv" taskset -c 0 "$gtm" serve --config "$work/gtm-$mode.toml" 2>>"$work/gtm-$mode.log" &
    server_pid=$!
    pids+=("$server_pid")
    wait_ready "$gtm_port"
    line=$(fixed_load "gtm-tv-$mode" "$gtm_port" -E "$ecs")
    echo "$line"
    results+=("$mode $line")
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  done
  : "$round"
done
# Medians of the whole-machine and CPU-0 cost per answer, per mode.
printf '%s\n' "${results[@]}" | awk '
  { all[$1] = all[$1] " " $5; core[$1] = core[$1] " " $6 }  # mode, name, answers/s, lost, all, cpu0, latency
  function median(list,   a, k, i, j, t) {
    k = split(list, a, " ")
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
  }
  END {
    off_all = median(all["off"]); on_all = median(all["on"]); off_c = median(core["off"]); on_c = median(core["on"])
    printf "median us/answer, whole machine: off %.2f, on %.2f (%+.1f %%); CPU 0: off %.2f, on %.2f (%+.1f %%)\n",
           off_all, on_all, (on_all / off_all - 1) * 100, off_c, on_c, (on_c / off_c - 1) * 100
  }'
