#!/usr/bin/env bash
# Installs what is missing, builds gtm, starts an SSTP stand-in for each of
# the example's two sites, and runs `gtm serve` on conf/example.toml in the
# foreground (Ctrl-C stops it all).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
dir=$(scripts/build.sh release gtm sstp_test_server)
"$dir/gtm" check --config conf/example.toml >/dev/null

stand_ins=()
cleanup() { for pid in "${stand_ins[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
for site in 127.0.10.10 127.0.20.10; do
  "$dir/sstp_test_server" --listen "$site:8443" --cn aovpn.vpn.example.com >/dev/null &
  stand_ins+=($!)
done

echo
echo "gtm serves vpn.example.com on 127.0.0.1:5353 and [::1]:5353. Ask it:"
echo "  dig @127.0.0.1 -p 5353 aovpn.vpn.example.com A"
echo "SSTP stand-ins run on 127.0.10.10:8443 (east, PIDs ${stand_ins[0]}) and 127.0.20.10:8443 (west, ${stand_ins[1]});"
echo "kill the east one and the answer moves to west within about 2.5 s."
echo "The status page for the admin on call: http://127.0.0.1:8053/ (and $dir/gtm status --config conf/example.toml,"
echo "$dir/gtm events --config conf/example.toml --follow)."
echo
"$dir/gtm" serve --config conf/example.toml
