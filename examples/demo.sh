#!/usr/bin/env bash
# Builds and runs the demo (the README's first command), installing missing packages first.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tests/deps.sh" demo
build="$root/build/demo"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOSSC_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target demo -j "${LOSSC_JOBS:-2}"
"$build/examples/demo"
