#!/usr/bin/env bash
# gtm as a hidden primary: how fast a failover reaches standard secondaries,
# beside the standard way to push a change through DNS today (a Knot primary
# changed with nsupdate). Everything on loopback (127.0.0.0/8), high ports.
#
#   1. gtm serve (SSTP monitors on two stand-in sites, interval 0.2 s) is
#      the primary of Knot, NSD, BIND 9 and PowerDNS, with TSIG and NOTIFY.
#      ROUNDS failovers (site A stopped, then started again, in turn). For
#      each, the time from gtm's own answer moving to each secondary
#      answering the new address (dns_watch asks every server every 5 ms):
#      p50 and p95 per secondary.
#   2. The same four secondaries (fresh) fed by a Knot primary, the answer
#      changed ROUNDS times with nsupdate (TSIG): the time from the Knot
#      primary's answer moving to each secondary's.
#   3. A zone of 1,000 profiles: its AXFR size, and the IXFR that one
#      endpoint disabled through the control API produces.
#
# Targets (issue 25): p95 under 1 s for every secondary, no slower than
# the Knot primary's propagation.
#
# Usage: bench/transfer.sh [rounds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}

. bench/common.sh
keep_logs=transfer-logs
bench_setup test

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_answer() {  # PORT NAME WANT SECONDS
  local deadline=$((SECONDS + $4))
  while [ "$(dig +short +time=1 +tries=1 @127.0.0.1 -p "$1" "$2")" != "$3" ]; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}

secret=$(tsig-keygen -a hmac-sha256 xfr | sed -n 's/.*secret "\(.*\)";/\1/p')
echo "$secret" > "$work/xfr.key"
names=(Knot NSD BIND PowerDNS)

# start_secondary NAME DIR PORT PRIMARY_PORT: started in the background; its PID in pids.
start_secondary() {
  local name=$1 d=$2 p=$3 primary=$4
  mkdir -p "$d/db"
  case $name in
    Knot)
      cat > "$d/knot.conf" <<EOF
server:
    listen: 127.0.0.1@$p
    rundir: "$d"
log:
  - target: stderr
    any: info
database:
    storage: "$d/db"
key:
  - id: xfr
    algorithm: hmac-sha256
    secret: $secret
remote:
  - id: primary
    address: 127.0.0.1@$primary
    key: xfr
acl:
  - id: notify
    address: 127.0.0.1
    key: xfr
    action: notify
zone:
  - domain: vpn.example.com.
    master: primary
    acl: notify
    file: "$d/vpn.example.com.zone"
    zonefile-sync: -1
EOF
      knotd -c "$d/knot.conf" 2> "$d/knot.log" & ;;
    NSD)
      cat > "$d/nsd.conf" <<EOF
server:
  ip-address: 127.0.0.1@$p
  username: ""
  chroot: ""
  zonesdir: "$d"
  database: ""
  pidfile: "$d/nsd.pid"
  xfrdfile: "$d/xfrd.state"
  zonelistfile: "$d/zone.list"
  xfrdir: "$d"
  xfrd-reload-timeout: 0
remote-control:
  control-enable: no
key:
  name: xfr
  algorithm: hmac-sha256
  secret: "$secret"
zone:
  name: vpn.example.com
  zonefile: vpn.example.com.zone
  allow-notify: 127.0.0.1 xfr
  request-xfr: 127.0.0.1@$primary xfr
EOF
      /usr/sbin/nsd -d -c "$d/nsd.conf" 2> "$d/nsd.log" & ;;
    BIND)
      cat > "$d/named.conf" <<EOF
options {
  directory "$d";
  listen-on port $p { 127.0.0.1; };
  listen-on-v6 { none; };
  pid-file "$d/named.pid";
  session-keyfile "$d/session.key";
  managed-keys-directory "$d";
  recursion no;
  dnssec-validation no;
  notify no;
};
controls { };
key "xfr" { algorithm hmac-sha256; secret "$secret"; };
zone "vpn.example.com" {
  type secondary;
  primaries port $primary { 127.0.0.1 key xfr; };
  file "$d/vpn.example.com.bak";
  allow-notify { key xfr; };
};
EOF
      /usr/sbin/named -g -c "$d/named.conf" 2> "$d/named.log" & ;;
    PowerDNS)
      sqlite3 "$d/pdns.sqlite3" < /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql
      sqlite3 "$d/pdns.sqlite3" "INSERT INTO domains (name, master, type) VALUES ('vpn.example.com', '127.0.0.1:$primary', 'SLAVE');
        INSERT INTO tsigkeys (name, algorithm, secret) VALUES ('xfr', 'hmac-sha256', '$secret');
        INSERT INTO domainmetadata (domain_id, kind, content) VALUES (1, 'AXFR-MASTER-TSIG', 'xfr');"
      cat > "$d/pdns.conf" <<EOF
launch=gsqlite3
gsqlite3-database=$d/pdns.sqlite3
local-address=127.0.0.1
local-port=$p
secondary=yes
allow-notify-from=127.0.0.0/8
socket-dir=$d
guardian=no
daemon=no
disable-syslog=yes
webserver=no
xfr-cycle-interval=1
EOF
      /usr/sbin/pdns_server --config-dir="$d" 2> "$d/pdns.log" & ;;
  esac
  pids+=($!)
}

# watch LABEL PORT: dns_watch of aovpn every 5 ms into $work/watch-LABEL.txt.
watch() {
  "$dir/dns_watch" --server "127.0.0.1:$2" --name aovpn.vpn.example.com --interval-ms 5 --timeout-ms 200 \
    > "$work/watch-$1.txt" &
  pids+=($!)
  watchers+=($!)
}

# lags PRIMARY_LABEL: for every change of the primary's answer, the time
# until each secondary answered the same; p50 and p95 per secondary.
lags() {
  local primary=$1
  for name in "${names[@]}"; do
    awk -v name="$name" '
      FNR == 1 { file++ }
      file == 1 && $2 == "NOERROR" { if ($3 != last) { n++; at[n] = $1; want[n] = $3; last = $3 } next }
      file == 2 && $2 == "NOERROR" { times[++m] = $1; answers[m] = $3 }
      END {
        k = 0
        for (i = 2; i <= n; i++) {  # the first is the initial answer
          for (j = 1; j <= m; j++) if (times[j] >= at[i] && answers[j] == want[i]) { lag[++k] = times[j] - at[i]; break }
        }
        if (k == 0) { printf "  %-9s no change seen\n", name; exit }
        for (i = 2; i <= k; i++) { v = lag[i]; for (j = i - 1; j >= 1 && lag[j] > v; j--) lag[j + 1] = lag[j]; lag[j + 1] = v }
        p50 = lag[int((k + 1) * 0.5)]; p95 = lag[int(k * 0.95) > 0 ? int(k * 0.95) : 1]
        if (int(k * 0.95) < k) p95 = lag[int(k * 0.95) + 1]
        printf "  %-9s %2d changes  p50 %5d ms  p95 %5d ms  max %5d ms\n", name, k, p50, p95, lag[k]
      }' "$work/watch-$primary.txt" "$work/watch-$primary-$name.txt"
  done
}

stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}

echo "== 1. gtm as primary: $rounds failovers"
sstp_port=$(port)
"$dir/sstp_test_server" --listen "127.0.20.10:$sstp_port" > /dev/null 2>&1 &
pids+=($!)
start_east() { "$dir/sstp_test_server" --listen "127.0.10.10:$sstp_port" > /dev/null 2>&1 & east=$!; pids+=($east); }
start_east
gtm_port=$(port)
declare -A sport
notify=""
for name in "${names[@]}"; do sport[$name]=$(port); notify+="${notify:+, }\"127.0.0.1:${sport[$name]}\""; done
cat > "$work/gtm.toml" <<EOF
[dns]
listen = ["127.0.0.1:$gtm_port"]
threads = 1

[[tsig_key]]
name = "xfr"
secret_file = "$work/xfr.key"

[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "127.0.0.53" } ]
transfer = { allow = ["127.0.0.1/32"], tsig = "xfr", notify = [$notify] }

[[monitor]]
name = "sstp"
protocol = "sstp"
port = $sstp_port
interval = 0.2
timeout = 0.15
tolerated_failures = 0

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
ttl = 5
monitors = ["sstp"]
  [[profile.endpoint]]
  name = "east"
  target = "127.0.10.10"
  [[profile.endpoint]]
  name = "west"
  target = "127.0.20.10"
EOF
"$dir/gtm" serve --config "$work/gtm.toml" 2> "$work/gtm.log" &
pids+=($!)
wait_answer "$gtm_port" aovpn.vpn.example.com 127.0.10.10 10
for name in "${names[@]}"; do start_secondary "$name" "$work/gtm-$name" "${sport[$name]}" "$gtm_port"; done
for name in "${names[@]}"; do wait_answer "${sport[$name]}" aovpn.vpn.example.com 127.0.10.10 20 || { echo "$name did not load the zone" >&2; exit 1; }; done
watchers=()
watch gtm "$gtm_port"
for name in "${names[@]}"; do watch "gtm-$name" "${sport[$name]}"; done
sleep 0.5
for ((i = 1; i <= rounds; i++)); do
  if ((i % 2)); then kill "$east"; want=127.0.20.10; else start_east; want=127.0.10.10; fi
  for name in "${names[@]}"; do wait_answer "${sport[$name]}" aovpn.vpn.example.com $want 10 || echo "  $name missed round $i" >&2; done
  sleep 1
done
sleep 0.3
kill "${watchers[@]}"
lags gtm
ixfrs=$(grep -c "IXFR" "$work"/gtm-Knot/knot.log || true)
echo "  (Knot took $ixfrs IXFR log lines; gtm serial now $(dig +short @127.0.0.1 -p "$gtm_port" vpn.example.com SOA | awk '{print $3}'))"
stop_all

echo "== 2. Knot as primary, changed with nsupdate: $rounds changes"
kport=$(port)
mkdir -p "$work/kp/db"
cat > "$work/kp/vpn.example.com.zone" <<EOF
\$ORIGIN vpn.example.com.
@ 3600 IN SOA ns1 hostmaster.example.com. 1 3600 600 1209600 30
@ 3600 IN NS ns1
ns1 3600 IN A 127.0.0.53
aovpn 5 IN A 127.0.10.10
EOF
notify_remotes=""
for name in "${names[@]}"; do sport[$name]=$(port); done
{
  cat <<EOF
server:
    listen: 127.0.0.1@$kport
    rundir: "$work/kp"
log:
  - target: stderr
    any: info
database:
    storage: "$work/kp/db"
key:
  - id: xfr
    algorithm: hmac-sha256
    secret: $secret
remote:
EOF
  for name in "${names[@]}"; do printf '  - id: %s\n    address: 127.0.0.1@%s\n    key: xfr\n' "$name" "${sport[$name]}"; done
  cat <<EOF
acl:
  - id: secondaries
    address: 127.0.0.1
    key: xfr
    action: [transfer, update]
zone:
  - domain: vpn.example.com.
    file: "$work/kp/vpn.example.com.zone"
    zonefile-sync: -1
    acl: secondaries
    notify: [$(IFS=,; echo "${names[*]}")]
EOF
} > "$work/kp/knot.conf"
knotd -c "$work/kp/knot.conf" 2> "$work/kp/knot.log" &
pids+=($!)
wait_answer "$kport" aovpn.vpn.example.com 127.0.10.10 10
for name in "${names[@]}"; do start_secondary "$name" "$work/knot-$name" "${sport[$name]}" "$kport"; done
for name in "${names[@]}"; do wait_answer "${sport[$name]}" aovpn.vpn.example.com 127.0.10.10 20 || { echo "$name did not load the zone" >&2; exit 1; }; done
watchers=()
watch knot "$kport"
for name in "${names[@]}"; do watch "knot-$name" "${sport[$name]}"; done
sleep 0.5
old=127.0.10.10
for ((i = 1; i <= rounds; i++)); do
  if ((i % 2)); then want=127.0.20.10; else want=127.0.10.10; fi
  printf 'server 127.0.0.1 %s\nzone vpn.example.com\nupdate delete aovpn.vpn.example.com A\nupdate add aovpn.vpn.example.com 5 A %s\nsend\n' \
    "$kport" "$want" | nsupdate -y "hmac-sha256:xfr:$secret"
  for name in "${names[@]}"; do wait_answer "${sport[$name]}" aovpn.vpn.example.com $want 10 || echo "  $name missed round $i" >&2; done
  old=$want
  sleep 1
done
sleep 0.3
kill "${watchers[@]}"
lags knot
stop_all

echo "== 3. IXFR size per change, zone of 1,000 profiles"
gport=$(port)
sport_status=$(port)
echo "bench-token-$RANDOM$RANDOM" > "$work/token"
{
  cat <<EOF
[dns]
listen = ["127.0.0.1:$gport"]
threads = 1

[status]
listen = "127.0.0.1:$sport_status"
token_file = "$work/token"

[[tsig_key]]
name = "xfr"
secret_file = "$work/xfr.key"

[[zone]]
origin = "vpn.example.com."
ns = ["ns1.vpn.example.com."]
soa = { mname = "ns1.vpn.example.com.", rname = "hostmaster.example.com." }
records = [ { name = "ns1", type = "A", data = "127.0.0.53" } ]
transfer = { allow = ["127.0.0.1/32"], tsig = "xfr" }
EOF
  for ((p = 0; p < 1000; p++)); do
    printf '\n[[profile]]\nname = "p%d"\nfqdn = "p%d.vpn.example.com."\n  [[profile.endpoint]]\n  name = "a"\n  target = "198.18.%d.%d"\n  [[profile.endpoint]]\n  name = "b"\n  target = "198.19.%d.%d"\n' \
      $p $p $((p / 250)) $((p % 250 + 1)) $((p / 250)) $((p % 250 + 1))
  done
} > "$work/big.toml"
"$dir/gtm" serve --config "$work/big.toml" 2> "$work/big.log" &
pids+=($!)
wait_answer "$gport" p0.vpn.example.com 198.18.0.1 20
key="-y hmac-sha256:xfr:$secret"
before=$(dig +short @127.0.0.1 -p "$gport" vpn.example.com SOA | awk '{print $3}')
axfr=$(kdig @127.0.0.1 -p "$gport" $key vpn.example.com AXFR | sed -n 's/;; Received \([0-9]*\) B (\([0-9]*\) messages, \([0-9]*\) records).*/\1 bytes in \2 messages, \3 records/p')
"$dir/gtm" endpoint disable p500/a --config "$work/big.toml" > /dev/null
sleep 0.5
after=$(dig +short @127.0.0.1 -p "$gport" vpn.example.com SOA | awk '{print $3}')
ixfr=$(kdig @127.0.0.1 -p "$gport" $key vpn.example.com IXFR="$before" | sed -n 's/;; Received \([0-9]*\) B (\([0-9]*\) messages, \([0-9]*\) records).*/\1 bytes in \2 messages, \3 records/p')
echo "  AXFR: $axfr"
echo "  IXFR $before -> $after (one endpoint disabled): $ixfr"
