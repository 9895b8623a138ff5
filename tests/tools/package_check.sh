#!/usr/bin/env bash
# The Debian package end to end, on this machine (root; CI runs it): build
# it (scripts/package.sh, lintian without errors), install it with dpkg,
# check what it installed (the starter config checks, the gtm user exists,
# the units verify and are enabled, both man pages render without a
# warning), install it again as an upgrade (running units restarted, none
# stopped), remove it (units stopped, state kept), then purge it and check
# that none of its files, nor its state directory, is left.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "package_check: needs root (dpkg -i)"; exit 77; }
# Build-Depends are exactly the build group of scripts/install-deps.sh
# (besides debhelper's own).
wanted=$(sed -n '/^build=(/,/)/p' scripts/install-deps.sh | tr -d '()' | sed 's/^build=//' | tr ' ' '\n' | grep . | sort)
declared=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' debian/control | sed 's/^Build-Depends://' | tr ',' '\n' |
           sed 's/^ *//; s/ .*//' | grep -v -e '^debhelper-compat' -e '^dh-sequence-' -e '^[A-Z]' | grep . | sort)
[ "$wanted" = "$declared" ] ||
  { echo "package_check: Build-Depends differ from install-deps.sh's build group:"; diff <(echo "$wanted") <(echo "$declared"); exit 1; }
scripts/package.sh
deb=$(ls build/package/gtm_*_*.deb | grep -v dbgsym)
files=$(dpkg -c "$deb" | awk '{ print substr($6, 2) }' | grep -v '/$')
dpkg -i "$deb"
fail() { echo "package_check: $*" >&2; dpkg --purge gtm >/dev/null 2>&1 || true; exit 1; }
/usr/sbin/gtm check --config /etc/gtm/gtm.toml > /dev/null || fail "the installed /etc/gtm/gtm.toml does not check"
id gtm > /dev/null || fail "no gtm user after install"
for unit in gtm-serve.service gtm-lb.service; do
  out=$(systemd-analyze verify "/lib/systemd/system/$unit" 2>&1 | grep "$unit" || true)
  [ -z "$out" ] || fail "systemd-analyze verify $unit: $out"
  [ -e "/etc/systemd/system/multi-user.target.wants/$unit" ] || fail "$unit is not enabled"
done
for page in /usr/share/man/man8/gtm.8.gz /usr/share/man/man5/gtm.toml.5.gz; do
  warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
  [ -z "$warnings" ] || fail "man -l $page: $warnings"
done
# The maintainer scripts, by their effects: a stand-in deb-systemd-invoke
# first on dpkg's PATH records what they ask systemd (this machine may run
# without it). An upgrade (the same package again) restarts running units
# and stops none; removal stops them; purge removes the state directory.
invoked=$(mktemp)
shim=/usr/local/sbin/deb-systemd-invoke
[ ! -e "$shim" ] || fail "$shim exists already: not replacing it"
printf '#!/bin/sh\necho "$*" >> %s\n' "$invoked" > "$shim"
chmod 755 "$shim"
trap 'rm -f "$shim" "$invoked"' EXIT
dpkg -i "$deb"
grep -qx 'try-restart gtm-serve.service gtm-lb.service' "$invoked" || fail "an upgrade does not restart the running units: $(cat "$invoked")"
! grep -q '^stop' "$invoked" || fail "an upgrade stops the units: $(cat "$invoked")"
: > "$invoked"
mkdir -p /var/lib/gtm && echo '{"endpoints":{}}' > /var/lib/gtm/admin-state.json
dpkg -r gtm
grep -qx 'stop gtm-serve.service gtm-lb.service' "$invoked" || fail "removal does not stop the units: $(cat "$invoked")"
[ -e /var/lib/gtm/admin-state.json ] || fail "removal (not purge) removed the state directory"
rm -f "$shim"
dpkg --purge gtm
[ ! -e /var/lib/gtm ] || fail "/var/lib/gtm is left after purge"
left=""
for f in $files /etc/gtm /etc/systemd/system/multi-user.target.wants/gtm-serve.service; do
  [ -e "$f" ] && left="$left $f"
done
[ -z "$left" ] || { echo "package_check: left after purge:$left" >&2; exit 1; }
echo "package_check: built, lintian clean of errors, installed, checked, purged without a trace ($(wc -w <<<"$files") files)"
