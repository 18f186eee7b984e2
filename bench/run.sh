#!/usr/bin/env bash
# Runs every benchmark in one go and renders docs/benchmarks.md, docs/benchmarks.png and
# docs/benchmarks-batch.md (and, where libtorch is installed, docs/benchmarks-torch.md).
#   bench/run.sh              everything (C++ peers, then jax.jit and torch.compile)
#   LOSSC_BENCH_PEERS=0 bench/run.sh   C++ only (no virtual environment, no downloads)
# Installs: Debian's libtorch-dev (for the libtorch eager peer) and, in build/bench-venv, the
# pinned Python peers. Takes about 20 minutes, most of it the large batches.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tests/deps.sh"
if ! dpkg-query -W -f='${Status}' libtorch-dev 2>/dev/null | grep -q "install ok installed"; then
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends libtorch-dev || \
    echo "lossc bench: libtorch-dev not installed; its peer is skipped"
fi
build="$root/build/bench"
(cd "$root" && cmake --preset release >/dev/null)  # CMakePresets.json: Release, benchmarks only
cmake --build "$build" -j "${LOSSC_JOBS:-2}"
# Three repetitions of every benchmark in random order, the tables using each one's median: on
# a shared machine the load changes over minutes, and one pass in order gave the same kernel
# timings 40% apart depending on when it ran.
"$build/bench/lossc_bench" --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
  --benchmark_out="$build/cpp.json" --benchmark_out_format=json
# The lossc, hand-written and streaming rows again for AVX2 + FMA and for the x86-64 baseline
# (SSE2), where this CPU runs them; docs/benchmarks.md shows them beside the native build.
isa_rows='^[a-z0-9]+/(64|large)/(lossc|lossc/double|lossc/dispatched|hand|stream|stream/nt|stream/double)(/min_time:[0-9.]+)?/real_time$'
isa_json=()
for isa in x86_64_v3 x86_64; do
  if [[ $isa == x86_64_v3 ]] && ! grep -qw avx2 /proc/cpuinfo; then continue; fi
  "$build/bench/lossc_bench_$isa" --benchmark_filter="$isa_rows" --benchmark_repetitions=3 \
    --benchmark_enable_random_interleaving=true --benchmark_out="$build/cpp_$isa.json" --benchmark_out_format=json
  isa_json+=("$build/cpp_$isa.json")
done

# The libtorch adapter (lossc::torch) against the raw kernel and libtorch's loss, and a training
# step with each: docs/benchmarks-torch.md.
if [[ -x "$build/bench/lossc_bench_torch" ]]; then
  "$build/bench/lossc_bench_torch" --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
    --benchmark_out="$build/torch.json" --benchmark_out_format=json
  python3 "$root/bench/render_torch.py" "$build/torch.json" "$root/docs/benchmarks-torch.md"
fi

# Cross-sample losses (batch_loss): docs/benchmarks-batch.md, the native build and AVX2 + FMA.
batch_json=()
for isa in native x86_64_v3; do
  if [[ $isa == x86_64_v3 ]] && ! grep -qw avx2 /proc/cpuinfo; then continue; fi
  "$build/bench/lossc_bench_batch_$isa" --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true \
    --benchmark_out="$build/batch_$isa.json" --benchmark_out_format=json
  batch_json+=("$build/batch_$isa.json")
done
python3 "$root/bench/render_batch.py" "$root/docs/benchmarks-batch.md" "${batch_json[@]}"

venv="$root/build/bench-venv"
py="python3"
if [[ "${LOSSC_BENCH_PEERS:-1}" != 0 ]]; then
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  # Pinned, checked together on Python 3.11: jax 0.4.38 (CPU), torch 2.5.1 (PyPI's wheel,
  # which pulls its CUDA libraries even though only its CPU backend runs here), matplotlib.
  "$venv/bin/pip" install -q "jax[cpu]==0.4.38" "torch==2.5.1" "numpy==2.1.3" "matplotlib==3.9.2"
  py="$venv/bin/python"
  "$py" "$root/bench/peers.py" > "$build/peers.json"
else
  echo '{"benchmarks": []}' > "$build/peers.json"
fi
"$py" "$root/bench/render.py" "$build/cpp.json" "$build/peers.json" "$root/docs" "${isa_json[@]}"
echo "lossc bench: wrote docs/benchmarks.md and docs/benchmarks.png"
