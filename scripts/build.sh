#!/usr/bin/env bash
# Configures and builds one flavour of gtm into its own folder.
# Usage: scripts/build.sh release|asan|fuzz [TARGET...]   (prints the build folder)
# With targets, only those are built (the example needs gtm and the SSTP
# stand-in, not the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
shift || true
# Release and ASan compile several sources of a target as one (a unity
# build: Boost's and the JSON library's headers parsed once per batch of
# eight files instead of once per file); the Debian package and the
# fuzz build compile each file on its own, so a file that only compiles
# beside its neighbours still fails in CI.
case "$flavour" in
  # Release as a packager builds it (-O3), with warnings as errors.
  release) dir=build; args=(-DCMAKE_BUILD_TYPE=Release -DGTM_WERROR=ON -DCMAKE_UNITY_BUILD=ON) ;;
  asan) dir=build-asan; args=(-DCMAKE_BUILD_TYPE=Debug -DGTM_SANITIZE=ON -DGTM_WERROR=ON -DCMAKE_UNITY_BUILD=ON) ;;
  fuzz) dir=build-fuzz; args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DGTM_FUZZ_ONLY=ON -DGTM_LIBFUZZER=ON -DGTM_WERROR=ON) ;;
  *) echo "build.sh: unknown flavour '$flavour' (release, asan, fuzz)" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -G Ninja "${args[@]}" >&2
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$dir" "${targets[@]}" >&2
echo "$dir"
