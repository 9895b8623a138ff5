#!/usr/bin/env bash
# Three gtm serve nodes as one cluster (agreement = "majority") and a
# three-member etcd cluster, beside a single gtm serve node without
# [cluster], all in network namespaces of their own (198.18.0.0/15):
#
#   client 198.18.100.2 (dnsperf, dns_watch)
#     |
#   core (router) -- n1 198.18.51.2 (gtm ns1 + etcd e1)   -- site A 198.18.61.10 (charon, SSTP)
#                 -- n2 198.18.52.2 (gtm ns2 + etcd e2)   -- site B 198.18.62.10 (charon, SSTP)
#                 -- n3 198.18.53.2 (gtm ns3 + etcd e3)
#                 -- solo 198.18.54.2 (gtm serve alone)
#
# Every gtm node probes both sites with an SSTP and an IKEv2 monitor
# (interval 1 s, timeout 0.5 s, tolerated_failures 1, rise 1) and answers
# aovpn.vpn.example.com with site A first. dns_watch asks ns1, ns2, ns3 and
# the single node every 10 ms. Printed:
#   1. failover: site A's link is cut ROUNDS times; the time until each
#      cluster node and the single node answer site B, next to the
#      single-node bound interval x (tolerated_failures + 1) + timeout;
#   2. etcd member restarts under load: dnsperf asks ns1 at RATE queries/s
#      while each etcd member in turn is killed and started again; queries
#      lost (must be 0), unanswered dns_watch queries, samples of ns1's
#      gtm_cluster_connected that were 0, whole-machine CPU and dnsperf's
#      latency;
#   3. probes per second that site A's RRAS stand-in sees from each node
#      (nftables counters on site A: SSTP connections, IKEv2 datagrams), next
#      to what one probe per target per interval gives (with three nodes:
#      three times that, not more).
#
# Needs root (namespaces, nftables). Usage: bench/cluster.sh [rounds=3] [rate=5000]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
rate=${2:-5000}
[ "$(id -u)" -eq 0 ] || { echo "cluster.sh needs root for network namespaces" >&2; exit 1; }

. bench/common.sh
. bench/rras.sh
keep_logs=cluster-logs
bench_setup test bench
gtm=$dir/gtm
interval=1.0 timeout=0.5 tolerated=1 rise=1
bound=$(echo "$interval * ($tolerated + 1) + $timeout" | bc)
site_a=198.18.61.10 site_b=198.18.62.10

ns() { echo "gtmcl-$1-$$"; }
for n in core client n1 n2 n3 solo a b; do
  ip netns add "$(ns $n)"
  namespaces+=("$(ns $n)")
  ip -n "$(ns $n)" link set lo up
done
# attach NAME NET: a veth pair NAME (NET.2) -- core (NET.1), routed through the core.
attach() {
  ip link add eth0 netns "$(ns "$1")" type veth peer name "to-$1" netns "$(ns core)"
  ip -n "$(ns "$1")" addr add "$2.2/24" dev eth0
  ip -n "$(ns core)" addr add "$2.1/24" dev "to-$1"
  ip -n "$(ns "$1")" link set eth0 up
  ip -n "$(ns core)" link set "to-$1" up
  ip -n "$(ns "$1")" route add default via "$2.1"
}
ip netns exec "$(ns core)" sysctl -qw net.ipv4.ip_forward=1
attach client 198.18.100
attach n1 198.18.51
attach n2 198.18.52
attach n3 198.18.53
attach solo 198.18.54
attach a 198.18.61
attach b 198.18.62
ip -n "$(ns a)" addr add "$site_a/24" dev eth0
ip -n "$(ns b)" addr add "$site_b/24" dev eth0
rras_start "$(ns a)" "$site_a" a
rras_start "$(ns b)" "$site_b" b
host() { echo "198.18.5$1.2"; }

# etcd: one member per cluster node, as a deployment runs it.
initial=""
for i in 1 2 3; do initial+="${initial:+,}e$i=http://$(host "$i"):2380"; done
etcd_start() {
  local i=$1 h
  h=$(host "$i")
  ip netns exec "$(ns "n$i")" /usr/bin/etcd --name "e$i" --data-dir "$work/e$i" \
    --listen-client-urls "http://$h:2379" --advertise-client-urls "http://$h:2379" \
    --listen-peer-urls "http://$h:2380" --initial-advertise-peer-urls "http://$h:2380" \
    --initial-cluster "$initial" --initial-cluster-state new >>"$work/etcd-e$i.log" 2>&1 &
  eval "etcd_pid_$i=$!"
  pids+=($!)
}
etcd_stop() {
  local p
  eval "p=\${etcd_pid_$1}"
  kill "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}
etcd_wait_healthy() {
  for _ in $(seq 100); do
    ip netns exec "$(ns core)" env ETCDCTL_API=3 etcdctl --dial-timeout=1s --command-timeout=2s \
      --endpoints="http://$(host 1):2379,http://$(host 2):2379,http://$(host 3):2379" endpoint health >/dev/null 2>&1 &&
      return 0
    sleep 0.2
  done
  echo "etcd did not become healthy" >&2
  return 1
}
for i in 1 2 3; do etcd_start "$i"; done
etcd_wait_healthy

monitors() {
  for protocol in sstp ikev2; do
    printf '[[monitor]]\nname = "%s"\nprotocol = "%s"\ninterval = %s\ntimeout = %s\ntolerated_failures = %s\nrise = %s\n\n' \
      "$protocol" "$protocol" "$interval" "$timeout" "$tolerated" "$rise"
  done
}
# serve_config ADDRESS [ETCD_URLS]: a node's config; with URLS, a cluster member.
serve_config() {
  cat <<TOML
[dns]
listen = ["$1:53"]
threads = 1

[dns.rrl]
exempt = ["198.18.100.0/24"]  # the load generator stands for many resolvers

[status]
listen = "$1:8053"
TOML
  [ -n "${2:-}" ] && printf '\n[cluster]\netcd = [%s]\nagreement = "majority"\nlease_ttl = 5\n' "$2"
  cat <<TOML

[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "$(host 1)" } ]

$(monitors)
[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
ttl = 5
monitors = ["sstp", "ikev2"]
  [[profile.endpoint]]
  name = "a"
  target = "$site_a"
  [[profile.endpoint]]
  name = "b"
  target = "$site_b"
TOML
}
for i in 1 2 3; do
  urls=""
  for k in 0 1 2; do urls+="${urls:+, }\"http://$(host $(( (i - 1 + k) % 3 + 1 ))):2379\""; done  # its own member first
  serve_config "$(host "$i")" "$urls" > "$work/ns$i.toml"
done
serve_config "$(host 4)" > "$work/solo.toml"
chmod 644 "$work"/*.toml
for i in 1 2 3; do
  ip netns exec "$(ns "n$i")" "$gtm" serve --config "$work/ns$i.toml" --node "ns$i" 2>"$work/ns$i.log" &
  pids+=($!)
done
ip netns exec "$(ns solo)" "$gtm" serve --config "$work/solo.toml" 2>"$work/solo.log" &
pids+=($!)

# dns_watch on every node, from the client.
for i in 1 2 3 4; do
  ip netns exec "$(ns client)" "$dir/dns_watch" --server "$(host "$i"):53" --name aovpn.vpn.example.com \
    --interval-ms 10 --timeout-ms 500 >"$work/watch-$i.log" &
  pids+=($!)
done
now_ms() { date +%s%3N; }
# first_answer NODE WANT FROM_MS LIMIT_S: ms from FROM_MS to node's first answer WANT, or -1.
first_answer() {
  local node=$1 want=$2 from=$3 end t
  end=$(( $(now_ms) + $4 * 1000 ))
  while :; do
    t=$(awk -v from="$from" -v want="$want" '$1 >= from && $2 == "NOERROR" && $3 == want { print $1; exit }' \
      "$work/watch-$node.log")
    [ -n "$t" ] && { echo $(( t - from )); return 0; }
    [ "$(now_ms)" -gt "$end" ] && { echo -1; return 0; }
    sleep 0.05
  done
}
timeouts() { awk -v from="$2" -v to="$3" '$1 >= from && $1 < to && $2 == "timeout" { n++ } END { print n + 0 }' "$work/watch-$1.log"; }
seconds() { if [ "$1" -lt 0 ]; then echo never; else printf '%.2f' "$(echo "$1 / 1000" | bc -l)"; fi; }
metric() { ip netns exec "$(ns client)" curl -s -m 1 "http://$(host "$1"):8053/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }

for i in 1 2 3 4; do
  [ "$(first_answer "$i" "$site_a" "$(now_ms)" 15)" -ge 0 ] || { echo "node $i never answered site A" >&2; exit 1; }
done
for _ in $(seq 50); do [ "$(metric 1 gtm_cluster_nodes)" = 3 ] && break; sleep 0.2; done
echo "cluster: $(metric 1 gtm_cluster_nodes) nodes, ns1 connected $(metric 1 gtm_cluster_connected); machine: $(nproc) cores"

# 1. Failover.
echo
echo "1. site A's link cut: seconds until each node answers site B (single-node bound ${bound} s)"
printf '%-7s %8s %8s %8s %12s\n' round ns1 ns2 ns3 "single node"
declare -a all_cluster=() all_single=()
for r in $(seq "$rounds"); do
  t0=$(now_ms)
  ip -n "$(ns core)" link set to-a down
  row=()
  for i in 1 2 3 4; do row+=("$(first_answer "$i" "$site_b" "$t0" 10)"); done
  printf '%-7s %8s %8s %8s %12s\n' "$r" "$(seconds "${row[0]}")" "$(seconds "${row[1]}")" "$(seconds "${row[2]}")" \
    "$(seconds "${row[3]}")"
  slowest=${row[0]}
  for v in "${row[1]}" "${row[2]}"; do [ "$v" -gt "$slowest" ] && slowest=$v; done
  all_cluster+=("$slowest")
  all_single+=("${row[3]}")
  ip -n "$(ns core)" link set to-a up
  t1=$(now_ms)
  for i in 1 2 3 4; do first_answer "$i" "$site_a" "$t1" 15 >/dev/null; done
  sleep 2
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "median: the slowest cluster node $(seconds "$(median "${all_cluster[@]}")") s, the single node $(seconds "$(median "${all_single[@]}")") s (bound ${bound} s, cluster bound ${bound} + 0.5 s)"

# 2. etcd member restarts under load on ns1.
echo
echo "2. each etcd member killed and started again while dnsperf asks ns1 at $rate queries/s"
printf 'aovpn.vpn.example.com A\n' > "$work/queries"
cpu_sample() { awk '/^cpu / { print $2 + $3 + $4 + $6 + $7 + $8, $5 }' /proc/stat; }
read -r busy0 idle0 < <(cpu_sample)
t0=$(now_ms)
ip netns exec "$(ns client)" dnsperf -s "$(host 1)" -d "$work/queries" -l 30 -Q "$rate" -c 4 -q 2000 -t 2 \
  >"$work/perf-etcd.txt" 2>&1 &
perf=$!
pids+=($!)
disconnected=0 samples=0
sample_for() {  # sample_for SECONDS: ns1's gtm_cluster_connected every 0.2 s
  local end=$(( $(now_ms) + $1 * 1000 ))
  while [ "$(now_ms)" -lt "$end" ]; do
    samples=$(( samples + 1 ))
    [ "$(metric 1 gtm_cluster_connected)" = 1 ] || disconnected=$(( disconnected + 1 ))
    sleep 0.2
  done
}
sample_for 2
for i in 1 2 3; do
  etcd_stop "$i"
  sample_for 3
  etcd_start "$i"
  etcd_wait_healthy
  sample_for 2
done
wait "$perf" || true
read -r busy1 idle1 < <(cpu_sample)
t1=$(now_ms)
field() { sed -n "s/^ *$1: *\([0-9.]*\).*/\1/p" "$work/perf-etcd.txt" | head -n 1; }
cpu=$(echo "scale=1; 100 * ($busy1 - $busy0) / ($busy1 - $busy0 + $idle1 - $idle0)" | bc)
echo "queries sent $(field 'Queries sent'), lost $(field 'Queries lost') (must be 0); dns_watch unanswered: ns1 $(timeouts 1 "$t0" "$t1"), ns2 $(timeouts 2 "$t0" "$t1"), ns3 $(timeouts 3 "$t0" "$t1")"
echo "ns1 disconnected from etcd in $disconnected of $samples samples (every 0.2 s)"
echo "dnsperf average latency $(field 'Average Latency (s)') s; whole machine CPU ${cpu} % of $(nproc) cores at $rate queries/s (the lab's etcd, charon and gtm processes included)"

# 3. Probes per second at site A.
echo
echo "3. probes per second at site A's RRAS stand-in, over 10 s"
ip netns exec "$(ns a)" nft -f - <<NFT
table inet gtmcl_$$ {
  chain in {
    type filter hook input priority 0;
    ip saddr $(host 1) tcp dport 443 tcp flags syn counter
    ip saddr $(host 2) tcp dport 443 tcp flags syn counter
    ip saddr $(host 3) tcp dport 443 tcp flags syn counter
    ip saddr $(host 4) tcp dport 443 tcp flags syn counter
    ip saddr $(host 1) udp dport 500 counter
    ip saddr $(host 2) udp dport 500 counter
    ip saddr $(host 3) udp dport 500 counter
    ip saddr $(host 4) udp dport 500 counter
  }
}
NFT
sleep 10
counts=$(ip netns exec "$(ns a)" nft list table inet "gtmcl_$$" | awk '/counter packets/ { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1) }')
mapfile -t c <<< "$counts"
per_node=$(echo "scale=2; 1 / $interval" | bc)
printf '%-12s %10s %10s\n' node "SSTP /s" "IKEv2 /s"
for i in 0 1 2; do printf '%-12s %10.2f %10.2f\n' "ns$((i + 1))" "$(echo "${c[$i]} / 10" | bc -l)" "$(echo "${c[$((i + 4))]} / 10" | bc -l)"; done
printf '%-12s %10.2f %10.2f\n' "single node" "$(echo "${c[3]} / 10" | bc -l)" "$(echo "${c[7]} / 10" | bc -l)"
total_sstp=$(echo "(${c[0]} + ${c[1]} + ${c[2]}) / 10" | bc -l)
total_ike=$(echo "(${c[4]} + ${c[5]} + ${c[6]}) / 10" | bc -l)
printf 'the three cluster nodes together: SSTP %.2f/s, IKEv2 %.2f/s; expected 3 nodes x %s probe/s = %.2f/s each\n' \
  "$total_sstp" "$total_ike" "$per_node" "$(echo "3 * $per_node" | bc -l)"
echo "(an IKEv2 probe is one IKE_SA_INIT datagram; retransmits within the timeout would add to it)"
