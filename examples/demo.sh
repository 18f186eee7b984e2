#!/usr/bin/env bash
# The README's first command: builds and runs the demo, installing missing packages first.
#   examples/demo.sh          the demo (the Keras Q&A's losses, checked and run)
#   examples/demo.sh train    the trainer: a 2-layer perceptron on scikit-learn's digits with a
#                             two-head lossc loss; writes build/train_mlp.png (the first run also
#                             installs the Python environment build/keras-venv, about 300 MB), and
#                             builds its data-parallel copy train_mlp_mpi (docs/trainers.md)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
what=${1:-demo}
if [[ "$what" != demo && "$what" != train ]]; then
  echo "usage: examples/demo.sh [demo|train]" >&2
  exit 2
fi
"$root/tests/deps.sh" "$what"
build="$root/build/demo"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLOSSC_BUILD_TESTS=OFF >/dev/null
if [[ "$what" == demo ]]; then
  cmake --build "$build" --target demo -j "${LOSSC_JOBS:-2}"
  "$build/examples/demo"
else
  python=$("$root/tests/keras/venv.sh")
  "$python" "$root/examples/train_mlp/export_digits.py" "$root/build/digits.csv"
  targets=(train_mlp)
  # the data-parallel copy where Open MPI is found (mpirun -np 2 build/demo/examples/train_mlp_mpi ...)
  if cmake --build "$build" --target help | grep -q '^train_mlp_mpi:'; then targets+=(train_mlp_mpi); fi
  cmake --build "$build" --target "${targets[@]}" -j "${LOSSC_JOBS:-2}"
  "$build/examples/train_mlp" --data "$root/build/digits.csv" --log "$root/build/train_mlp.csv"
  "$python" "$root/examples/train_mlp/plot.py" "$root/build/train_mlp.csv" "$root/build/train_mlp.png"
fi
