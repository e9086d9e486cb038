#!/usr/bin/env bash
# Makes (once) the virtual environment that builds the Python package's wheels: maturin, and zig
# (the `ziglang` package) as the C compiler and linker for manylinux2014. Prints its bin folder.
set -euo pipefail
cd "$(dirname "$0")/.."
builder=target/pywheel-venv
if ! "$builder/bin/maturin" --version 2>/dev/null | grep -qx "maturin 1.16.0" \
  || ! "$builder/bin/python" -m ziglang version >/dev/null 2>&1; then
  rm -rf "$builder"
  python3 -m venv "$builder" >&2
  "$builder/bin/pip" install --quiet maturin==1.16.0 ziglang==0.17.1 >&2
fi
echo "$PWD/$builder/bin"
