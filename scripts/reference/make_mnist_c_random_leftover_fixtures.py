"""Makes MNIST-C parity fixtures for leftover corruptions built from ImageNet-C building blocks.

Usage (numpy, scipy, Pillow, OpenCV; current versions):
    python make_mnist_c_random_leftover_fixtures.py --reference corruptions.py \
        --clean tests/fixtures/mnist-c/identity.npy --out tests/fixtures/mnist-c \
        [--matrix pessimal_noise_matrix] [--wand] [--frost FROST_DIR]

`corruptions.py` is google-research/mnist-c's module. It imports Wand, scikit-image and a pickled
asset at import time, so only the functions needed here are taken from it (parsed, not
imported): gaussian_noise, speckle_noise, contrast, pixelate, defocus_blur (with disk),
zoom_blur (with clipped_zoom), gaussian_blur, jpeg_compression, elastic_transform, when --matrix
is given pessimal_noise, with --frost (the folder of the six textures, `blight fetch frost`) frost,
and with --wand snow (with the module's MotionImage class; needs Wand and ImageMagick 6, e.g.
Debian 12's libmagickwand-6.q16-6, 6.9.11-60 as in the 2019-stack fixtures).

Library-version notes. numpy's legacy RandomState and the Pillow BOX resize of these sizes are
the same in the 2019 stack and today. OpenCV's filter2D and GaussianBlur are run as they are.
scipy's zoom changed in 1.6 (mode 'constant' interpolates up to one sample past the edge), so
zoom_blur here follows the current scipy. scikit-image removed `multichannel`; gaussian_blur gets
a stand-in `gaussian` with the 0.14/0.15 behaviour (a scalar sigma with multichannel=True on a
2-D array filters axis 0 only: scipy gaussian_filter with sigma [s, 0], mode nearest, truncate 4).
pessimal_noise's product runs in the installed BLAS. elastic_transform needs OpenCV below 4.11
(e.g. opencv-python-headless 4.10.0.84 with numpy 1.26): from 4.11 on, warpAffine no longer rounds
source positions to 1/32 pixel as the 2019 stack's OpenCV 4.1 does. Its map_coordinates (order 1,
mode constant) is the same in scipy 1.3 and today. jpeg_compression encodes a gray image, where
Pillow's libjpeg-turbo and the 2019 stack's libjpeg 9c compute the same DCT and quantisation.
frost reads the textures with cv2.imread(path, 0), which is the same in OpenCV 4.1 and today.

For each of the 200 clean digits i: np.random.seed(2000 + i), one call at the function's default
severity, numpy's truncating uint8 cast. Output: OUT/<name>.npy, uint8 (200, 28, 28, 1).
"""
import argparse
import ast
import ctypes
import os
import pickle
from io import BytesIO

import cv2
import numpy as np
import scipy.ndimage
from PIL import Image

HELPERS = ["disk", "clipped_zoom"]
OUTPUTS = ["gaussian_noise", "speckle_noise", "contrast", "pixelate", "defocus_blur",
           "zoom_blur", "gaussian_blur", "jpeg_compression", "elastic_transform"]


def gaussian_0_15(image, sigma, multichannel=None, mode="nearest", truncate=4.0):
    """scikit-image 0.15 `filters.gaussian` for the float64 2-D arrays the functions pass."""
    image = np.asarray(image, dtype=np.float64)
    if multichannel:
        sigma = [sigma] * (image.ndim - 1) + [0]
    return scipy.ndimage.gaussian_filter(image, sigma, mode=mode, truncate=truncate)


def is_wand_setup(node):
    """The module's MotionImage class and the ctypes signature it relies on."""
    if isinstance(node, ast.ClassDef):
        return node.name == "MotionImage"
    return isinstance(node, ast.Assign) and "MagickMotionBlurImage" in ast.unparse(node)


def load_functions(path, names, wand):
    tree = ast.parse(open(path).read())
    body = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in names]
    missing = set(names) - {n.name for n in body}
    if missing:
        raise SystemExit(f"{path}: missing {sorted(missing)}")
    namespace = {"np": np, "cv2": cv2, "PILImage": Image, "scizoom": scipy.ndimage.zoom,
                 "gaussian": gaussian_0_15, "BytesIO": BytesIO, "ctypes": ctypes,
                 "map_coordinates": scipy.ndimage.map_coordinates}
    if wand:
        from wand.api import library
        from wand.image import Image as WandImage
        namespace.update(wandlibrary=library, WandImage=WandImage)
        body = [n for n in tree.body if is_wand_setup(n)] + body
    exec(compile(ast.Module(body=body, type_ignores=[]), path, "exec"), namespace)
    return namespace


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", required=True)
    parser.add_argument("--clean", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--matrix")
    parser.add_argument("--wand", action="store_true")
    parser.add_argument("--frost")
    args = parser.parse_args()
    outputs = (OUTPUTS + (["pessimal_noise"] if args.matrix else []) + (["snow"] if args.wand else [])
               + (["frost"] if args.frost else []))
    functions = load_functions(args.reference, HELPERS + outputs, args.wand)
    if args.frost:
        # The module finds its textures with pkg_resources under a `frost/` folder.
        functions["resource_filename"] = lambda _, name: os.path.join(
            args.frost, os.path.basename(name))
    if args.matrix:
        with open(args.matrix, "rb") as f:
            functions["pessimal_noise_matrix"] = pickle.load(f)
    clean = np.load(args.clean)
    assert clean.shape == (200, 28, 28, 1) and clean.dtype == np.uint8
    for name in outputs:
        out = np.zeros_like(clean)
        for i in range(len(clean)):
            np.random.seed(2000 + i)
            y = functions[name](Image.fromarray(clean[i, :, :, 0], mode="L"))
            out[i, :, :, 0] = np.uint8(y)
        np.save(os.path.join(args.out, f"{name}.npy"), out)
        print(name, int(out.sum()))


if __name__ == "__main__":
    main()
