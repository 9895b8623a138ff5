#!/usr/bin/env bash
# Failover and recovery time of gtm serve, end to end with real probe targets.
#
# Two sites, each a network namespace of its own reached over a veth pair
# (198.18.1.10 and 198.18.2.10), each running strongSwan's charon (IKEv2 on
# UDP 500/4500) and the SSTP test server (TCP 443). gtm serve runs on this
# host with an IKEv2 and an SSTP monitor on both sites and answers for
# aovpn.vpn.example.com by priority: site A first. The benchmark queries gtm
# every 50 ms, stops site A's services, measures the time until the answer
# is site B, restarts them, and measures the way back; then the same with
# A's link cut. Each time is printed next to its bound:
#   failover: interval x (tolerated_failures + 1) + timeout
#   recovery: interval x rise + timeout
#
# Needs root (namespaces). Usage: bench/failover.sh [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
[ "$(id -u)" -eq 0 ] || { echo "failover.sh needs root for network namespaces" >&2; exit 1; }

. bench/common.sh
. bench/rras.sh
bench_setup test bench
gtm=$dir/gtm
interval=1.0 timeout=0.5 tolerated=1 rise=1
dns_port=25453
ns_a=gtmfo-a-$$ ns_b=gtmfo-b-$$
namespaces=("$ns_a" "$ns_b")

# make_site NS INDEX: namespace with veth to the host, 198.18.INDEX.10 inside.
make_site() {
  local ns=$1 i=$2
  ip netns add "$ns"
  ip link add "fo$i-$$" type veth peer name eth0 netns "$ns"
  ip addr add "198.18.$i.1/24" dev "fo$i-$$"
  ip link set "fo$i-$$" up
  ip netns exec "$ns" ip addr add "198.18.$i.10/24" dev eth0
  ip netns exec "$ns" ip link set eth0 up
  ip netns exec "$ns" ip link set lo up
}

make_site "$ns_a" 1
make_site "$ns_b" 2
rras_start "$ns_a" 198.18.1.10 a
rras_start "$ns_b" 198.18.2.10 b

cat > "$work/gtm.toml" <<TOML
[dns]
listen = ["127.0.0.1:$dns_port"]
threads = 1

[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "127.0.0.53" } ]

[[monitor]]
name = "sstp"
protocol = "sstp"
interval = $interval
timeout = $timeout
tolerated_failures = $tolerated
rise = $rise

[[monitor]]
name = "ikev2"
protocol = "ikev2"
interval = $interval
timeout = $timeout
tolerated_failures = $tolerated
rise = $rise

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
ttl = 5
monitors = ["sstp", "ikev2"]
  [[profile.endpoint]]
  name = "site-a"
  target = "198.18.1.10"
  [[profile.endpoint]]
  name = "site-b"
  target = "198.18.2.10"
TOML
"$gtm" serve --config "$work/gtm.toml" 2>"$work/gtm.log" &
pids+=($!)

answer() { dig @127.0.0.1 -p "$dns_port" +time=1 +tries=1 +short aovpn.vpn.example.com A 2>/dev/null | head -n 1; }
# wait_for ADDRESS LIMIT: seconds (to 50 ms) until gtm answers ADDRESS.
wait_for() {
  local want=$1 limit=$2 start now
  start=$(date +%s.%N)
  while :; do
    [ "$(answer)" = "$want" ] && { now=$(date +%s.%N); echo "$now - $start" | bc; return 0; }
    now=$(date +%s.%N)
    [ "$(echo "$now - $start > $limit" | bc)" -eq 1 ] && { echo "-1"; return 0; }
    sleep 0.05
  done
}

[ "$(wait_for 198.18.1.10 10)" != "-1" ] || { echo "gtm never answered site A" >&2; cat "$work/gtm.log" >&2; exit 1; }
sleep 2  # both sites Online under every monitor

fail_bound=$(echo "$interval * ($tolerated + 1) + $timeout" | bc)
back_bound=$(echo "$interval * $rise + $timeout" | bc)
echo "monitors: sstp + ikev2, interval $interval s, timeout $timeout s, tolerated_failures $tolerated, rise $rise"
printf '%-16s %6s %12s %10s %10s\n' event round "seconds" bound "within"
report() {
  local event=$1 round=$2 t=$3 bound=$4
  local ok="no"
  [ "$t" != "-1" ] && [ "$(echo "$t <= $bound + 0.5" | bc)" -eq 1 ] && ok="yes"
  printf '%-16s %6s %12.2f %10.1f %10s\n' "$event" "$round" "$t" "$bound" "$ok"
}
for round in $(seq "$rounds"); do
  rras_stop a
  report "services-stop" "$round" "$(wait_for 198.18.2.10 15)" "$fail_bound"
  rras_start "$ns_a" 198.18.1.10 a
  report "services-back" "$round" "$(wait_for 198.18.1.10 15)" "$back_bound"
  sleep 1.5
  ip link set "fo1-$$" down
  report "link-cut" "$round" "$(wait_for 198.18.2.10 15)" "$fail_bound"
  ip link set "fo1-$$" up
  report "link-back" "$round" "$(wait_for 198.18.1.10 15)" "$back_bound"
  sleep 1.5
done
echo "(within: the time is at most the bound plus 0.5 s)"
