#!/usr/bin/env bash
# The long randomized differential run: COUNT random losses per seed, for each seed given.
#   tests/random/run_long.sh 200 10 11 12 13     (200 losses for each of the seeds 10..13)
#   LOSSC_RANDOM_BATCH=20 tests/random/run_long.sh 0 5    (20 cross-sample losses, batch_loss, for seed 5)
#   LOSSC_RANDOM_PAIRS=20 tests/random/run_long.sh 0 5    (20 losses over pairs of samples, pair_sum …)
#   LOSSC_RANDOM_NATIVE=1 tests/random/run_long.sh 40 5   (for the host's widest instruction set,
#                                                  with the wide shapes; built at -O0, which for
#                                                  AVX-512 compiles many times faster than -O1)
# Each loss: every schedule and storage order against scalar rows and the constexpr reference,
# the gradient against finite differences in double, float against double.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
count=${1:-100}; shift || true
seeds=("${@:-7}")
out=$(mktemp -d)
c++ -std=c++20 -O0 -c "$root/tests/support/main.cpp" -o "$out/main.o"
for seed in "${seeds[@]}"; do
  python3 "$root/tests/random/gen_losses.py" --seed "$seed" --count "$count" --batch "${LOSSC_RANDOM_BATCH:-0}" \
          --pairs "${LOSSC_RANDOM_PAIRS:-0}" -o "$out/losses_$seed.cpp"
  echo "== seed $seed: $count losses (generated in $out/losses_$seed.cpp)"
  flags=(-O1)
  [[ "${LOSSC_RANDOM_NATIVE:-0}" == 1 ]] && flags=(-O0 -march=native -DLOSSC_TEST_WIDE_SHAPES)
  c++ -std=c++20 "${flags[@]}" -Wno-ignored-attributes -I"$root/tests/support" -I"$root/include" -isystem /usr/include/eigen3 \
      "$out/losses_$seed.cpp" "$out/main.o" -o "$out/losses_$seed"
  "$out/losses_$seed"
done
