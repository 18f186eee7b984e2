#!/usr/bin/env bash
# Static analysis: every tracked C++ file against .clang-format, clang-tidy (the committed
# .clang-tidy) over the test and example translation units below, and cppcheck over the tests and
# examples. Needs a configured clang build with
# compile_commands.json (tests/run.sh makes build/test-clang-asan); called by tests/run.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build/test-clang-asan}
cd "$root"
echo "== lossc: clang-format (.clang-format) on every tracked C++ file"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then sources=$(git ls-files '*.hpp' '*.cpp')
else sources=$(find include tests examples bench -name '*.hpp' -o -name '*.cpp'); fi
format=$(xargs clang-format --dry-run --Werror <<<"$sources" 2>&1 || true)
if [[ -n "$format" ]]; then
    head -40 <<<"$format"
    echo "lossc: these files differ from .clang-format's layout: run clang-format -i on them"
    exit 1
fi
# clang-tidy reads the library headers (HeaderFilterRegex) through the translation units that
# instantiate the most of them: the demo, the fuzz target (every kernel path and bad argument),
# kernel inputs and shape errors (views, checks), the Keras wrapper and its names and outputs
# (keras/by_name.hpp, keras/outputs.hpp), the block paths (memos, output stores, staging), the DSL
# and constant evaluation. Every test file is still built with -Wall -Wextra -Wpedantic -Werror by
# two compilers and read by cppcheck below; running the analyzer over all 17 took a third of the CI
# budget. The block paths, kernel inputs and shape errors go without the path-sensitive analyzer
# (four fifths of their time, most of it spent on the paths of doctest's assertions in their long
# test cases): the fuzz target takes the same kernel paths and bad arguments through it. The
# analyzer runs with a quarter of its default budget of states per function (max-nodes): the long
# functions of the fuzz target (run<T, K>, one per loss) and of the Keras wrapper's and outputs'
# tests exhaust either budget (a null dereference planted at the end of one, or in the wrapper's
# call path, which the analyzer does not inline, was found by neither; one at the start by both),
# and the default spent 2 to 3 s on each of them (docs/perf-log.md). One line per file, its extra
# options after it; the longest first, so that the two jobs end together.
files=(tests/unit/keras_wrapper.cpp tests/fuzz/fuzz_kernel.cpp "tests/unit/block_paths.cpp --checks=-clang-analyzer-*"
       tests/unit/keras_outputs.cpp "tests/unit/kernel_inputs.cpp --checks=-clang-analyzer-*" examples/demo.cpp
       "tests/unit/shape_errors.cpp --checks=-clang-analyzer-*" tests/unit/dsl.cpp tests/unit/constexpr_eval.cpp)
# One compile command per file: clang-tidy would analyse a file again for each -march variant of
# its test (block_paths.cpp), and without the precompiled header.
mkdir -p "$build/lint"
python3 - "$build/compile_commands.json" "$build/lint/compile_commands.json" <<'PY'
import json, sys
seen, kept = set(), []
for entry in json.load(open(sys.argv[1])):
    if entry["file"] not in seen:
        seen.add(entry["file"])
        kept.append(entry)
json.dump(kept, open(sys.argv[2], "w"), indent=1)
PY
echo "== lossc: clang-tidy on ${#files[@]} files"
status=0
tidy() {
    clang-tidy -p "$build/lint" --quiet --extra-arg=-Xclang --extra-arg=-analyzer-config --extra-arg=-Xclang \
        --extra-arg=max-nodes=50000 "${@:2}" "$1"
}
export -f tidy
export build
output=$(printf '%s\n' "${files[@]}" | xargs -P "${LOSSC_JOBS:-2}" -L 1 bash -c 'tidy "$@"' _ 2>&1) || status=$?
grep -vE "^[0-9]+ warnings? (and [0-9]+ errors? )?generated|^Suppressed [0-9]+ warnings|^Use -header-filter" <<<"$output" || true
if ((status != 0)); then echo "lossc: clang-tidy found problems (above)"; exit 1; fi
echo "== lossc: cppcheck on tests/ and examples/"
# cppcheck 2.10 (Debian 12) reads the tests and examples themselves; the library headers are
# clang-tidy's (cppcheck misreads C++20 `if constexpr (requires ...)` chains there and crashes
# on some). wrongmathcall: math.cpp tests log(0), log(-1) and friends on purpose.
cppcheck --quiet --error-exitcode=1 --std=c++20 --language=c++ --enable=warning,performance,portability \
  --inline-suppr --suppress=missingIncludeSystem --suppress=missingInclude --suppress=unknownMacro \
  --suppress=wrongmathcall:tests/unit/math.cpp \
  examples tests/unit tests/support tests/fuzz tests/torch
echo "== lossc: static analysis clean"
