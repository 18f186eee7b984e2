#!/usr/bin/env bash
# Instructions the compiler proper (cc1plus, clang -cc1) executes for one loss TU of tu.hpp,
# counted by valgrind: the same count run after run, where this shared machine's CPU time drifts
# by up to 2x within an hour (docs/perf-log.md, 2026-12-08). Slow: 3-5 minutes per TU; the
# counts of two trees can run side by side (they do not depend on load).
#   bench/compile_time/instructions.sh [--root DIR] [--cxx g++|clang++] [flags...]
#   bench/compile_time/instructions.sh -DLOSSC_CT_KERAS -DLOSSC_CT_ONLY=21     one Keras form
#   bench/compile_time/instructions.sh --root /tmp/base -DLOSSC_CT_ONLY=5       a base tree
# Without a selection it counts the include-only baseline. Prints "<G instructions> <flags>".
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cxx=g++
while [[ $# -gt 0 ]]; do
  case $1 in
    --root) root=$(cd "$2" && pwd); shift 2 ;;
    --cxx) cxx=$2; shift 2 ;;
    *) break ;;
  esac
done
command -v valgrind >/dev/null || { echo "lossc: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '#include "tu.hpp"\n' > "$work/tu.cpp"
# The driver's command for the compiler proper (-###), quoted as the driver prints it.
proper=$("$cxx" -### -std=c++20 -O2 -march=native -I "$root/include" -I "$root/bench/compile_time" \
  -isystem /usr/include/eigen3 "$@" -S "$work/tu.cpp" -o "$work/tu.s" 2>&1 | grep -E 'cc1plus|"-cc1"' | head -1)
[[ -n "$proper" ]] || { echo "lossc: no compiler command from $cxx -###" >&2; exit 1; }
eval "valgrind --tool=exp-bbv --bb-out-file=$work/bb --interval-size=1000000000 $proper" 2> "$work/log"
grep -q "Total instructions" "$work/log" || { cat "$work/log" >&2; exit 1; }
awk -v f="$*" '/Total instructions/ { printf "%.3f %s\n", $NF / 1e9, f }' "$work/log"
