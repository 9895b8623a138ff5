# shellcheck shell=bash
# shellcheck disable=SC2154  # $work, $duration, $rate and the arrays come from the caller and bench/common.sh
# Sourced by the DNS benchmarks after bench/common.sh: a server namespace
# and a client namespace joined by a veth pair (as a NIC would join them),
# and the helpers that measure a server under a fixed offered load.
#
#   $server_ip, $client_ip, $srv, $cli    the two ends
#   in_cli CMD...                         runs CMD in the client namespace
#   ask PORT NAME TYPE [dig options]      dig +short from the client
#   bench_zone_toml [ZONE_LINE]           the benchmarks' zone and profile for gtm
#                                         (ZONE_LINE goes into [[zone]], e.g. dnssec)
#   knot_conf XDP_SECTION [ZONE_LINES]    knotd's config for vpn.example.com in
#                                         $work/knot (ZONE_LINES: more zone options)
#   wait_ready PORT                       until aovpn.vpn.example.com answers
#   fixed_load NAME PORT [dnsperf opts]   dnsperf -Q $rate for $duration s from
#                                         CPU 1 with $work/queries.txt; prints
#                                         answers/s, lost, whole-machine and
#                                         CPU 0 microseconds per answer, latency;
#                                         with GTM_BENCH_PROFILE=DIR set, `perf
#                                         record -a -g` over the window into
#                                         DIR/NAME.perf.data (a profile costs
#                                         CPU: compare profiles, not figures)
#   fixed_rounds ROUNDS FILE SERVER... -- [dnsperf opts]
#                                         fixed_load for each server in turn,
#                                         ROUNDS times over; every row kept in
#                                         FILE, the median row of each server
#                                         in FILE.median (and printed)
server_ip=198.18.40.1
client_ip=198.18.40.2

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

bench_zone_toml() {
  cat <<TOML

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
${1:-}

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
}

knot_conf() {
  cat <<CONF
server:
    rundir: "$work/knot"
    listen: $server_ip@$knot_port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
$1
database:
    storage: "$work/knot"
template:
  - id: default
    storage: "$work/knot"
zone:
  - domain: vpn.example.com
    file: "vpn.example.com.zone"
${2:-}
CONF
}

hz=$(getconf CLK_TCK)
# Busy clock ticks, idle, iowait and steal left out: of CPU 0 (the server's,
# with the interrupt and softirq work the kernel does there for it), and of
# the whole machine (the load generator's core too, where a veth charges
# much of the receive path).
cpu_busy() { awk -v c="$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

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

# fixed_load NAME PORT [dnsperf options]: dnsperf at $rate q/s; prints a result row.
fixed_load() {
  local name=$1 port=$2 out m0 m1 c0 c1
  local window=$((duration - 3))
  in_cli taskset -c 1 dnsperf -s "$server_ip" -p "$port" -d "$work/queries.txt" -l "$duration" -c 4 -q 512 -t 2 \
    -Q "$rate" "${@:3}" > "$work/dnsperf.out" 2>&1 &
  local perf=$!
  sleep 2
  m0=$(cpu_busy cpu); c0=$(cpu_busy cpu0)
  if [ -n "${GTM_BENCH_PROFILE:-}" ]; then
    mkdir -p "$GTM_BENCH_PROFILE"
    perf record -q -a -g -o "$GTM_BENCH_PROFILE/$name.perf.data" -- sleep "$window" 2>/dev/null
  else
    sleep "$window"
  fi
  m1=$(cpu_busy cpu); c1=$(cpu_busy cpu0)
  wait "$perf" || true
  out=$(cat "$work/dnsperf.out")
  local lost qps latency
  lost=$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' <<<"$out")
  qps=$(sed -n 's/^ *Queries per second: *\([0-9.]*\).*/\1/p' <<<"$out")
  latency=$(sed -n 's/^ *Average Latency (s): *\([0-9.]*\).*/\1/p' <<<"$out")
  awk -v n="$name" -v l="$lost" -v q="$qps" -v m=$((m1 - m0)) -v c=$((c1 - c0)) -v hz="$hz" -v w="$window" \
      -v lat="$latency" 'BEGIN { a = q * w; printf "%-12s %9.0f %7d %12.2f %12.2f %8.0f\n", n, q, l,
                                 m / hz / a * 1e6, c / hz / a * 1e6, lat * 1e6 }'
}

# The servers take turns, round after round, so that a slow spell of this
# shared machine falls on each of them alike; a server's median row (of each
# column on its own) is what the comparisons use. start_server and stop come
# from the benchmark that sources this file.
fixed_rounds() {
  local rounds=$1 file=$2 servers=() s
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do servers+=("$1"); shift; done
  [ $# -eq 0 ] || shift
  : > "$file"
  for ((round = 1; round <= rounds; round++)); do
    for s in "${servers[@]}"; do
      start_server "$s"
      fixed_load "$s" "$server_port" "$@" | tee -a "$file"
      stop "$server_pid"
    done
  done
  awk 'function median(list,   n, v, i, j, t) {
         n = split(list, v, " ")
         for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
         return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
       { if (!($1 in seen)) { seen[$1] = 1; order[++count] = $1 }
         for (c = 2; c <= 6; c++) col[$1, c] = col[$1, c] " " $c }
       END { for (i = 1; i <= count; i++) { s = order[i]
               printf "%-12s %9.0f %7d %12.2f %12.2f %8.0f\n", s, median(col[s, 2]), median(col[s, 3]),
                      median(col[s, 4]), median(col[s, 5]), median(col[s, 6]) } }' "$file" > "$file.median"
  if [ "$rounds" -gt 1 ]; then
    echo "  median of $rounds rounds:"
    sed 's/^/  /' "$file.median"
  fi
}
