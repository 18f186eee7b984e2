#!/usr/bin/env bash
# Instructions per element of each workload's forward_backward (AVX2+FMA build), by callgrind.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(mktemp -d)
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)"; exit 1; }
g++ -std=c++20 -O3 -mavx2 -mfma -Wno-ignored-attributes -I"$root/include" -I/usr/include/eigen3 \
    "$root/bench/count_instructions.cpp" -o "$out/count"
(cd "$out" && valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out/cg.%p" ./count > "$out/elements.txt" 2>/dev/null)
echo "| workload | instructions per element (AVX2+FMA, forward_backward) |"
echo "|---|---:|"
while read -r name elements; do
  file=$(grep -l "^desc: Trigger: Client Request: $name\$" "$out"/cg.* || true)
  [[ -n "$file" ]] || { file=$(grep -l "$name" "$out"/cg.* | head -1); }
  ir=$(grep -m1 "^summary:" "$file" | awk '{print $2}')
  awk -v n="$name" -v ir="$ir" -v e="$elements" 'BEGIN { printf "| %s | %.1f |\n", n, ir / e }'
done < "$out/elements.txt"
