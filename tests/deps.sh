#!/usr/bin/env bash
# Installs the Debian 12 packages lossc needs, only those that are missing:
#   tests/deps.sh demo    what the demo needs (a compiler, CMake, Ninja, Eigen, Boost's headers)
#   tests/deps.sh train   and the trainer (Python, for its data and plot; Open MPI, data-parallel)
#   tests/deps.sh         what the test suite needs (also clang, the sanitizers' runtime, the
#                         linters, doctest, Google Benchmark, numpy, pkg-config, Open MPI, and
#                         libtorch for the lossc::torch adapter's tests, and on x86-64 the
#                         aarch64 cross compiler and qemu-user for the NEON packet tests)
set -euo pipefail
packages=(cmake ninja-build g++ libeigen3-dev libboost-dev)
if [[ "${1:-test}" == train ]]; then
  packages+=(python3 python3-venv openmpi-bin libopenmpi-dev)
elif [[ "${1:-test}" != demo ]]; then
  packages+=(clang libclang-rt-14-dev clang-tidy clang-format cppcheck python3 python3-venv python3-numpy doctest-dev
             libbenchmark-dev pkgconf openmpi-bin libopenmpi-dev libtorch-dev)
  # The aarch64 (NEON) packet and schedule tests: a cross compiler and qemu-user.
  if [[ $(uname -m) == x86_64 ]]; then packages+=(g++-aarch64-linux-gnu qemu-user); fi
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "lossc: installing missing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
