#!/usr/bin/env bash
# Installs the Debian 12 packages gtm needs, and only those missing.
# Usage: scripts/install-deps.sh [build] [test] [bench] [package]   (default: build)
set -euo pipefail

build=(cmake ninja-build g++ pkg-config libldns-dev libboost-dev libssl-dev libtomlplusplus-dev nlohmann-json3-dev
       libnftables-dev libnetfilter-conntrack-dev libsystemd-dev libmaxminddb-dev pandoc
       libgtest-dev libgmock-dev clang libbpf-dev libxdp-dev)
test=(clang libclang-rt-14-dev dnsutils knot-dnsutils ldnsutils nftables conntrack openssl curl chromium
      strongswan-charon strongswan-swanctl libstrongswan-standard-plugins ike-scan iproute2 util-linux
      etcd-server etcd-client unbound freeradius libmaxmind-db-writer-perl mmdb-bin
      prometheus man-db knot zonemaster-cli nsd bind9 bind9-utils pdns-server pdns-backend-sqlite3 sqlite3 faketime
      nginx-light)
packaging=(debhelper lintian fakeroot dpkg-dev)
bench=(dnsperf gdnsd knot knot-dnsutils nsd util-linux procps bc iproute2 haproxy nginx-light libnginx-mod-stream iperf3
       libmaxmind-db-writer-perl)

want=()
for group in "${@:-build}"; do
  case "$group" in
    build) want+=("${build[@]}") ;;
    test) want+=("${build[@]}" "${test[@]}") ;;
    bench) want+=("${build[@]}" "${bench[@]}") ;;
    package) want+=("${build[@]}" "${packaging[@]}") ;;
    *) echo "install-deps: unknown group '$group' (build, test, bench, package)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root or install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
# gdnsd's, Knot's, NSD's, BIND's, PowerDNS's and unbound's packages start a
# system service on port 53, etcd-server one on 2379, freeradius one on 1812
# prometheus one on 9090 (only its promtool is used) and nginx one on 80
# (the tests start their own, serving CRLs); the tests and
# benchmarks run their own instances, so the packaged ones are stopped where
# systemd runs.
for service in gdnsd knot nsd named pdns etcd unbound freeradius prometheus nginx; do
  package=$service
  [ "$service" = nginx ] && package=nginx-light
  [ "$service" = etcd ] && package=etcd-server
  [ "$service" = named ] && package=bind9
  [ "$service" = pdns ] && package=pdns-server
  if printf '%s\n' "${missing[@]}" | grep -qx "$package" && command -v systemctl >/dev/null; then
    systemctl disable --now "$service" >/dev/null 2>&1 || true
  fi
done
