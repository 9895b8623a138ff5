#!/usr/bin/env bash
# Builds the Debian package (debian/, dpkg-buildpackage -us -uc -b) from a
# copy of the tracked files, puts gtm_VERSION_ARCH.deb in build/package/
# and runs lintian on it (errors fail; what remains is printed).
#   scripts/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh package >&2
out=$PWD/build/package
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/gtm"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z | xargs -0 cp --parents -t "$work/gtm"
else
  tar --exclude='./build*' --exclude='./obj-*' -cf - . | tar -C "$work/gtm" -xf -
fi
(cd "$work/gtm" && dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1) ||
  { tail -n 40 "$out/build.log"; echo "package: dpkg-buildpackage failed (log: $out/build.log)" >&2; exit 1; }
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out/"
deb=$(ls "$out"/gtm_*.deb)
echo "package: $deb"
lintian --fail-on error --info "$out"/*.changes | tee "$out/lintian.log"
