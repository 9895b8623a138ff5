# shellcheck shell=bash
# shellcheck disable=SC2154  # $work and $dir come from bench/common.sh
# Sourced by the benchmarks that need RRAS stand-ins: strongSwan's charon
# (IKEv2 on UDP 500/4500) and the SSTP test server (TCP 443), run inside a
# network namespace. Needs $work, $dir and the `pids` array (bench/common.sh).
#
#   rras_start NS ADDRESS KEY   starts both in NS, serving ADDRESS; waits for charon
#   rras_stop KEY               stops both (the rest of the namespace stays up)

# rras_start NS ADDRESS KEY
rras_start() {
  local ns=$1 address=$2 key=$3
  local home=$work/rras-$key
  mkdir -p "$home"
  cat > "$home/strongswan.conf" <<CONF
charon {
  load = random nonce openssl pem pkcs1 x509 pubkey socket-default kernel-netlink vici
  install_routes = no
  plugins { vici { socket = unix://$home/charon.vici } }
}
CONF
  cat > "$home/swanctl.conf" <<CONF
connections { probe { proposals = aes256-sha256-ecp256, aes128-sha1-modp2048
  local { auth = psk
    id = gw }
  remote { auth = psk }
  children { c { } } } }
secrets { ike-probe { secret = "benchmark-only" } }
CONF
  rm -f "$home/charon.vici"
  # A private /run, so that charons in several namespaces do not share a pid file.
  ip netns exec "$ns" env STRONGSWAN_CONF="$home/strongswan.conf" \
    unshare -m sh -c "mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon" >>"$home/charon.log" 2>&1 &
  eval "rras_charon_$key=$!"
  pids+=($!)
  ip netns exec "$ns" "$dir/sstp_test_server" --listen "$address:443" --cn aovpn.vpn.example.com \
    >>"$home/sstp.log" 2>&1 &
  eval "rras_sstp_$key=$!"
  pids+=($!)
  for _ in $(seq 50); do
    swanctl --load-all --file "$home/swanctl.conf" --uri "unix://$home/charon.vici" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "charon in $ns did not start" >&2
  return 1
}

# rras_stop KEY
rras_stop() {
  local c s
  eval "c=\${rras_charon_$1:-} s=\${rras_sstp_$1:-}"
  [ -n "$c" ] || return 0
  kill "$c" "$s" 2>/dev/null || true
  wait "$c" "$s" 2>/dev/null || true
  eval "rras_charon_$1= rras_sstp_$1="
}
