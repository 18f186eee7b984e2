#!/usr/bin/env bash
# Creates (once) the virtual environment with real Keras 3 + JAX (CPU) that the differential test
# runs: build/keras-venv, pinned by tests/keras/requirements.txt; reinstalled when that file
# changes. Prints the environment's python.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv="${LOSSC_KERAS_VENV:-$root/build/keras-venv}"
req="$root/tests/keras/requirements.txt"
stamp="$venv/.lossc-requirements"
if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$req" "$stamp"; then
  echo "lossc: installing the Keras oracle into $venv (pinned: $req)" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
  cp "$req" "$stamp"
fi
echo "$venv/bin/python"
