#!/usr/bin/env bash
# The whole test suite (the README's second command), built and run three times: with g++,
# with clang++ (then clang-tidy and cppcheck, tests/lint.sh), and with clang++ under
# AddressSanitizer + UndefinedBehaviorSanitizer.
#   tests/run.sh                          all three
#   LOSSC_COMPILERS="gcc clang" tests/run.sh   a choice of them
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tests/deps.sh"
# The Keras oracle of the differential test (real keras + jax, CPU wheels, pinned), once.
keras_python=$("$root/tests/keras/venv.sh")
jobs=${LOSSC_JOBS:-2}
declare -A cxx=([gcc]=g++ [clang]=clang++ [clang-asan]=clang++)
declare -A flags=([gcc]="" [clang]="" [clang-asan]="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer")
# Which configurations build the SIMD tests' -march variants and the dispatch test (CI time:
# each variant is another build of the schedule tests; under the sanitizers AVX2's cost 94 s).
declare -A isas=([gcc]="native;x86_64_v3" [clang]="" [clang-asan]="native")
declare -A dispatch=([gcc]=ON [clang]=ON [clang-asan]=OFF)
# Debug builds (assertions on, -O0) without -g where nothing reads the debug information: it was
# a fifth of their compile time (a schedule test TU, g++: 18.2 -> 14.6 s); doctest reports file
# and line itself. The sanitizer configuration keeps -g for its symbolized reports.
declare -A debug=([gcc]="" [clang]="" [clang-asan]="-g")
for compiler in ${LOSSC_COMPILERS:-gcc clang clang-asan}; do
  build="$root/build/test-$compiler"
  echo "== lossc: $compiler: configure, build, test ($build)"
  start=$(date +%s)
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
        -DCMAKE_CXX_COMPILER="${cxx[$compiler]}" -DCMAKE_CXX_FLAGS="${flags[$compiler]}" -DLOSSC_WERROR=ON \
        -DLOSSC_TEST_ISAS="${isas[$compiler]}" -DLOSSC_TEST_DISPATCH="${dispatch[$compiler]}" \
        -DCMAKE_CXX_FLAGS_DEBUG="${debug[$compiler]}" \
        -DLOSSC_KERAS_PYTHON="$keras_python" -DLOSSC_KERAS_CACHE="$root/build/keras-ref" \
        -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
  cmake --build "$build" -j "$jobs"
  echo "== lossc: $compiler: built in $(( $(date +%s) - start )) s"
  ctest --test-dir "$build" -j "$jobs" --output-on-failure
  # Static analysis once, on the plain clang build's compile database (LOSSC_LINT=0 skips it).
  if [[ "$compiler" == clang && "${LOSSC_LINT:-1}" != 0 ]]; then "$root/tests/lint.sh" "$build"; fi
done
