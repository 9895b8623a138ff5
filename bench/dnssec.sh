#!/usr/bin/env bash
# shellcheck disable=SC2154  # $dir, $work, $srv, $server_ip come from bench/common.sh and bench/dns_bench.sh
# What DNSSEC costs gtm per answer, next to gtm unsigned and next to Knot
# DNS serving the same zone signed by its own automatic signing
# (dnssec-signing: on, its default policy: ECDSA P-256 KSK and ZSK, NSEC),
# with its sockets and in its XDP mode, in the same run. gtm signs with an
# ECDSA P-256 KSK and ZSK too. Every query but gtm-unsigned's carries the DO
# bit (dnsperf -D), so each answer carries its RRSIGs, and NXDOMAIN its NSEC
# proofs. Setup and measurement as bench/dns_vs_gdnsd.sh: the server pinned
# to CPU 0 in its namespace, dnsperf on CPU 1 at a fixed offered load over a
# veth pair; CPU per answer over a steady window for the whole machine and
# for the server's core, the queries lost and the latency.
#
# Targets (issue 15): gtm's DO answers per CPU-second at least 0.8x its
# unsigned rate and at least 1.2x Knot's signed rate.
#
# Usage: bench/dnssec.sh [seconds per run, default 10] [offered q/s, default 50000]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10}
rate=${2:-50000}

# shellcheck disable=SC2034  # read by bench/common.sh on exit
keep_logs=dnssec-bench-logs
. bench/common.sh
bench_setup bench
gtm=$dir/gtm
[ "$(id -u)" -eq 0 ] || { echo "dnssec.sh: needs root (network namespaces, XDP)" >&2; exit 1; }
gtm_port=25353
knot_port=25355
. bench/dns_bench.sh

# --- the zone, signed by gtm and by Knot ----------------------------------------
mkdir -p "$work/keys"
ksk=$(cd "$work/keys" && ldns-keygen -a ECDSAP256SHA256 -k vpn.example.com)
zsk=$(cd "$work/keys" && ldns-keygen -a ECDSAP256SHA256 vpn.example.com)
chmod 644 "$work"/keys/*
gtm_config() {  # gtm_config ZONE_LINE
  printf '[dns]\nlisten = ["%s:%s"]\nthreads = 1\n[dns.rrl]\nenabled = false\n' "$server_ip" "$gtm_port"
  bench_zone_toml "$1"
}
gtm_config "" > "$work/gtm-unsigned.toml"
gtm_config "dnssec = { keys = [\"$work/keys/$ksk\", \"$work/keys/$zsk\"] }" > "$work/gtm-signed.toml"
chmod 644 "$work"/*.toml

mkdir -p "$work/knot"
cat > "$work/knot/vpn.example.com.zone" <<'ZONE'
$TTL 3600
@     SOA ns1 hostmaster.example.com. ( 1 3600 600 1209600 30 )
@     NS  ns1
@     NS  ns2
ns1   A   127.0.0.53
ns2   A   127.0.1.53
@     TXT "v=spf1 -all"
www   CNAME aovpn
aovpn 30 A 127.0.10.10
aovpn 30 AAAA ::1
ZONE
signing="    dnssec-signing: on
    zonefile-sync: -1
    zonefile-load: difference-no-serial
    journal-content: all"
knot_conf "" "$signing" > "$work/knot/sockets.conf"
knot_conf "xdp:
    listen: gtmbs@$knot_port
    udp: on" "$signing" > "$work/knot/xdp.conf"

{
  for _ in $(seq 5); do echo "aovpn.vpn.example.com A"; done
  echo "aovpn.vpn.example.com AAAA"
  echo "www.vpn.example.com A"
  echo "vpn.example.com TXT"
  echo "nothing.vpn.example.com A"
  echo "ns1.vpn.example.com MX"
} > "$work/queries.txt"

start_server() {  # start_server NAME: sets $server_pid and $server_port
  case $1 in
    gtm-*) ip netns exec "$srv" taskset -c 0 "$gtm" serve --config "$work/${1}.toml" 2>>"$work/$1.log" &
           server_port=$gtm_port ;;
    knot) ip netns exec "$srv" taskset -c 0 knotd -c "$work/knot/sockets.conf" >>"$work/knot.log" 2>&1 &
          server_port=$knot_port ;;
    knot-xdp) ip netns exec "$srv" taskset -c 0 knotd -c "$work/knot/xdp.conf" >>"$work/knot-xdp.log" 2>&1 &
              server_port=$knot_port ;;
  esac
  server_pid=$!
  pids+=("$server_pid")
  wait_ready "$server_port"
  # Knot signs the zone once it is loaded: wait for the signatures.
  for _ in $(seq 100); do
    [ "$1" = gtm-unsigned ] && return 0
    ask "$server_port" aovpn.vpn.example.com A +dnssec | grep -q "^A " && return 0
    sleep 0.1
  done
  echo "$1 sends no RRSIG" >&2
  return 1
}
stop() {
  kill "$1"
  wait "$1" 2>/dev/null || true
  ip -n "$srv" link set gtmbs xdp off 2>/dev/null || true
}

echo "fixed load: dnsperf -Q $rate for $duration s (window $((duration - 3)) s), server on CPU 0, dnsperf on CPU 1, over a veth pair"
echo "queries: the profile name (A, AAAA), a CNAME to it, TXT at the apex, NXDOMAIN, NODATA; with DO except gtm-unsigned"
printf '%-13s %9s %7s %12s %12s %8s\n' server "answers/s" lost "machine-us/a" "core0-us/a" "lat-us"
for s in gtm-unsigned gtm-signed knot knot-xdp; do
  start_server "$s"
  if [ "$s" = gtm-unsigned ]; then fixed_load "$s" "$server_port"; else fixed_load "$s" "$server_port" -D; fi |
    tee -a "$work/fixed"
  stop "$server_pid"
done
echo
awk '{ m[$1] = $4; c[$1] = $5 }
  END {
    printf "gtm signed, DO answers per CPU-second (whole machine): %.0f; gtm unsigned %.0f: %.2fx (target >= 0.8x)\n",
      1e6 / m["gtm-signed"], 1e6 / m["gtm-unsigned"], m["gtm-unsigned"] / m["gtm-signed"]
    printf "  next to Knot signed (sockets) %.0f: %.2fx; Knot signed (XDP) %.0f: %.2fx (target >= 1.2x)\n",
      1e6 / m["knot"], m["knot"] / m["gtm-signed"], 1e6 / m["knot-xdp"], m["knot-xdp"] / m["gtm-signed"]
    printf "  on the server core alone: %.2fx gtm unsigned, %.2fx Knot sockets, %.2fx Knot XDP\n",
      c["gtm-unsigned"] / c["gtm-signed"], c["knot"] / c["gtm-signed"], c["knot-xdp"] / c["gtm-signed"]
  }' "$work/fixed"
