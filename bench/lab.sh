#!/usr/bin/env bash
# The two-site lab: gtm serve in front of two sites, each a gtm lb in front
# of two RRAS stand-ins, all in network namespaces of its own (198.18.0.0/15),
# under a fixed DNS load, through a scripted sequence of faults.
#
#   client 198.18.100.2 (dnsperf, dns_watch)
#     |
#   core (router) -- dns 198.18.0.53 (gtm serve; probes both VIPs)
#     |-- lb-a 198.18.11.2, VIP 198.18.1.10 (gtm lb) -- ra1 198.18.21.11, ra2 198.18.22.11
#     '-- lb-b 198.18.12.2, VIP 198.18.2.10 (gtm lb) -- rb1 198.18.31.11, rb2 198.18.32.11
#
# Every real server runs strongSwan's charon (IKEv2) and the SSTP test server.
# gtm serve answers aovpn.vpn.example.com with site A's VIP first (priority),
# monitoring each VIP with an SSTP and an IKEv2 probe through its balancer;
# each gtm lb monitors its two servers the same way. The balancers probe
# every 0.5 s (timeout 0.3 s, tolerated_failures 1), so that they take a dead
# server out before gtm serve, probing every 1 s (timeout 0.5 s,
# tolerated_failures 2), could count its VIP as down: one dead server must
# never move DNS (see docs/site-balancer.md).
#
# First the maximum rate gtm serve answers here is measured (dnsperf
# unthrottled, 5 s); the events then run under dnsperf at half of it, while
# dns_watch asks every 10 ms and logs each answer. Per event it prints: the
# time until DNS answers changed (or "stays" where they must not change), the
# bound, answers pointing at a dead site after the bound (or at the wrong site
# at all, for events that must not move the answer), queries dnsperf lost,
# dns_watch queries unanswered, and gtm serve's memory before and after.
#
#   bench/lab.sh              the event sequence (about 3 minutes)
#   bench/lab.sh --soak MIN   the soak: MIN minutes (default 10) at half the
#                             maximum rate with two servers flapping; prints
#                             lost queries, errors and memory every minute
#
# Needs root (namespaces, nftables). Tears everything down on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=lab soak_minutes=10
if [ "${1:-}" = "--soak" ]; then
  mode=soak
  soak_minutes=${2:-10}
fi
[ "$(id -u)" -eq 0 ] || { echo "lab.sh needs root for network namespaces" >&2; exit 1; }

. bench/common.sh
. bench/rras.sh
keep_logs=lab-logs
bench_setup test bench
gtm=$dir/gtm
vip_a=198.18.1.10 vip_b=198.18.2.10 dns_ip=198.18.0.53
interval=1.0 timeout=0.5 tolerated=2 rise=1          # gtm serve
lb_interval=0.5 lb_timeout=0.3 lb_tolerated=1 lb_rise=1  # gtm lb
fail_bound=$(echo "$interval * ($tolerated + 1) + $timeout" | bc)
back_bound=$(echo "$interval * $rise + $timeout" | bc)
lb_fail_bound=$(echo "$lb_interval * ($lb_tolerated + 1) + $lb_timeout" | bc)
# Site back: its balancer must see a server Online first, then gtm serve the VIP.
site_back_bound=$(echo "$back_bound + $lb_interval * $lb_rise + $lb_timeout" | bc)
reload_bound=1.0

ns() { echo "gtmlab-$1-$$"; }
for n in core dns client lba lbb ra1 ra2 rb1 rb2; do
  ip netns add "$(ns $n)"
  namespaces+=("$(ns $n)")
  ip -n "$(ns $n)" link set lo up
done

# link A IFACE_A ADDR_A B IFACE_B ADDR_B: a veth pair between two namespaces.
link() {
  ip link add "$2" netns "$(ns "$1")" type veth peer name "$5" netns "$(ns "$4")"
  ip -n "$(ns "$1")" addr add "$3" dev "$2"
  ip -n "$(ns "$4")" addr add "$6" dev "$5"
  ip -n "$(ns "$1")" link set "$2" up
  ip -n "$(ns "$4")" link set "$5" up
}
link core to-dns 198.18.0.1/24 dns eth0 "$dns_ip/24"
link core to-client 198.18.100.1/24 client eth0 198.18.100.2/24
link core to-lba 198.18.11.1/24 lba uplink 198.18.11.2/24
link core to-lbb 198.18.12.1/24 lbb uplink 198.18.12.2/24
link lba to-ra1 198.18.21.1/24 ra1 eth0 198.18.21.11/24
link lba to-ra2 198.18.22.1/24 ra2 eth0 198.18.22.11/24
link lbb to-rb1 198.18.31.1/24 rb1 eth0 198.18.31.11/24
link lbb to-rb2 198.18.32.1/24 rb2 eth0 198.18.32.11/24
for n in core lba lbb; do ip netns exec "$(ns $n)" sysctl -qw net.ipv4.ip_forward=1; done
ip -n "$(ns dns)" route add default via 198.18.0.1
ip -n "$(ns client)" route add default via 198.18.100.1
ip -n "$(ns lba)" addr add "$vip_a/32" dev lo
ip -n "$(ns lbb)" addr add "$vip_b/32" dev lo
ip -n "$(ns lba)" route add default via 198.18.11.1
ip -n "$(ns lbb)" route add default via 198.18.12.1
ip -n "$(ns core)" route add "$vip_a/32" via 198.18.11.2
ip -n "$(ns core)" route add "$vip_b/32" via 198.18.12.2
ip -n "$(ns ra1)" route add default via 198.18.21.1
ip -n "$(ns ra2)" route add default via 198.18.22.1
ip -n "$(ns rb1)" route add default via 198.18.31.1
ip -n "$(ns rb2)" route add default via 198.18.32.1

declare -A real_ip=([ra1]=198.18.21.11 [ra2]=198.18.22.11 [rb1]=198.18.31.11 [rb2]=198.18.32.11)
for r in ra1 ra2 rb1 rb2; do rras_start "$(ns $r)" "${real_ip[$r]}" "$r"; done

# monitors INTERVAL TIMEOUT TOLERATED RISE: an SSTP and an IKEv2 monitor.
monitors() {
  for protocol in sstp ikev2; do
    printf '[[monitor]]\nname = "%s"\nprotocol = "%s"\ninterval = %s\ntimeout = %s\ntolerated_failures = %s\nrise = %s\n\n' \
      "$protocol" "$protocol" "$@"
  done
}

# service NAME PROTOCOL PORTS VIP REAL...
service() {
  local name=$1 protocol=$2 ports=$3 vip=$4
  shift 4
  printf '[[service]]\nname = "%s"\nvip = "%s"\nprotocol = "%s"\nports = %s\nmonitors = ["%s"]\n' \
    "$name" "$vip" "$protocol" "$ports" "$name"
  for real in "$@"; do printf '  [[service.real]]\n  name = "%s"\n  address = "%s"\n' "$real" "${real_ip[$real]}"; done
  echo
}

# lb_config VIP REAL...
lb_config() {
  local vip=$1
  shift
  printf '[lb]\ntable = "gtm_lab"\n\n'
  monitors "$lb_interval" "$lb_timeout" "$lb_tolerated" "$lb_rise"
  service ikev2 udp "[500, 4500]" "$vip" "$@"
  service sstp tcp "[443]" "$vip" "$@"
}
lb_config "$vip_a" ra1 ra2 > "$work/lba.toml"
lb_config "$vip_b" rb1 rb2 > "$work/lbb.toml"

# serve_config FIRST SECOND: site FIRST answers while it is healthy.
serve_config() {
  cat <<TOML
[dns]
listen = ["$dns_ip:53"]
threads = 1

[dns.rrl]
# The load generator and the watcher stand for many resolvers: not limited.
exempt = ["198.18.100.0/24"]

[status]
listen = "$dns_ip:8080"

[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "$dns_ip" } ]

$(monitors "$interval" "$timeout" "$tolerated" "$rise")
[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
ttl = 5
monitors = ["sstp", "ikev2"]
  [[profile.endpoint]]
  name = "site-$1"
  target = "$(eval echo "\$vip_$1")"
  [[profile.endpoint]]
  name = "site-$2"
  target = "$(eval echo "\$vip_$2")"
TOML
}
serve_config a b > "$work/gtm.toml"
chmod 644 "$work"/*.toml

ip netns exec "$(ns lba)" "$gtm" lb --config "$work/lba.toml" 2>"$work/lba.log" &
lb_a=$!
pids+=($!)
ip netns exec "$(ns lbb)" "$gtm" lb --config "$work/lbb.toml" 2>"$work/lbb.log" &
lb_b=$!
pids+=($!)
ip netns exec "$(ns dns)" "$gtm" serve --config "$work/gtm.toml" 2>"$work/serve.log" &
serve=$!
pids+=($!)
ip netns exec "$(ns client)" "$dir/dns_watch" --server "$dns_ip:53" --name aovpn.vpn.example.com \
  --interval-ms 10 --timeout-ms 500 >"$work/watch.log" &
pids+=($!)

now_ms() { date +%s%3N; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# first_answer WANT FROM_MS LIMIT_S: ms from FROM_MS to the first answer WANT, or -1.
first_answer() {
  local want=$1 from=$2 limit=$3 t end
  end=$(( $(now_ms) + ${limit%.*} * 1000 ))
  while :; do
    t=$(awk -v from="$from" -v want="$want" '$1 >= from && $2 == "NOERROR" && $3 == want { print $1; exit }' "$work/watch.log")
    [ -n "$t" ] && { echo $(( t - from )); return 0; }
    [ "$(now_ms)" -gt "$end" ] && { echo -1; return 0; }
    sleep 0.05
  done
}
# count_answers FROM_MS TO_MS WANT [not]: answers WANT (or, with "not", other than WANT) in the window.
count_answers() {
  awk -v from="$1" -v to="$2" -v want="$3" -v neg="${4:-}" \
    '$1 >= from && $1 < to && $2 != "timeout" && ((neg == "" && $3 == want) || (neg != "" && $3 != want)) { n++ }
     END { print n + 0 }' "$work/watch.log"
}
count_timeouts() { awk -v from="$1" -v to="$2" '$1 >= from && $1 < to && $2 == "timeout" { n++ } END { print n + 0 }' "$work/watch.log"; }
# lb_saw LOG REAL STATE FROM_LINE LIMIT_S: seconds until the balancer logged REAL going to STATE.
lb_saw() {
  local log=$1 real=$2 state=$3 from=$4 limit=$5 start
  start=$(date +%s.%N)
  while ! tail -n +"$from" "$log" | grep -q "$real.*to=$state"; do
    [ "$(echo "$(date +%s.%N) - $start > $limit" | bc)" -eq 1 ] && { echo -1; return 0; }
    sleep 0.05
  done
  echo "$(date +%s.%N) - $start" | bc
}
lines() { wc -l < "$1"; }
# udp_drops NS: datagrams the kernel dropped for a full receive buffer in NS.
udp_drops() {
  ip netns exec "$(ns "$1")" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c["RcvbufErrors"] }' /proc/net/snmp
}
dnsperf_run() {  # dnsperf_run SECONDS RATE OUT: in the background
  ip netns exec "$(ns client)" dnsperf -s "$dns_ip" -d "$work/queries" -l "$1" ${2:+-Q "$2"} -c 4 -q 2000 -t 2 -b 8192 \
    >"$3" 2>&1 &
  perf_pid=$!
  pids+=($!)
}
perf_field() { sed -n "s/^ *$2: *\([0-9.]*\).*/\1/p" "$1" | head -n 1; }

# The soak: dnsperf at $rate for the whole run while ra1 (site A) stops and
# starts every 5 s and rb1 (site B) every 7 s, and gtm serve's config is
# rewritten every 30 s (the same config under a new comment: a reload); site
# A always has ra2, so every answer must be site A. Memory and counts are
# printed once a minute.
run_soak() {
  local seconds=$(( soak_minutes * 60 )) start now next_sample=60 elapsed a_up=1 b_up=1 t0
  local -a serve_rss=()
  dnsperf_run "$seconds" "$rate" "$work/perf-soak.txt"
  t0=$(now_ms)
  start=$(date +%s)
  printf '\n%-7s %11s %11s %11s %10s %8s %7s\n' minute "serve KiB" "lb-a KiB" "lb-b KiB" answers unansw wrong
  printf '%-7s %11s %11s %11s %10s %8s %7s\n' 0 "$(rss_kib "$serve")" "$(rss_kib "$lb_a")" "$(rss_kib "$lb_b")" - - -
  serve_rss+=("$(rss_kib "$serve")")
  while :; do
    now=$(date +%s)
    elapsed=$(( now - start ))
    [ "$elapsed" -ge "$seconds" ] && break
    if [ $(( elapsed % 5 )) -eq 0 ]; then
      if [ "$a_up" -eq 1 ]; then rras_stop ra1; a_up=0; else rras_start "$(ns ra1)" "${real_ip[ra1]}" ra1; a_up=1; fi
    fi
    if [ $(( elapsed % 7 )) -eq 0 ]; then
      if [ "$b_up" -eq 1 ]; then rras_stop rb1; b_up=0; else rras_start "$(ns rb1)" "${real_ip[rb1]}" rb1; b_up=1; fi
    fi
    if [ $(( elapsed % 30 )) -eq 15 ]; then
      { serve_config a b; echo "# soak reload at $elapsed s"; } > "$work/gtm.tmp" && mv "$work/gtm.tmp" "$work/gtm.toml"
    fi
    if [ "$elapsed" -ge "$next_sample" ]; then
      serve_rss+=("$(rss_kib "$serve")")
      printf '%-7s %11s %11s %11s %10s %8s %7s\n' $(( next_sample / 60 )) "${serve_rss[-1]}" "$(rss_kib "$lb_a")" \
        "$(rss_kib "$lb_b")" "$(count_answers "$t0" "$(now_ms)" "" not)" "$(count_timeouts "$t0" "$(now_ms)")" \
        "$(count_answers "$t0" "$(now_ms)" "$vip_a" not)"
      next_sample=$(( next_sample + 60 ))
    fi
    # Sleep to the next whole second, so that the schedule does not drift.
    sleep "$(printf '0.%03d' $(( 1000 - 10#$(date +%3N) )))"
  done
  wait "$perf_pid" || true
  serve_rss+=("$(rss_kib "$serve")")
  local sent lost codes flips_a flips_b growth
  sent=$(perf_field "$work/perf-soak.txt" "Queries sent")
  lost=$(perf_field "$work/perf-soak.txt" "Queries lost")
  codes=$(sed -n 's/^ *Response codes: *//p' "$work/perf-soak.txt")
  flips_a=$(grep -c "endpoint state changed.*ra1" "$work/lba.log" || true)
  flips_b=$(grep -c "endpoint state changed.*rb1" "$work/lbb.log" || true)
  growth=$(( serve_rss[-1] - serve_rss[1] ))
  echo
  echo "soak: $soak_minutes min at $rate queries/s: dnsperf sent $sent, lost $lost; response codes: $codes"
  echo "dns_watch: $(count_answers "$t0" "$(now_ms)" "" not) answers, $(count_timeouts "$t0" "$(now_ms)") unanswered," \
    "$(count_answers "$t0" "$(now_ms)" "$vip_a" not) not site A"
  echo "flapping: gtm lb logged $flips_a state changes of ra1 and $flips_b of rb1;" \
    "gtm serve reloaded its config $(grep -c 'msg=reloaded' "$work/serve.log" || true) times"
  echo "gtm serve RSS: ${serve_rss[0]} KiB at the start, ${serve_rss[1]} KiB after the first minute," \
    "${serve_rss[-1]} KiB at the end ($growth KiB after the first minute)"
  echo "errors in the logs: serve $(grep -c 'level=error' "$work/serve.log" || true)," \
    "lb-a $(grep -c 'level=error' "$work/lba.log" || true), lb-b $(grep -c 'level=error' "$work/lbb.log" || true)"
}

for _ in $(seq 100); do
  [ "$(tail -n 1 "$work/watch.log" 2>/dev/null | awk '{print $3}')" = "$vip_a" ] && break
  sleep 0.1
done
[ "$(tail -n 1 "$work/watch.log" | awk '{print $3}')" = "$vip_a" ] || {
  echo "gtm serve never answered site A" >&2; tail -n 20 "$work/serve.log" "$work/lba.log" >&2; exit 1; }
sleep 3  # every monitor Online

for _ in $(seq 100); do echo "aovpn.vpn.example.com A"; done > "$work/queries"
echo "ns1.vpn.example.com A" >> "$work/queries"
echo "vpn.example.com SOA" >> "$work/queries"

dnsperf_run 5 "" "$work/max.txt"
wait "$perf_pid"
max_qps=$(perf_field "$work/max.txt" "Queries per second")
rate=$(echo "$max_qps / 2" | bc)
echo "lab: gtm serve (1 query thread) answers up to ${max_qps%.*} queries/s here (dnsperf, 5 s, unthrottled); load: $rate queries/s"
echo "monitors (sstp + ikev2): gtm serve interval $interval s, timeout $timeout s, tolerated_failures $tolerated;" \
  "gtm lb interval $lb_interval s, timeout $lb_timeout s, tolerated_failures $lb_tolerated"

if [ "$mode" = soak ]; then
  run_soak
  exit 0
fi

printf '\n%-22s %9s %7s %7s %8s %8s %16s\n' event "change s" bound wrong lost unansw "serve RSS KiB"
# report EVENT CHANGE_MS BOUND WRONG LOST UNANSWERED RSS_BEFORE RSS_AFTER
report() {
  local change
  if [ "$2" = stays ]; then change=stays
  elif [ "$2" -lt 0 ]; then change=never
  else change=$(printf '%.2f' "$(echo "$2 / 1000" | bc -l)"); fi
  printf '%-22s %9s %7s %7s %8s %8s %16s\n' "$1" "$change" "$3" "$4" "$5" "$6" "$7 -> $8"
}
# finish_event NAME CHANGE BOUND WRONG FROM_MS RSS_BEFORE: waits for dnsperf and prints the row.
finish_event() {
  wait "$perf_pid" || true
  local lost
  lost=$(perf_field "$work/perf-$1.txt" "Queries lost")
  report "$1" "$2" "$3" "$4" "${lost:-?}" "$(count_timeouts "$5" "$(now_ms)")" "$6" "$(rss_kib "$serve")"
}
bound_ms() { echo "$1 * 1000 / 1" | bc; }

# 1. A real server dies: its balancer moves its clients; DNS keeps site A.
rss=$(rss_kib "$serve"); dnsperf_run 10 "$rate" "$work/perf-server-dies.txt"; sleep 1
t0=$(now_ms); from=$(lines "$work/lba.log")
rras_stop ra1
lb_react=$(printf '%.2f' "$(lb_saw "$work/lba.log" ra1 Degraded "$from" 10)")
sleep 3
rras_start "$(ns ra1)" "${real_ip[ra1]}" ra1
lb_back=$(printf '%.2f' "$(lb_saw "$work/lba.log" ra1 Online "$from" 10)")
finish_event server-dies stays - "$(count_answers "$t0" "$(now_ms)" "$vip_a" not)" "$t0" "$rss"
echo "  (gtm lb on site A: ra1 Degraded ${lb_react} s after the stop (bound $lb_fail_bound s), Online ${lb_back} s after its services were up again)"

# failover_event NAME CUT RESTORE BACK_NAME BACK_BOUND: CUT must move DNS to
# site B within the failover bound, RESTORE bring it back within BACK_BOUND.
failover_event() {
  local name=$1 cut=$2 restore=$3 back_name=$4 back_bound=$5 rss t0 t2 change wrong back
  rss=$(rss_kib "$serve"); dnsperf_run 14 "$rate" "$work/perf-$name.txt"; sleep 1
  t0=$(now_ms)
  $cut
  change=$(first_answer "$vip_b" "$t0" 10)
  sleep 2
  wrong=$(count_answers $(( t0 + $(bound_ms "$fail_bound") )) "$(now_ms)" "$vip_a")
  $restore
  t2=$(now_ms)
  back=$(first_answer "$vip_a" "$t2" 10)
  finish_event "$name" "$change" "$fail_bound" "$wrong" "$t0" "$rss"
  report "$back_name" "$back" "$back_bound" \
    "$(count_answers $(( t2 + $(bound_ms "$back_bound") )) "$(now_ms)" "$vip_b")" - - - -
  sleep 2
}
site_a_down() { rras_stop ra1; rras_stop ra2; }
site_a_up() { rras_start "$(ns ra1)" "${real_ip[ra1]}" ra1; rras_start "$(ns ra2)" "${real_ip[ra2]}" ra2; }
link_a_down() { ip -n "$(ns core)" link set to-lba down; }
link_a_up() {
  ip -n "$(ns core)" link set to-lba up
  # The kernel dropped the route through the link when it went down: put it
  # back, as a routing protocol would.
  ip -n "$(ns core)" route replace "$vip_a/32" via 198.18.11.2
}

# 2. A whole site dies, then comes back.
failover_event site-dies site_a_down site_a_up site-back "$site_back_bound"
# 3. Site A's link is cut, then restored.
failover_event link-cut link_a_down link_a_up link-back "$back_bound"

# 4. A server flaps every 3 s for 24 s: its balancer follows; DNS keeps site A.
rss=$(rss_kib "$serve"); dnsperf_run 27 "$rate" "$work/perf-server-flaps.txt"; sleep 1
t0=$(now_ms); from=$(lines "$work/lba.log")
for _ in 1 2 3 4; do
  rras_stop ra1; sleep 3
  rras_start "$(ns ra1)" "${real_ip[ra1]}" ra1; sleep 3
done
flips=$(tail -n +"$from" "$work/lba.log" | grep -c "endpoint state changed.*ra1" || true)
finish_event server-flaps stays - "$(count_answers "$t0" "$(now_ms)" "$vip_a" not)" "$t0" "$rss"
echo "  (gtm lb on site A logged $flips state changes of ra1 over 4 stops and starts)"
sleep 2

# 5. A broken config is pushed (gtm serve keeps the old one), then a good one
#    that puts site B first, then the original again.
rss=$(rss_kib "$serve"); dnsperf_run 12 "$rate" "$work/perf-bad-config.txt"; sleep 1
t0=$(now_ms); from=$(lines "$work/serve.log")
printf '[[profile]\nname = broken\n' >> "$work/gtm.toml"
sleep 2
t1=$(now_ms)
kept=$(count_answers "$t0" "$t1" "$vip_a" not)
refused=$(tail -n +"$from" "$work/serve.log" | grep -c "gtm.toml:" || true)
serve_config b a > "$work/gtm.tmp" && mv "$work/gtm.tmp" "$work/gtm.toml"
t2=$(now_ms)
change=$(first_answer "$vip_b" "$t2" 10)
sleep 1
serve_config a b > "$work/gtm.tmp" && mv "$work/gtm.tmp" "$work/gtm.toml"
back=$(first_answer "$vip_a" "$(now_ms)" 10)
finish_event bad-config stays - "$kept" "$t0" "$rss"
report good-config "$change" "$reload_bound" - - - - -
report config-restored "$back" "$reload_bound" - - - - -
echo "  (the broken file was refused with $refused file:line:column message(s) and the old config kept serving)"

echo
echo "change s: from the event to the first answer that reflects it (dns_watch asks every 10 ms)."
echo "wrong: answers for the dead site after the bound, or, where the answer must stay, answers other than site A."
echo "lost: queries dnsperf sent at $rate/s that got no answer; unansw: dns_watch queries without an answer in 500 ms."
echo "gtm lb RSS KiB: site A $(rss_kib "$lb_a"), site B $(rss_kib "$lb_b") at the end."
echo "UDP receive buffer overflows over the whole run: at gtm serve $(udp_drops dns), at the client $(udp_drops client)."
