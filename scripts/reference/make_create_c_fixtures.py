"""Makes parity fixtures for a suite whose reference is one of hendrycks/robustness's
`ImageNet-C/create_c/make_*_c.py` scripts (CIFAR-10-C: make_cifar_c.py at 32×32, Tiny-ImageNet-C:
make_tinyimagenet_c.py at 64×64, the Inception variant: make_imagenet_c_inception.py at 299×299).

Usage (in the environment setup-imagenet-c-env.sh builds):
    python make_create_c_fixtures.py --script PATH/make_cifar_c.py --size 32 \
        --frost-dir DIR --out tests/fixtures/cifar10-c

The script's functions are loaded with create_c_functions.py (nothing of it is run but its
imports and definitions). Inputs: scikit-image 0.13.1's `chelsea` and `coffee` photos (public
domain), centre-cropped to a square and shrunk to SIZE×SIZE with Pillow's BOX filter, saved as
OUT/<photo>/clean.png. Then, for every corruption and severity: np.random.seed(1000 + severity),
one call of the script's function on the PIL image, numpy's truncating uint8 cast, lossless PNG
OUT/<photo>/<corruption>-<severity>.png (the rule of make_imagenet_c_fixtures.py). frost runs
with DIR (the six textures, e.g. from `blight fetch frost`) as the working directory.
"""
import argparse
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import create_c_functions  # noqa: E402

CORRUPTIONS = ["gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur",
               "motion_blur", "zoom_blur", "snow", "frost", "fog", "brightness", "contrast",
               "elastic_transform", "pixelate", "jpeg_compression", "speckle_noise",
               "gaussian_blur", "spatter", "saturate"]


def square(photo, size):
    """The centred square of an H×W×3 array, shrunk to size×size with PIL BOX."""
    h, w = photo.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    img = Image.fromarray(photo[top:top + side, left:left + side])
    return img.resize((size, size), Image.BOX)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True, help="the create_c script, e.g. make_cifar_c.py")
    ap.add_argument("--size", type=int, required=True, help="the script's image side")
    ap.add_argument("--frost-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--corruptions", default=",".join(CORRUPTIONS))
    ap.add_argument("--photos", default="chelsea,coffee")
    args = ap.parse_args()
    functions = create_c_functions.load(os.path.abspath(args.script))
    frost_dir = os.path.abspath(args.frost_dir)
    import skimage.data
    for name in args.photos.split(","):
        img = square(getattr(skimage.data, name)(), args.size)
        out = os.path.join(args.out, name)
        os.makedirs(out, exist_ok=True)
        img.save(os.path.join(out, "clean.png"))
        for corruption in args.corruptions.split(","):
            for severity in range(1, 6):
                np.random.seed(1000 + severity)
                with create_c_functions.in_dir(frost_dir):
                    result = np.uint8(functions[corruption](img.copy(), severity))
                Image.fromarray(result).save(os.path.join(out, "%s-%d.png" % (corruption, severity)))
        print(name, "done", flush=True)


if __name__ == "__main__":
    main()
