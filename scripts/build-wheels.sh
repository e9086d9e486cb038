#!/usr/bin/env bash
# The Python package's distribution files: abi3 wheels (CPython 3.8 and later) for Linux x86_64
# and aarch64, tagged manylinux2014 (glibc 2.17 and later: zig's C compiler and linker, from the
# `ziglang` package on PyPI, build against that glibc, and maturin refuses a wheel that needs a
# newer symbol), for macOS on Intel and Apple silicon (10.12 and 11.0 and later; zig links
# against the system libraries without an SDK), for 64-bit Windows (MinGW-w64's linker; the
# extension imports only python3.dll and system DLLs), and the source distribution that `pip`
# builds with a Rust toolchain on any other platform (musl Linux, 32-bit or ARM Windows).
# `pip install <wheel>` needs nothing else.
#
#   bash scripts/build-wheels.sh [OUT]      (default: target/dist; builds in $CARGO_TARGET_DIR,
#                                            default target/wheel-build)
#
# Needs the Rust standard library of each target (`rustup target add aarch64-unknown-linux-gnu
# x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-gnu`) and, for Windows, MinGW-w64
# (`apt-get install gcc-mingw-w64-x86-64`); a target that lacks either is reported and left out.
set -euo pipefail
out=$(realpath -m "${1:-$(dirname "$0")/../target/dist}")
cd "$(dirname "$0")/.."
root=$PWD

builder_bin=$(bash scripts/wheel-builder.sh)
export PATH=$builder_bin:$PATH

rm -rf "$out"
for target in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-apple-darwin \
  aarch64-apple-darwin x86_64-pc-windows-gnu; do
  if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    echo "skipped: $target (rustup target add $target)"
    continue
  fi
  case $target in
    *-linux-gnu) tag=(--zig --compatibility manylinux2014) ;;
    *-windows-gnu)
      if ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
        echo "skipped: $target (apt-get install gcc-mingw-w64-x86-64)"
        continue
      fi
      tag=()
      ;;
    *) tag=(--zig) ;;
  esac
  (cd python && CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/wheel-build}" \
    maturin build --release --quiet ${tag[@]+"${tag[@]}"} --target "$target" --out "$out")
done
(cd python && maturin sdist --out "$out")
ls -l "$out"
