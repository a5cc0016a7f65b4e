#!/usr/bin/env bash
# Prints the Python the tests run (tests/schema_check.py, tests/embedded/test_wasmtime.py and
# test_wasm3.py): a virtual environment under target/ holding what they import (jsonschema;
# wasmtime and pywasm3 at the pinned versions), made on first use. A venv installs the same way
# on a machine whose system Python refuses pip (PEP 668, "externally managed"); without the venv
# module, the user site is used.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/pyvenv
packages=(jsonschema "wasmtime==50.0.1" "pywasm3==0.5.0")
if [ ! -x "$venv/bin/python" ] && python3 -m venv "$venv" >&2 2>/dev/null; then
  :
fi
if [ -x "$venv/bin/python" ]; then
  py="$venv/bin/python"
  "$py" -c 'import jsonschema, wasmtime, wasm3' 2>/dev/null || "$py" -m pip install -q "${packages[@]}" >&2
else
  py=python3
  "$py" -c 'import jsonschema, wasmtime, wasm3' 2>/dev/null ||
    "$py" -m pip install -q --user "${packages[@]}" >&2 ||
    "$py" -m pip install -q --user --break-system-packages "${packages[@]}" >&2
fi
echo "$py"
