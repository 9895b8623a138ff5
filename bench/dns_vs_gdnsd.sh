#!/usr/bin/env bash
# Throughput and CPU cost of gtm against gdnsd, serving the same names from
# the same zone, in the same run. The servers run in a network namespace of
# their own and dnsperf in another, joined by a veth pair (as a NIC would
# join them; root only). Each server is pinned to CPU 0 and loaded by dnsperf
# pinned to CPU 1, one server at a time, in turn: gtm with kernel sockets,
# gtm in AF_XDP mode ([dns] xdp_interface on the veth), gdnsd.
#
# Prints per server and round: queries per second, lost queries, server
# CPU-seconds (the busy time of the server's core, kernel packet work
# included) per 100,000 answers, answers per server CPU-second and dnsperf's
# mean latency; then the ratios to gdnsd of answers per CPU-second (target:
# at least 1.2). Response rate limiting is off for gtm: gdnsd has none, and
# one client at 200,000 queries a second is what it is there to stop.
#
# Usage: bench/dns_vs_gdnsd.sh [seconds per run, default 10] [rounds, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
rounds=${2:-2}

. bench/common.sh
bench_setup bench
gtm=$dir/gtm

[ "$(id -u)" -eq 0 ] || { echo "dns_vs_gdnsd: needs root (network namespaces, XDP)" >&2; exit 1; }
gtm_port=25353
gdnsd_port=25354
server_ip=198.18.40.1
client_ip=198.18.40.2

# --- two namespaces and a veth pair -------------------------------------------
srv=gtmbench-srv-$$
cli=gtmbench-cli-$$
for ns in "$srv" "$cli"; do
  ip netns add "$ns"
  namespaces+=("$ns")
  ip -n "$ns" link set lo up
done
# One queue each way: one server core, one receive queue (as a NIC set to one
# channel per core); with more queues than threads gtm's AF_XDP mode would
# leave the other queues to the kernel's sockets.
ip link add gtmbs numtxqueues 1 numrxqueues 1 netns "$srv" type veth \
  peer name gtmbc numtxqueues 1 numrxqueues 1 netns "$cli"
ip -n "$srv" addr add "$server_ip/24" dev gtmbs
ip -n "$cli" addr add "$client_ip/24" dev gtmbc
ip -n "$srv" link set gtmbs up
ip -n "$cli" link set gtmbc up

# --- the same zone for both servers -----------------------------------------
gtm_dns() {
  cat <<TOML
[dns]
listen = ["$server_ip:$gtm_port"]
threads = 1
$1
[dns.rrl]
enabled = false
TOML
}
gtm_dns "" > "$work/gtm-sockets.toml"
gtm_dns 'xdp_interface = "gtmbs"' > "$work/gtm-xdp.toml"
cat > "$work/zone.toml" <<TOML

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
for mode in sockets xdp; do cat "$work/zone.toml" >> "$work/gtm-$mode.toml"; done

mkdir -p "$work/gdnsd/zones" "$work/gdnsd/run" "$work/gdnsd/state"
cat > "$work/gdnsd/config" <<CONF
options => {
  listen => [ $server_ip:$gdnsd_port ]
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

# (Processes started in the background call ip netns exec directly: it
# becomes them, so $! is their PID.)
in_cli() { ip netns exec "$cli" "$@"; }
ask() { in_cli dig @"$server_ip" -p "$1" +time=1 +tries=1 +short "${@:2}" 2>/dev/null; }

wait_ready() {
  for _ in $(seq 100); do
    ask "$1" aovpn.vpn.example.com A | grep -q . && return 0
    sleep 0.1
  done
  echo "server on port $1 did not start" >&2
  return 1
}

# run_one NAME PORT: one dnsperf run; prints a result row.
run_one() {
  local name=$1 port=$2 before after out
  before=$(cpu0_busy)
  out=$(in_cli taskset -c 1 dnsperf -s "$server_ip" -p "$port" -d "$work/queries.txt" -l "$duration" -c 4 -q 256 -t 2 2>&1)
  after=$(cpu0_busy)
  local completed lost qps latency
  completed=$(sed -n 's/^ *Queries completed: *\([0-9]*\).*/\1/p' <<<"$out")
  lost=$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' <<<"$out")
  qps=$(sed -n 's/^ *Queries per second: *\([0-9.]*\).*/\1/p' <<<"$out")
  latency=$(sed -n 's/^ *Average Latency (s): *\([0-9.]*\).*/\1/p' <<<"$out")
  awk -v n="$name" -v c="$completed" -v l="$lost" -v q="$qps" -v t=$((after - before)) -v hz="$hz" -v lat="$latency" \
    'BEGIN { cpu = t / hz; printf "%-10s %10.0f %8d %8.2f %11.3f %14.0f %8.0f\n", n, q, l, cpu, cpu / c * 100000, c / cpu, lat * 1e6 }'
}

# start_gtm sockets|xdp
start_gtm() {
  ip netns exec "$srv" taskset -c 0 "$gtm" serve --config "$work/gtm-$1.toml" 2>>"$work/gtm-$1.log" &
  gtm_pid=$!
  pids+=("$gtm_pid")
  wait_ready "$gtm_port"
}
start_gdnsd() {
  ip netns exec "$srv" taskset -c 0 gdnsd -c "$work/gdnsd" start 2>>"$work/gdnsd.log" &
  gdnsd_pid=$!
  pids+=("$gdnsd_pid")
  wait_ready "$gdnsd_port"
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

# All three answer the same way before we measure.
# (www differs on purpose: gdnsd does not follow an in-zone CNAME, gtm does.)
start_gdnsd
for mode in sockets xdp; do
  start_gtm "$mode"
  for q in "aovpn.vpn.example.com A" "aovpn.vpn.example.com AAAA" "vpn.example.com TXT"; do
    # shellcheck disable=SC2086 # $q is a name and a type
    a=$(ask "$gtm_port" $q)
    # shellcheck disable=SC2086
    b=$(ask "$gdnsd_port" $q)
    [ "$a" = "$b" ] || { echo "answers differ for '$q': gtm ($mode) '$a', gdnsd '$b'" >&2; exit 1; }
  done
  stop "$gtm_pid"
done
stop "$gdnsd_pid"

echo "dnsperf: $duration s per run, 4 sockets, 256 outstanding; server on CPU 0, dnsperf on CPU 1, over a veth pair"
printf '%-10s %10s %8s %8s %11s %14s %8s\n' server "queries/s" lost "cpu-s" "cpu-s/100k" "answers/cpu-s" "lat-us"
results="$work/results"
# One server alive at a time, in turn, so none sees another's load.
for _ in $(seq "$rounds"); do
  for mode in sockets xdp; do
    start_gtm "$mode"
    run_one "gtm-$mode" "$gtm_port" | tee -a "$results"
    stop "$gtm_pid"
  done
  start_gdnsd
  run_one gdnsd "$gdnsd_port" | tee -a "$results"
  stop "$gdnsd_pid"
done
awk '{ sum[$1] += $6; n[$1]++; lost[$1] += $3 }
  END { d = sum["gdnsd"] / n["gdnsd"]
        printf "\nmean answers per CPU-second: gdnsd %.0f (lost %d)\n", d, lost["gdnsd"]
        for (m = 1; m <= 2; m++) {
          s = (m == 1 ? "gtm-sockets" : "gtm-xdp"); g = sum[s] / n[s]; r = g / d
          printf "%-11s %.0f (lost %d): ratio to gdnsd %.2f (target >= 1.2): %s\n", s, g, lost[s], r,
                 (r >= 1.2 && lost[s] == 0 ? "met" : "NOT met")
        } }' "$results"
