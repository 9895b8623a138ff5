#!/usr/bin/env bash
# Installs what is missing, builds gtm, and runs `gtm serve` on
# conf/example.toml in the foreground (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
dir=$(scripts/build.sh release)
"$dir/gtm" check --config conf/example.toml >/dev/null
echo
echo "gtm serves vpn.example.com on 127.0.0.1:5353 and [::1]:5353. Ask it:"
echo "  dig @127.0.0.1 -p 5353 aovpn.vpn.example.com A"
echo
exec "$dir/gtm" serve --config conf/example.toml
