#!/usr/bin/env bash
# The whole test suite, built and run with g++ and with clang++ (the README's second command).
#   tests/run.sh            both compilers
#   LOSSC_COMPILERS=clang tests/run.sh   one of them
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tests/deps.sh"
jobs=${LOSSC_JOBS:-2}
declare -A cxx=([gcc]=g++ [clang]=clang++)
for compiler in ${LOSSC_COMPILERS:-gcc clang}; do
  build="$root/build/test-$compiler"
  echo "== lossc: $compiler: configure, build, test ($build)"
  start=$(date +%s)
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_CXX_COMPILER="${cxx[$compiler]}" -DLOSSC_WERROR=ON >/dev/null
  cmake --build "$build" -j "$jobs"
  echo "== lossc: $compiler: built in $(( $(date +%s) - start )) s"
  ctest --test-dir "$build" -j "$jobs" --output-on-failure
done
