#!/usr/bin/env bash
# The soak: the two-site lab of bench/lab.sh for MINUTES (default 10) at half
# the maximum rate measured there, with one server per site flapping.
# Needs root. Usage: bench/soak.sh [minutes]
exec "$(dirname "$0")/lab.sh" --soak "${1:-10}"
