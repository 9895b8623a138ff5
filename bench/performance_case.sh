# shellcheck shell=bash
# shellcheck disable=SC2154  # $work, $gtm_port, ... come from bench/dns_vs_gdnsd.sh
# Part 4 of bench/dns_vs_gdnsd.sh: performance routing (the nearest site by
# distance), gtm's routing = "performance" against gdnsd's geoip plugin in
# its automatic mode (auto_dc_coords, no map), the same database and the
# same site coordinates. Every network of the database is asked of both
# first (differences are listed; they may only be ties); then the same
# fixed load of ECS queries (a /24 in Munich), the servers taking turns for
# $rounds rounds (the ratios come from each server's median row).
perf_db=$work/perf.mmdb
perl tests/support/make_geoip_db.pl "$perf_db"

# Four sites; priority order singapore, virginia, amsterdam, california (the
# order gdnsd's datacenters list gives, for clients without coordinates).
perf_sites=(singapore:1.35:103.82:127.0.10.1 virginia:38.95:-77.45:127.0.10.2
            amsterdam:52.37:4.90:127.0.10.3 california:37.39:-122.08:127.0.10.4)
gtm_dns "" > "$work/gtm-perf.toml"
bench_zone_toml "" | sed '/^\[\[profile\]\]/,$d' >> "$work/gtm-perf.toml"
{
  printf '[geoip]\ndatabase = "%s"\n\n[[profile]]\nname = "aovpn"\nfqdn = "aovpn.vpn.example.com."\nttl = 30\n' "$perf_db"
  printf 'routing = "performance"\n'
  for s in "${perf_sites[@]}"; do
    IFS=: read -r name lat lon addr <<<"$s"
    printf '  [[profile.endpoint]]\n  name = "%s"\n  target = "%s"\n  location = { lat = %s, lon = %s }\n' \
      "$name" "$addr" "$lat" "$lon"
  done
} >> "$work/gtm-perf.toml"
# And in its AF_XDP mode, as gtm-xdp in part 1.
sed 's/^threads = 1$/threads = 1\nxdp_interface = "gtmbs"/' "$work/gtm-perf.toml" > "$work/gtm-perf-xdp.toml"

mkdir -p "$work/gdnsd-perf/zones" "$work/gdnsd-perf/run" "$work/gdnsd-perf/state"
dcs="" coords="" dcmap=""
for s in "${perf_sites[@]}"; do
  IFS=: read -r name lat lon addr <<<"$s"
  dcs+="$name, " coords+="$name => [ $lat, $lon ], " dcmap+="$name => $addr, "
done
cat > "$work/gdnsd-perf/config" <<CONF
options => {
  listen => [ $server_ip:$gdnsd_port ]
  udp_threads => 1
  tcp_threads => 1
  run_dir => $work/gdnsd-perf/run
  state_dir => $work/gdnsd-perf/state
}
plugins => {
  geoip => {
    maps => {
      perf => {
        geoip2_db => $perf_db
        datacenters => [ ${dcs%, } ]
        auto_dc_coords => { ${coords%, } }
        auto_dc_limit => 4
      }
    }
    resources => {
      aovpn => {
        map => perf
        dcmap => { ${dcmap%, } }
      }
    }
  }
}
CONF
sed -e 's/DYNA simplefo!aovpn/DYNA geoip!aovpn/' "$work/gdnsd/zones/vpn.example.com" > "$work/gdnsd-perf/zones/vpn.example.com"

perf_ask() { in_cli dig @"$server_ip" -p "$1" +time=1 +tries=1 +subnet="$2" aovpn.vpn.example.com A 2>/dev/null |
             awk '/^aovpn/ { a = $5 } /CLIENT-SUBNET/ { s = $3 } END { print a, s }'; }
echo
echo "4. performance: the nearest of four sites by the same coordinates, every network of the database asked of both"
perf_networks=(198.18.1.0/24 198.18.2.0/24 198.18.3.0/24 198.18.4.0/24 198.18.5.0/24 198.18.6.0/25 198.18.7.0/24
               198.18.8.0/24 2001:db8:1::/48 2001:db8:3::/48 203.0.113.0/24)
: > "$work/perf-answers"
for s in gtm-perf gtm-perf-xdp gdnsd-perf; do
  start_server "$s"
  for subnet in "${perf_networks[@]}"; do echo "$s $subnet $(perf_ask "$server_port" "$subnet")"; done |
    tee -a "$work/perf-answers"
  stop "$server_pid"
done
# The addresses are compared; the ECS scopes are printed above (gdnsd
# merges neighbouring networks with the same answer into a wider scope).
differences=$(awk '$1 ~ /^gtm/ { g[$1 " " $2] = $3 } $1 == "gdnsd-perf" { d[$2] = $3 }
                   END { for (k in g) { split(k, f, " "); if (g[k] != d[f[2]])
                           print "  differs: " f[2] " " f[1] " " g[k] ", gdnsd " d[f[2]] } }' "$work/perf-answers")
echo "${differences:-  the same answer for every network}"
echo "   then the same fixed load of ECS queries (a /24 in Munich), the servers taking turns, $rounds rounds"
printf '%-12s %9s %7s %12s %12s %8s\n' server "answers/s" lost "machine-us/a" "core0-us/a" "lat-us"
fixed_rounds "$rounds" "$work/perf" gtm-perf gtm-perf-xdp gdnsd-perf -- -E 8:00011800c61201
awk '{ m[$1] = $4; c[$1] = $5 } END { if (m["gdnsd-perf"] > 0) for (s in m) if (s != "gdnsd-perf" && m[s] > 0)
  printf "  %-12s answers per CPU-second over gdnsd auto_dc_coords: %.2fx whole machine, %.2fx server core (target >= 1.2x)\n",
         s, m["gdnsd-perf"] / m[s], c["gdnsd-perf"] / c[s] }' "$work/perf.median" | sort
