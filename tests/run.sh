#!/usr/bin/env bash
# The whole test suite (the README's second command), built and run twice: with g++, and with
# clang++ under AddressSanitizer + UndefinedBehaviorSanitizer (then clang-tidy and cppcheck,
# tests/lint.sh, on that build's compile database). Every test is built and run by both compilers;
# a third, plain clang++ build ran the same tests again without sanitizers (docs/perf-log.md).
# The configurations are CMakePresets.json's (`cmake --workflow --preset gcc` runs one by hand).
#   tests/run.sh                          both
#   LOSSC_COMPILERS=gcc tests/run.sh      a choice of them
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tests/deps.sh"
# The Keras oracle of the differential test (real keras + jax, CPU wheels, pinned), once.
keras_python=$("$root/tests/keras/venv.sh")
jobs=${LOSSC_JOBS:-2}
# The configurations are CMakePresets.json's `gcc` and `clang-asan` (build/test-<name>); why each
# is set as it is:
# - g++: `--param ggc-*` collects garbage less often (its collector took a tenth of a large test
#   TU's time at -O0; peak memory 1.0 -> 1.2 GB per job).
# - LOSSC_TEST_ISAS: which configurations build the SIMD tests' -march variants (CI time: each
#   variant is another build of the schedule tests, dearest under the sanitizers): g++ native and
#   x86-64-v3, clang native.
# - The trainer's MPI copy once, with g++: its lossc code is train_mlp's (built and run by both),
#   and under the sanitizers Open MPI's own allocations would need LeakSanitizer off.
# - The libtorch adapter's tests once, with g++ (libtorch's headers cost half a minute per TU, and
#   the library is not built with the sanitizers).
# - clang: UndefinedBehaviorSanitizer without its null and alignment checks, except in the fuzz
#   targets (whose flags enable all of it again): each of those checks names the accessed type,
#   a loss's whole expression type, in the object (86 MB for one random-loss TU), and they were a
#   sixth of the sanitized build's time (docs/perf-log.md). A null access still stops under ASan;
#   a misaligned one is a precondition no kernel creates (views are typed element pointers).
# - Debug builds (assertions on, -O0) without -g: it was a fifth of their compile time
#   (docs/perf-log.md); doctest reports file and line itself, and the sanitizers' reports name
#   the functions (configure with -g for lines).
cd "$root"
for compiler in ${LOSSC_COMPILERS:-gcc clang-asan}; do
  if [[ "$compiler" != gcc && "$compiler" != clang-asan ]]; then
    echo "lossc: LOSSC_COMPILERS names '$compiler'; the configurations are: gcc clang-asan" >&2
    exit 2
  fi
  build="$root/build/test-$compiler"
  echo "== lossc: $compiler: configure, build, test ($build)"
  start=$(date +%s)
  cmake --preset "$compiler" -DLOSSC_KERAS_PYTHON="$keras_python" -DLOSSC_KERAS_CACHE="$root/build/keras-ref" >/dev/null
  cmake --build "$build" -j "$jobs"
  echo "== lossc: $compiler: built in $(( $(date +%s) - start )) s"
  ctest --test-dir "$build" -j "$jobs" --output-on-failure
  # Static analysis once, on the clang build's compile database (LOSSC_LINT=0 skips it).
  if [[ "$compiler" == clang-asan && "${LOSSC_LINT:-1}" != 0 ]]; then "$root/tests/lint.sh" "$build"; fi
done
