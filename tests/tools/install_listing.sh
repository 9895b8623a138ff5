#!/usr/bin/env bash
# `cmake --install` into a DESTDIR: exactly the files of the manifest, the
# installed gtm checks the installed starter config, the bash completion
# parses, and a second install keeps a config the admin edited.
#   install_listing.sh BUILD_DIR MANIFEST CONFDIR
set -euo pipefail
build=$1 manifest=$2 confdir=$3
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR=$dest cmake --install "$build" > /dev/null
diff -u <(sort "$manifest") <(cd "$dest" && find . -type f -o -type l | sed 's|^\.||' | sort) ||
  { echo "install_listing: the installed files differ from $manifest (- expected, + installed)"; exit 1; }
gtm=$(grep '/gtm$' "$manifest" | grep -v completion)
"$dest$gtm" check --config "$dest$confdir/gtm.toml" > /dev/null ||
  { echo "install_listing: the starter config does not check"; exit 1; }
bash -n "$dest$(grep completions "$manifest")"
echo "# edited" >> "$dest$confdir/gtm.toml"
DESTDIR=$dest cmake --install "$build" > /dev/null
grep -q '^# edited$' "$dest$confdir/gtm.toml" || { echo "install_listing: a second install replaced gtm.toml"; exit 1; }
echo "install_listing: $(wc -l < "$manifest") files installed as listed; the starter config checks and is kept"
