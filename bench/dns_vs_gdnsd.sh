#!/usr/bin/env bash
# Throughput and CPU cost of gtm against gdnsd, serving the same names from
# the same zone, in the same run. Each server is pinned to CPU 0 and loaded by
# dnsperf pinned to CPU 1, one server at a time, over loopback.
#
# Prints per server and round: queries per second, lost queries, server
# CPU-seconds (the busy time of the server's core, kernel packet work
# included) per 100,000 answers and answers per server CPU-second; then the
# ratio gtm/gdnsd of answers per CPU-second (target: at least 1.2).
#
# Usage: bench/dns_vs_gdnsd.sh [seconds per run, default 10] [rounds, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
rounds=${2:-2}

. bench/common.sh
bench_setup bench
gtm=$dir/gtm

gtm_port=25353
gdnsd_port=25354

# --- the same zone for both servers -----------------------------------------
cat > "$work/gtm.toml" <<TOML
[dns]
listen = ["127.0.0.1:$gtm_port"]
threads = 1

[[zone]]
origin = "vpn.example.com."
ttl = 3600
ns = ["ns1.vpn.example.com.", "ns2.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com.", serial = 1, refresh = 3600, retry = 600, expire = 1209600, minimum = 30 }
records = [
  { name = "ns1", type = "A", data = "127.0.0.53" },
  { name = "ns2", type = "A", data = "127.0.1.53" },
  { name = "@", type = "TXT", data = "v=spf1 -all" },
  { name = "www", type = "CNAME", data = "aovpn" },
]

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
ttl = 30
  [[profile.endpoint]]
  name = "east"
  target = ["127.0.10.10", "::1"]
  priority = 1
  [[profile.endpoint]]
  name = "west"
  target = ["127.0.20.10", "::2"]
  priority = 2
TOML

mkdir -p "$work/gdnsd/zones" "$work/gdnsd/run" "$work/gdnsd/state"
cat > "$work/gdnsd/config" <<CONF
options => {
  listen => [ 127.0.0.1:$gdnsd_port ]
  udp_threads => 1
  tcp_threads => 1
  run_dir => $work/gdnsd/run
  state_dir => $work/gdnsd/state
}
plugins => {
  simplefo => {
    aovpn => {
      addrs_v4 => { primary => 127.0.10.10, secondary => 127.0.20.10 }
      addrs_v6 => { primary => ::1, secondary => ::2 }
    }
  }
}
CONF
cat > "$work/gdnsd/zones/vpn.example.com" <<'ZONE'
$TTL 3600
@     SOA ns1 hostmaster.example.com. ( 1 3600 600 1209600 30 )
@     NS  ns1
@     NS  ns2
ns1   A   127.0.0.53
ns2   A   127.0.1.53
@     TXT "v=spf1 -all"
www   CNAME aovpn
aovpn 30/30 DYNA simplefo!aovpn
ZONE

# The query mix: mostly the profile name, as a VPN name server sees it.
{
  for _ in $(seq 5); do echo "aovpn.vpn.example.com A"; done
  echo "aovpn.vpn.example.com AAAA"
  echo "AoVpN.Vpn.Example.Com A"
  echo "www.vpn.example.com A"
  echo "vpn.example.com TXT"
  echo "nothing.vpn.example.com A"
} > "$work/queries.txt"

# --- helpers ------------------------------------------------------------------
# Busy time of CPU 0, where the server runs alone, in clock ticks: user,
# system, and the interrupt and softirq time the kernel spends there on the
# server's packets (which the process's own CPU time leaves out).
hz=$(getconf CLK_TCK)
cpu0_busy() { awk '$1 == "cpu0" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

wait_ready() {
  for _ in $(seq 100); do
    dig @127.0.0.1 -p "$1" +time=1 +tries=1 +short aovpn.vpn.example.com A 2>/dev/null | grep -q . && return 0
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2
  return 1
}

# run_one NAME PORT: one dnsperf run; prints a result row.
run_one() {
  local name=$1 port=$2 before after out
  before=$(cpu0_busy)
  out=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -l "$duration" -c 4 -q 256 -t 2 2>&1)
  after=$(cpu0_busy)
  local completed lost qps
  completed=$(sed -n 's/^ *Queries completed: *\([0-9]*\).*/\1/p' <<<"$out")
  lost=$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' <<<"$out")
  qps=$(sed -n 's/^ *Queries per second: *\([0-9.]*\).*/\1/p' <<<"$out")
  awk -v n="$name" -v c="$completed" -v l="$lost" -v q="$qps" -v t=$((after - before)) -v hz="$hz" \
    'BEGIN { cpu = t / hz; printf "%-6s %12.0f %10d %10.2f %12.3f %14.0f\n", n, q, l, cpu, cpu / c * 100000, c / cpu }'
}

start_gtm() {
  taskset -c 0 "$gtm" serve --config "$work/gtm.toml" 2>>"$work/gtm.log" &
  gtm_pid=$!
  pids+=("$gtm_pid")
  wait_ready "$gtm_port"
}
start_gdnsd() {
  taskset -c 0 gdnsd -c "$work/gdnsd" start 2>>"$work/gdnsd.log" &
  gdnsd_pid=$!
  pids+=("$gdnsd_pid")
  wait_ready "$gdnsd_port"
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

# Both answer the same way before we measure.
start_gtm
start_gdnsd
# (www differs on purpose: gdnsd does not follow an in-zone CNAME, gtm does.)
for q in "aovpn.vpn.example.com A" "aovpn.vpn.example.com AAAA" "vpn.example.com TXT"; do
  a=$(dig @127.0.0.1 -p "$gtm_port" +short $q)
  b=$(dig @127.0.0.1 -p "$gdnsd_port" +short $q)
  [ "$a" = "$b" ] || { echo "answers differ for '$q': gtm '$a', gdnsd '$b'" >&2; exit 1; }
done

echo "dnsperf: $duration s per run, 4 sockets, 256 outstanding; server on CPU 0, dnsperf on CPU 1"
printf '%-6s %12s %10s %10s %12s %14s\n' server "queries/s" lost "cpu-s" "cpu-s/100k" "answers/cpu-s"
results="$work/results"
stop "$gtm_pid"
stop "$gdnsd_pid"
# One server alive at a time, alternating, so neither sees the other's load.
for round in $(seq "$rounds"); do
  start_gtm
  run_one gtm "$gtm_port" | tee -a "$results"
  stop "$gtm_pid"
  start_gdnsd
  run_one gdnsd "$gdnsd_port" | tee -a "$results"
  stop "$gdnsd_pid"
done
awk '$1 == "gtm" { g += $6; ng++ } $1 == "gdnsd" { d += $6; nd++ } $1 == "gtm" || $1 == "gdnsd" { lost += $3 }
  END { r = (g / ng) / (d / nd);
        printf "\nmean answers per CPU-second: gtm %.0f, gdnsd %.0f; ratio %.2f (target >= 1.2): %s\n",
               g / ng, d / nd, r, (r >= 1.2 ? "met" : "NOT met");
        printf "lost queries in all runs: %d\n", lost }' "$results"
