# shellcheck shell=bash
# shellcheck disable=SC2154  # $work, $gtm_port, ... come from bench/dns_vs_gdnsd.sh
# Part 3 of bench/dns_vs_gdnsd.sh: geographic routing, gtm against gdnsd's
# geoip plugin, one map, one database, one fixed load of ECS queries.
geo_db=$work/geo.mmdb
perl tests/support/make_geoip_db.pl "$geo_db"

# The map: Bavaria -> munich, the rest of Europe -> amsterdam, California ->
# california, the rest of North America and the world -> virginia, Japan -> tokyo.
gtm_dns "" > "$work/gtm-geo.toml"
bench_zone_toml "" | sed '/^\[\[profile\]\]/,$d' >> "$work/gtm-geo.toml"
cat >> "$work/gtm-geo.toml" <<TOML
[geoip]
database = "$geo_db"

[[profile]]
name = "aovpn"
fqdn = "aovpn.vpn.example.com."
ttl = 30
routing = "geographic"
  [[profile.endpoint]]
  name = "amsterdam"
  target = "127.0.10.1"
  regions = ["EU"]
  [[profile.endpoint]]
  name = "munich"
  target = "127.0.10.2"
  regions = ["DE-BY"]
  [[profile.endpoint]]
  name = "virginia"
  target = "127.0.10.3"
  regions = ["NA", "WORLD"]
  [[profile.endpoint]]
  name = "california"
  target = "127.0.10.4"
  regions = ["US-CA"]
  [[profile.endpoint]]
  name = "tokyo"
  target = "127.0.10.5"
  regions = ["JP"]
TOML

# And in its AF_XDP mode, as gtm-xdp in part 1.
sed 's/^threads = 1$/threads = 1\nxdp_interface = "gtmbs"/' "$work/gtm-geo.toml" > "$work/gtm-geo-xdp.toml"

mkdir -p "$work/gdnsd-geo/zones" "$work/gdnsd-geo/run" "$work/gdnsd-geo/state"
cat > "$work/gdnsd-geo/config" <<CONF
options => {
  listen => [ $server_ip:$gdnsd_port ]
  udp_threads => 1
  tcp_threads => 1
  run_dir => $work/gdnsd-geo/run
  state_dir => $work/gdnsd-geo/state
}
plugins => {
  geoip => {
    maps => {
      vpn => {
        geoip2_db => $geo_db
        datacenters => [amsterdam, munich, virginia, california, tokyo]
        map => {
          EU => { default => [amsterdam], DE => { default => [amsterdam], BY => [munich] } }
          NA => { default => [virginia], US => { default => [virginia], CA => [california] } }
          AS => { default => [virginia], JP => [tokyo] }
          default => [virginia]
        }
      }
    }
    resources => {
      aovpn => {
        map => vpn
        dcmap => { amsterdam => 127.0.10.1, munich => 127.0.10.2, virginia => 127.0.10.3,
                   california => 127.0.10.4, tokyo => 127.0.10.5 }
      }
    }
  }
}
CONF
sed -e 's/DYNA simplefo!aovpn/DYNA geoip!aovpn/' "$work/gdnsd/zones/vpn.example.com" > "$work/gdnsd-geo/zones/vpn.example.com"

geo_ask() { in_cli dig @"$server_ip" -p "$1" +time=1 +tries=1 +subnet="$2" aovpn.vpn.example.com A 2>/dev/null |
            awk '/^aovpn/ { a = $5 } /CLIENT-SUBNET/ { s = $3 } END { print a, s }'; }
echo
echo "3. geographic: the same map and database, dnsperf -Q $rate for $duration s, every query with ECS 198.18.1.0/24 (Bavaria)"
geo_servers=(gtm-geo gtm-geo-xdp gdnsd-geo)
for s in "${geo_servers[@]}"; do
  start_server "$s"
  for subnet in 198.18.1.0/24 198.18.2.0/24 198.18.3.0/24 198.18.4.0/24 198.18.5.0/24 198.18.6.0/24 203.0.113.0/24; do
    a=$(geo_ask "$server_port" "$subnet")
    expected=$(grep -F "$subnet|" <<<"${geo_answers:-}" | cut -d'|' -f2 || true)
    # The address must agree; the ECS scope each reports is printed, not compared.
    [ -z "$expected" ] || [ "${expected%% *}" = "${a%% *}" ] ||
      { echo "geographic answers differ for $subnet: $s '$a', before '$expected'" >&2; exit 1; }
    [ -n "$expected" ] || geo_answers="${geo_answers:-}$subnet|$a"$'\n'
    echo "  $s $subnet -> $a"
  done
  stop "$server_pid"
done
echo "aovpn.vpn.example.com A" > "$work/queries.txt"
printf '%-12s %9s %7s %12s %12s %8s\n' server "answers/s" lost "machine-us/a" "core0-us/a" "lat-us"
: > "$work/geo"
for s in "${geo_servers[@]}"; do
  start_server "$s"
  fixed_load "$s" "$server_port" -E 8:00011800c61201 | tee -a "$work/geo"
  stop "$server_pid"
done
awk '{ m[$1] = $4; c[$1] = $5 } END { if (m["gdnsd-geo"] > 0) for (s in m) if (s != "gdnsd-geo")
  printf "  %-12s answers per CPU-second over gdnsd geoip: %.2fx whole machine, %.2fx server core (target >= 1.2x)\n",
         s, m["gdnsd-geo"] / m[s], c["gdnsd-geo"] / c[s] }' "$work/geo" | sort
