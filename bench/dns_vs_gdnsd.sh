#!/usr/bin/env bash
# shellcheck disable=SC2154  # $dir and $work come from bench/common.sh
# gtm against the strongest authoritative servers here, serving the same
# names from the same zone, in the same run: gdnsd, Knot DNS with its
# sockets and in its XDP mode, NSD. The servers run in a network namespace
# of their own and the load generators in another, joined by a veth pair
# (as a NIC would join them; root only); each server is pinned to CPU 0,
# the load generator to CPU 1, one server at a time.
#
# 1. A fixed offered load that every server sustains (dnsperf -Q, default
#    100,000 queries a second): over a steady window (the first 2 s and the
#    last 1 s left out), the CPU it costs per answer counting the whole
#    machine (/proc/stat: every core's busy time, idle, iowait and steal
#    excluded; on a veth the kernel charges much of the server's receive
#    work to the sender's core) beside the server core's alone, the queries
#    lost and dnsperf's mean latency. gtm runs three ways: sockets, AF_XDP,
#    and sockets with udp_batch_wait_us = 0 (what the batch wait costs in
#    latency and saves in CPU).
# 2. Saturation: kxdpgun (Knot's AF_XDP load generator, which can saturate
#    one server core where dnsperf saturates its own first) sends as fast as
#    it can; the answers per second each server returns.
# 3. Geographic routing: gtm's geographic profile against gdnsd's geoip
#    plugin serving the same map from the same MaxMind DB file (written by
#    tests/support/make_geoip_db.pl), at the same fixed load, every query
#    for the geographic name with an ECS option (a /24 in Bavaria: the
#    deepest match, subdivision level); both checked to give the same
#    answers for clients on every level first.
# 4. Performance routing: gtm's routing = "performance" against gdnsd's
#    geoip plugin with auto_dc_coords (the same database and coordinates):
#    the answers for every network of the database compared (differences
#    listed), then the same fixed load of ECS queries.
# Response rate limiting is off for gtm: the others have none (Knot's is off
# by default), and one client at this rate is what it is there to stop.
#
# Usage: bench/dns_vs_gdnsd.sh [seconds per run, default 10] [offered q/s, default 100000]
#                              [parts: all (default), or a list of fixed, saturation, geo, performance]
#                              [rounds of part 4's fixed load, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
rate=${2:-100000}
parts=${3:-all}
rounds=${4:-3}
part() { [ "$parts" = all ] || [[ ",$parts," == *",$1,"* ]]; }

# shellcheck disable=SC2034  # read by bench/common.sh on exit
keep_logs=dns-bench-logs  # kept in the build folder
. bench/common.sh
bench_setup bench
gtm=$dir/gtm

[ "$(id -u)" -eq 0 ] || { echo "dns_vs_gdnsd: needs root (network namespaces, XDP)" >&2; exit 1; }
gtm_port=25353
gdnsd_port=25354
knot_port=25355
nsd_port=25357
. bench/dns_bench.sh

# --- the same zone for every server -------------------------------------------
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
gtm_dns 'udp_batch_wait_us = 0' > "$work/gtm-nowait.toml"
bench_zone_toml "" > "$work/zone.toml"
for mode in sockets xdp nowait; do cat "$work/zone.toml" >> "$work/gtm-$mode.toml"; done

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

# Knot and NSD serve the profile's current answer as static records.
static_zone() {
  sed -e '/DYNA/d' "$work/gdnsd/zones/vpn.example.com"
  printf 'aovpn 30 A 127.0.10.10\naovpn 30 AAAA ::1\n'
}
mkdir -p "$work/knot" "$work/nsd"
static_zone > "$work/knot/vpn.example.com.zone"
static_zone > "$work/nsd/vpn.example.com.zone"
knot_conf "" > "$work/knot/sockets.conf"
knot_conf "xdp:
    listen: gtmbs@$knot_port
    udp: on" > "$work/knot/xdp.conf"
cat > "$work/nsd/nsd.conf" <<CONF
server:
    ip-address: $server_ip@$nsd_port
    server-count: 1
    zonesdir: "$work/nsd"
    database: ""
    pidfile: "$work/nsd/nsd.pid"
    xfrdfile: "$work/nsd/xfrd.state"
    zonelistfile: "$work/nsd/zone.list"
    username: ""
    chroot: ""
    verbosity: 1
    rrl-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: vpn.example.com
    zonefile: vpn.example.com.zone
CONF

# The query mix: mostly the profile name, as a VPN name server sees it.
{
  for _ in $(seq 5); do echo "aovpn.vpn.example.com A"; done
  echo "aovpn.vpn.example.com AAAA"
  echo "AoVpN.Vpn.Example.Com A"
  echo "www.vpn.example.com A"
  echo "vpn.example.com TXT"
  echo "nothing.vpn.example.com A"
} > "$work/queries.txt"

# --- helpers (and fixed_load: bench/dns_bench.sh) -----------------------------
# saturate NAME PORT: kxdpgun as fast as it can for $duration s; answers/s.
saturate() {
  local name=$1 port=$2 out
  out=$(in_cli kxdpgun -t "$duration" -Q 5000000 -F 1 -I gtmbc -p "$port" -i "$work/queries.kx" "$server_ip" 2>&1 || true)
  echo "$out" > "$work/kxdpgun-$name.log"
  awk -v n="$name" -v d="$duration" '/total replies/ || /responses/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { r = $i; break } }
    END { if (r == "") print n, "no result (see kxdpgun log)"; else printf "%-12s %12.0f\n", n, r / d }' <<<"$out"
}

start_server() {  # start_server NAME: starts it, sets $server_pid and $server_port
  case $1 in
    gtm-*) ip netns exec "$srv" taskset -c 0 "$gtm" serve --config "$work/${1}.toml" 2>>"$work/$1.log" &
           server_port=$gtm_port ;;
    gdnsd|gdnsd-geo|gdnsd-perf) ip netns exec "$srv" taskset -c 0 gdnsd -c "$work/$1" start 2>>"$work/$1.log" &
           server_port=$gdnsd_port ;;
    knot) ip netns exec "$srv" taskset -c 0 knotd -c "$work/knot/sockets.conf" >>"$work/knot.log" 2>&1 &
          server_port=$knot_port ;;
    knot-xdp) ip netns exec "$srv" taskset -c 0 knotd -c "$work/knot/xdp.conf" >>"$work/knot-xdp.log" 2>&1 &
              server_port=$knot_port ;;
    nsd) ip netns exec "$srv" taskset -c 0 nsd -d -c "$work/nsd/nsd.conf" 2>>"$work/nsd.log" &
         server_port=$nsd_port ;;
  esac
  server_pid=$!
  pids+=("$server_pid")
  wait_ready "$server_port"
}
# Knot leaves its XDP program on the interface when it stops; gtm's goes
# with its BPF link. Either way the next server finds the interface clean.
stop() {
  kill "$1"
  wait "$1" 2>/dev/null || true
  ip -n "$srv" link set gtmbs xdp off 2>/dev/null || true
}

servers=(gtm-sockets gtm-xdp gtm-nowait gdnsd knot knot-xdp nsd)
sed 's/^\([^ ]*\) \(.*\)$/\1 \2/' "$work/queries.txt" > "$work/queries.kx"
# kxdpgun takes the server's MAC from the neighbour table.
ip -n "$cli" neigh replace "$server_ip" lladdr "$(ip netns exec "$srv" cat /sys/class/net/gtmbs/address)" \
  dev gtmbc nud permanent

# Every server answers alike before we measure.
# (www differs on purpose: gdnsd does not follow an in-zone CNAME.)
part fixed || part saturation || servers=()
for s in "${servers[@]}"; do
  start_server "$s"
  for q in "aovpn.vpn.example.com A" "aovpn.vpn.example.com AAAA" "vpn.example.com TXT"; do
    # shellcheck disable=SC2086 # $q is a name and a type
    a=$(ask "$server_port" $q)
    [ -n "$a" ] || { echo "$s gives no answer for '$q'" >&2; exit 1; }
    expected=$(grep -F "$q|" <<<"${answers:-}" | head -n 1 | cut -d'|' -f2- || true)
    [ -z "$expected" ] || [ "$expected" = "$a" ] || { echo "answers differ for '$q': $s '$a'" >&2; exit 1; }
    [ -n "$expected" ] || answers="${answers:-}$q|$a"$'\n'
  done
  stop "$server_pid"
done

if part fixed; then
  echo "1. fixed load: dnsperf -Q $rate for $duration s (window $((duration - 3)) s), server on CPU 0, dnsperf on CPU 1, over a veth pair"
  printf '%-12s %9s %7s %12s %12s %8s\n' server "answers/s" lost "machine-us/a" "core0-us/a" "lat-us"
  for s in "${servers[@]}"; do
    start_server "$s"
    fixed_load "$s" "$server_port" | tee -a "$work/fixed"
    stop "$server_pid"
  done
  awk '{ c[$1] = $4 } END { k = c["knot-xdp"]; if (k > 0) for (s in c) printf "  %-12s whole-machine CPU per answer %.2fx Knot XDP'"'"'s\n", s, c[s] / k }' "$work/fixed" | sort
fi

if part saturation; then
  echo
  echo "2. saturation: kxdpgun (AF_XDP) for $duration s from CPU 1, answers per second"
  for s in "${servers[@]}"; do
    start_server "$s"
    saturate "$s" "$server_port"
    stop "$server_pid"
  done
fi

if part geo; then
  . bench/geo_case.sh
fi

if part performance; then
  . bench/performance_case.sh
fi
