#!/usr/bin/env bash
# The Python package (python/): builds its abi3 manylinux2014 wheel in release with maturin and
# zig, as scripts/build-wheels.sh builds the distributed ones, installs it into a fresh virtual
# environment beside imagecorruptions 1.1.2 and the newest stack that package still runs on with
# Python 3.11, and runs the drop-in test (python/tests/test_dropin.py).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

builder_bin=$(bash scripts/wheel-builder.sh)
rm -rf target/wheels
(cd python && PATH="$builder_bin:$PATH" CARGO_TARGET_DIR="$root/target" maturin build \
  --release --quiet --zig --compatibility manylinux2014 --out "$root/target/wheels")
# The one wheel every CPython 3.8+ on a glibc 2.17+ x86_64 Linux installs.
ls target/wheels/blight_corrupt-*-cp38-abi3-manylinux2014_x86_64*.whl

# imagecorruptions 1.1.2 needs numpy < 2, scikit-image's `multichannel` (gone in 0.21; 0.20 is the
# first with Python 3.11 wheels) and pkg_resources (setuptools < 81); opencv-python-headless
# stands in for its opencv-python requirement, hence --no-deps.
venv=target/pydropin-venv
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet numpy==1.26.4 scipy==1.10.1 scikit-image==0.20.0 pillow==10.4.0 \
  opencv-python-headless==4.5.5.64 "setuptools<81"
"$venv/bin/pip" install --quiet --no-deps imagecorruptions==1.1.2
"$venv/bin/pip" install --quiet --no-index --find-links target/wheels blight-corrupt

# numpy's own AVX512F float64 exp differs from the C library's by an ulp at times (motion_blur's
# weights, spatter); blight follows the portable one, so numpy's AVX-512 code is switched off.
avx512=$("$venv/bin/python" -c "
import numpy as np
print(' '.join(f for f, on in np.core._multiarray_umath.__cpu_features__.items() if on and f.startswith('AVX512')))")
NPY_DISABLE_CPU_FEATURES="$avx512" "$venv/bin/python" python/tests/test_dropin.py
