#!/usr/bin/env bash
# Compile time of lossc losses, rendered into docs/compile-time.md: per loss (bench/compile_time/
# losses.hpp) and per Keras function form, g++ and clang++, -O0 and -O2 -march=native, the user CPU
# time and peak memory of one translation unit; the include-only baseline; the marginal cost of a
# loss in a TU of all of them; each Keras form with and without lossc::keras_compiled, and the
# library's own sources; g++'s hot spots; the size of each derived gradient; and the anchors
# measured in the same run (a hand-written fused loop, Eigen array expressions, and, where the
# bench venv of bench/run.sh exists, jax.jit's first call).
#   bench/compile_time.sh                     everything (about 35 minutes on 2 cores, 17 of them
#                                             the keras_compiled library at -O2)
#   LOSSC_CT_QUICK=1 bench/compile_time.sh    -O2 -march=native only
#   LOSSC_CT_REPEAT=3 bench/compile_time.sh   each TU but the library's sources compiled 3 times,
#                                             the fastest kept (a shared machine's spikes: one
#                                             run measured a 2.0 s TU at 3.1 s)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/tests/deps.sh"
if [[ ! -x /usr/bin/time ]]; then
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends time
fi
out="$root/build/compile-time"
mkdir -p "$out"
results="$out/results.txt"
: > "$results"
eigen=/usr/include/eigen3  # Debian libeigen3-dev
src="$root/bench/compile_time/tu.hpp"
levels=("-O2 -march=native")
[[ "${LOSSC_CT_QUICK:-0}" == 1 ]] || levels+=("-O0")

repeat=${LOSSC_CT_REPEAT:-1}
echo "$repeat" > "$out/repeat.txt"

# measure KIND NAME CXX LEVEL FLAGS... : one TU, its user seconds and peak KB appended to results
# (the fastest of LOSSC_CT_REPEAT compilations, except for the library's sources).
measure() {
  local kind=$1 name=$2 cxx=$3 level=$4
  shift 4
  local runs=$repeat best="" r
  [[ $kind == keras_library ]] && runs=1
  for ((r = 0; r < runs; ++r)); do
    # shellcheck disable=SC2086
    if /usr/bin/time -f "%U %M" -o "$out/time.txt" "$cxx" -std=c++20 $level -w -I"$root/include" -I"$eigen" "$@" \
         -o /dev/null 2> "$out/last-error.txt"; then
      if [[ -z $best ]] || awk -v a="$(cut -d' ' -f1 "$out/time.txt")" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
        best=$(cat "$out/time.txt")
      fi
    else
      echo "lossc compile-time: $kind $name with $cxx $level failed:" >&2
      head -20 "$out/last-error.txt" >&2
      best="failed failed"
      break
    fi
  done
  echo "$kind|$name|$cxx|$level|$best" >> "$results"
}

n_losses=$(grep -c '^    X(' "$root/bench/compile_time/losses.hpp")
n_keras=$(grep -c '^    X(' "$root/bench/compile_time/keras_forms.hpp")
names=($(sed -n 's/^    X(\([a-z_0-9]*\),.*/\1/p' "$root/bench/compile_time/losses.hpp"))
keras_names=($(sed -n 's/^    X(\([a-z_0-9]*\),.*/\1/p' "$root/bench/compile_time/keras_forms.hpp"))
for cxx in g++ clang++; do
  for level in "${levels[@]}"; do
    echo "== lossc compile-time: $cxx $level"
    measure include include "$cxx" "$level" -x c++ -c "$src"
    for ((i = 0; i < n_losses; ++i)); do
      measure loss "${names[$i]}" "$cxx" "$level" -x c++ -DLOSSC_CT_ONLY=$i -c "$src"
    done
    measure all "all $n_losses" "$cxx" "$level" -x c++ -DLOSSC_CT_FIRST=0 -DLOSSC_CT_LAST=$((n_losses - 1)) -c "$src"
    measure anchor hand "$cxx" "$level" -DANCHOR_HAND -c "$root/bench/compile_time/anchors.cpp"
    measure anchor eigen "$cxx" "$level" -DANCHOR_EIGEN -c "$root/bench/compile_time/anchors.cpp"
  done
  for ((i = 0; i < n_keras; ++i)); do
    measure keras "${keras_names[$i]}" "$cxx" "-O2 -march=native" -x c++ -DLOSSC_CT_KERAS -DLOSSC_CT_ONLY=$i -c "$src"
    # The same TU where the program links lossc::keras_compiled (the kernels compiled once, there).
    measure keras_compiled "${keras_names[$i]}" "$cxx" "-O2 -march=native" -x c++ -DLOSSC_CT_KERAS \
      -DLOSSC_KERAS_COMPILED -DLOSSC_CT_ONLY=$i -c "$src"
  done
  # What lossc::keras_compiled itself costs to build, once: its sources.
  for part in "$root"/include/lossc/keras/compiled/*.cpp; do
    measure keras_library "$(basename "$part" .cpp)" "$cxx" "-O2 -march=native" -DLOSSC_KERAS_COMPILED -c "$part"
  done
done

# g++'s hot spots for the heaviest typical loss and for cross-entropy.
for ((i = 0; i < n_losses; ++i)); do
  [[ "${names[$i]}" == cce_logits || "${names[$i]}" == focal ]] || continue
  g++ -std=c++20 -O2 -march=native -w -I"$root/include" -I"$eigen" -x c++ -DLOSSC_CT_ONLY=$i -c "$src" -o /dev/null \
      -ftime-report 2> "$out/time-report-${names[$i]}.txt" || true
done
# The derived gradients' sizes.
g++ -std=c++20 -O0 -w -I"$root/include" -I"$eigen" "$root/bench/compile_time/gradient_size.cpp" -o "$out/gradient_size"
"$out/gradient_size" > "$out/gradient-size.txt"
g++ -std=c++20 -O0 -w -DLOSSC_CT_KERAS -I"$root/include" -I"$eigen" "$root/bench/compile_time/gradient_size.cpp" \
    -o "$out/gradient_size_keras"
"$out/gradient_size_keras" >> "$out/gradient-size.txt"
# jax.jit's first call, where bench/run.sh's venv exists.
: > "$out/jax.txt"
if [[ -x "$root/build/bench-venv/bin/python" ]]; then
  "$root/build/bench-venv/bin/python" "$root/bench/compile_time/jax_anchor.py" > "$out/jax.txt" 2>/dev/null || : > "$out/jax.txt"
fi
python3 "$root/bench/compile_time/render.py" "$out" "$root/docs/compile-time.md"
echo "lossc compile-time: wrote docs/compile-time.md"
