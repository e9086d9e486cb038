"""Makes MNIST-C parity fixtures for leftover corruptions the shared fixture set lacks.

Usage (numpy, scipy, Pillow and scikit-image; any current version):
    python make_mnist_c_leftover_fixtures.py --reference corruptions.py \
        --clean tests/fixtures/mnist-c/identity.npy --out tests/fixtures/mnist-c

`corruptions.py` is google-research/mnist-c's module. It imports Wand, OpenCV and a pickled asset
at import time, so only the functions needed here are taken from it (parsed, not imported):
line_from_points, line, quantize and saturate. These use numpy and scikit-image's colour
conversions only, whose results are the same in the 2019 stack and in current releases
(`np.int`, removed from numpy, is restored as `int`). For each of the 200 clean digits i:
np.random.seed(2000 + i), one call at the function's default severity, numpy's truncating uint8
cast. Output: OUT/<name>.npy, uint8 (200, 28, 28, 1).
"""
import argparse
import ast
import os

import numpy as np
import skimage
import skimage.color
from PIL import Image

FUNCTIONS = ["line_from_points", "line", "quantize", "saturate"]
OUTPUTS = ["line", "quantize", "saturate"]


def load_functions(path):
    tree = ast.parse(open(path).read())
    body = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in FUNCTIONS]
    found = {n.name for n in body}
    missing = set(FUNCTIONS) - found
    if missing:
        raise SystemExit(f"{path}: missing {sorted(missing)}")
    namespace = {"np": np, "sk": skimage}
    exec(compile(ast.Module(body=body, type_ignores=[]), path, "exec"), namespace)
    return namespace


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", required=True)
    parser.add_argument("--clean", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    np.int = int
    functions = load_functions(args.reference)
    clean = np.load(args.clean)
    assert clean.shape == (200, 28, 28, 1) and clean.dtype == np.uint8
    for name in OUTPUTS:
        out = np.zeros_like(clean)
        for i in range(len(clean)):
            np.random.seed(2000 + i)
            y = functions[name](Image.fromarray(clean[i, :, :, 0], mode="L"))
            out[i, :, :, 0] = np.uint8(y)
        np.save(os.path.join(args.out, f"{name}.npy"), out)
        print(name, int(out.sum()))


if __name__ == "__main__":
    main()
