#!/usr/bin/env bash
# A time-bounded libFuzzer run of tests/fuzz/fuzz_kernel.cpp (clang, ASan + UBSan), starting from
# the committed corpus. New inputs go to a scratch corpus; crashes to build/fuzz/crash-* (a crash
# fixed goes into tests/fuzz/corpus, which the test suite replays).
#   tests/fuzz/run.sh 600               10 minutes, the compiler's default instruction set
#   LOSSC_FUZZ_FLAGS=-march=native tests/fuzz/run.sh 600   with the host's widest SIMD
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-60}
work=$(mktemp -d)
clang++ -std=c++20 -g -O1 ${LOSSC_FUZZ_FLAGS:-} -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -Wno-ignored-attributes -I"$root/include" -isystem /usr/include/eigen3 \
        "$root/tests/fuzz/fuzz_kernel.cpp" -o "$work/fuzz_kernel"
mkdir -p "$work/corpus"
mkdir -p "$root/build/fuzz"
"$work/fuzz_kernel" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$root/build/fuzz/" \
  "$work/corpus" "$root/tests/fuzz/corpus"
