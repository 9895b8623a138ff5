#!/usr/bin/env bash
# The site balancer against HAProxy (TCP mode) and nginx (stream module), in
# the same run and on the same namespace topology:
#
#   client 198.18.40.2 -- lb 198.18.40.1 / VIP 198.18.0.10 / 198.18.41.1 -- real 198.18.41.11
#
# The real server runs iperf3 and probe_sink (accepts and closes). On the lb
# host: gtm lb (kernel DNAT) on the VIP's own ports, HAProxy and nginx as
# proxies on other ports of the same VIP. Prints, for each: TCP bulk
# throughput (iperf3, 5 s), new TCP connections per second end to end
# (tcp_connect_rate, 4 loops), and UDP packets per second delivered with
# 64-byte datagrams (iperf3 -u; HAProxy has no UDP).
#
# Needs root (namespaces). Usage: bench/lb_vs_haproxy_nginx.sh [seconds, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
[ "$(id -u)" -eq 0 ] || { echo "lb_vs_haproxy_nginx.sh needs root for network namespaces" >&2; exit 1; }
. bench/common.sh
bench_setup test bench
c=gtmlbc-$$ l=gtmlbl-$$ r=gtmlbr-$$
namespaces=("$c" "$l" "$r")

vip=198.18.0.10 real=198.18.41.11
for ns in $c $l $r; do ip netns add "$ns"; ip netns exec "$ns" ip link set lo up; done
ip link add gtmbc netns "$c" type veth peer name gtmbl netns "$l"
ip link add gtmbr netns "$r" type veth peer name gtmbs netns "$l"
ip -n "$c" addr add 198.18.40.2/24 dev gtmbc; ip -n "$c" link set gtmbc up
ip -n "$l" addr add 198.18.40.1/24 dev gtmbl; ip -n "$l" link set gtmbl up
ip -n "$l" addr add 198.18.41.1/24 dev gtmbs; ip -n "$l" link set gtmbs up
ip -n "$r" addr add $real/24 dev gtmbr; ip -n "$r" link set gtmbr up
ip -n "$l" addr add $vip/32 dev lo
ip -n "$c" route add default via 198.18.40.1
ip -n "$r" route add default via 198.18.41.1
ip netns exec "$l" sysctl -qw net.ipv4.ip_forward=1

# The real server.
ip netns exec "$r" iperf3 -s -p 5201 >/dev/null 2>&1 & pids+=($!)
ip netns exec "$r" "$dir/probe_sink" --listen $real:7000 >/dev/null & pids+=($!)

# gtm lb: DNAT on the VIP's own ports.
cat > "$work/lb.toml" <<TOML
[lb]
table = "gtm_lb_bench"
[[service]]
name = "tcp"
vip = "$vip"
protocol = "tcp"
ports = [5201, 7000]
  [[service.real]]
  name = "real"
  address = "$real"
[[service]]
name = "udp"
vip = "$vip"
protocol = "udp"
ports = [5201]
  [[service.real]]
  name = "real"
  address = "$real"
TOML
ip netns exec "$l" "$dir/gtm" lb --config "$work/lb.toml" 2>"$work/lb.log" & pids+=($!)

# HAProxy: 6201 -> iperf3, 6000 -> probe_sink.
cat > "$work/haproxy.cfg" <<CFG
global
  maxconn 8000
defaults
  mode tcp
  timeout connect 2s
  timeout client 30s
  timeout server 30s
listen iperf
  bind $vip:6201
  server real $real:5201
listen sink
  bind $vip:6000
  server real $real:7000
CFG
ip netns exec "$l" haproxy -f "$work/haproxy.cfg" -db >/dev/null 2>&1 & pids+=($!)

# nginx stream: 8201 tcp and udp -> iperf3, 8000 -> probe_sink.
mkdir -p "$work/nginx"
cat > "$work/nginx/nginx.conf" <<CFG
load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 20000; }
stream {
  server { listen $vip:8201; proxy_pass $real:5201; }
  server { listen $vip:8201 udp; proxy_pass $real:5201; proxy_timeout 10s; }
  server { listen $vip:8000; proxy_pass $real:7000; }
}
CFG
ip netns exec "$l" nginx -c "$work/nginx/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 & pids+=($!)
sleep 1.5

cx() { ip netns exec "$c" "$@"; }
tcp_bulk() { cx iperf3 -c $vip -p "$1" -t "$secs" -J 2>/dev/null | sed -n 's/.*"bits_per_second":[[:space:]]*\([0-9.e+]*\).*/\1/p' | tail -n 1; }
udp_pps() {
  cx iperf3 -u -c $vip -p "$1" -t "$secs" -l 64 -b 0 -J 2>/dev/null > "$work/udp.json" || true
  # Datagrams the server received per second: sent minus lost, over the time.
  awk '/"sum":/ { s = 1 } s && /"packets":/ { gsub(/[^0-9]/, ""); p = $0 } s && /"lost_packets":/ { gsub(/[^0-9]/, ""); l = $0 }
       s && /"seconds":/ { gsub(/[^0-9.]/, ""); t = $0 } END { if (t > 0) printf "%.0f", (p - l) / t; else print "-" }' "$work/udp.json"
}
conn_rate() { cx "$dir/tcp_connect_rate" --to "$vip:$1" --seconds "$secs" --parallel 4 | sed -n 's/.*rate=\([0-9]*\).*/\1/p'; }

printf '%-10s %16s %14s %14s\n' "" "tcp Gbit/s" "new conn/s" "udp pkt/s"
row() {
  local name=$1 tport=$2 cport=$3 uport=$4 bulk conn udp
  bulk=$(tcp_bulk "$tport"); conn=$(conn_rate "$cport")
  udp=-; [ "$uport" != "-" ] && udp=$(udp_pps "$uport")
  printf '%-10s %16.2f %14s %14s\n' "$name" "$(awk -v b="${bulk:-0}" 'BEGIN { print b / 1e9 }')" "$conn" "$udp"
}
row "gtm lb" 5201 7000 5201
row "haproxy" 6201 6000 -
row "nginx" 8201 8000 8201
echo "(one real server; client, balancer and real server share this machine's $(nproc) cores)"
