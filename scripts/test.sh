#!/usr/bin/env bash
# The test command: fetches the reference frost textures once (from PyPI, checksummed) into
# target/frost, then runs the whole test suite, lints included.
set -euo pipefail
cd "$(dirname "$0")/.."
frost=${BLIGHT_FROST_DIR:-target/frost}
if ! ls "$frost"/frost6.jpg >/dev/null 2>&1; then
  cargo run --quiet -- fetch frost --dest "$frost"
fi
export BLIGHT_FROST_DIR=$frost
cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings
cargo test
