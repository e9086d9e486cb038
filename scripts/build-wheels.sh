#!/usr/bin/env bash
# The Python package's distribution files: abi3 wheels (CPython 3.8 and later) for Linux x86_64
# and aarch64, tagged manylinux2014 (glibc 2.17 and later: zig's C compiler and linker, from the
# `ziglang` package on PyPI, build against that glibc, and maturin refuses a wheel that needs a
# newer symbol), for macOS on Intel and Apple silicon (10.12 and 11.0 and later; zig links
# against the system libraries without an SDK), and the source distribution that `pip` builds
# with a Rust toolchain on any other platform (Windows, musl Linux). `pip install <wheel>` needs
# nothing else.
#
#   bash scripts/build-wheels.sh [OUT]      (default: target/dist; builds in $CARGO_TARGET_DIR,
#                                            default target/wheel-build)
#
# Needs the Rust standard library of each target (`rustup target add aarch64-unknown-linux-gnu
# x86_64-apple-darwin aarch64-apple-darwin`); a target whose library is missing is reported and
# left out.
set -euo pipefail
out=$(realpath -m "${1:-$(dirname "$0")/../target/dist}")
cd "$(dirname "$0")/.."
root=$PWD

builder_bin=$(bash scripts/wheel-builder.sh)
export PATH=$builder_bin:$PATH

rm -rf "$out"
for target in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-apple-darwin \
  aarch64-apple-darwin; do
  if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    echo "skipped: $target (rustup target add $target)"
    continue
  fi
  case $target in
    *-linux-gnu) tag=(--compatibility manylinux2014) ;;
    *) tag=() ;;
  esac
  (cd python && CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target/wheel-build}" \
    maturin build --release --quiet --zig ${tag[@]+"${tag[@]}"} --target "$target" --out "$out")
done
(cd python && maturin sdist --out "$out")
ls -l "$out"
