"""Makes the end-to-end fixtures of `blight generate tiny-imagenet-c --rng numpy`: what
make_tinyimagenet_c.py's dataset chain writes for a small class-folder tree when each corruption
call on sample i is preceded by np.random.seed(SEED + i).

Usage (in the environment setup-imagenet-c-env.sh builds):
    python make_tiny_imagenet_c_dataset_fixtures.py --script PATH/make_tinyimagenet_c.py \
        --frost-dir DIR --val tests/fixtures/imagenet-c-dataset/val \
        --out tests/fixtures/tiny-imagenet-c-dataset [--seed 7] [--severities 1,5]

Inputs: the class folders of VAL (the six odd JPEGs of the ImageNet-C dataset fixtures: landscape,
portrait, gray, CMYK), in ImageFolder order (classes sorted, files sorted). Per sample i: PIL
open + convert('RGB'); torchvision 0.2.1's Resize((64, 64)), which for a (h, w) pair is
`img.resize((w, h), BILINEAR)` (restated here: torch has no build for this stack); then for every
corruption of the script and each severity, np.random.seed(SEED + i), the script's function
(loaded by create_c_functions.py; frost with DIR as the working directory), np.uint8, and
save(quality=85, optimize=True) as OUT/reference/<corruption>/<severity>/<class>/<file>, the
script's DistortImageFolder path. Running it again reproduces every file byte for byte.
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


def samples(val):
    """(class, file name, path) in ImageFolder order."""
    out = []
    for cls in sorted(d for d in os.listdir(val) if os.path.isdir(os.path.join(val, d))):
        for name in sorted(os.listdir(os.path.join(val, cls))):
            out.append((cls, name, os.path.join(val, cls, name)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True, help="make_tinyimagenet_c.py")
    ap.add_argument("--frost-dir", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--severities", default="1,5")
    args = ap.parse_args()
    functions = create_c_functions.load(os.path.abspath(args.script))
    frost_dir = os.path.abspath(args.frost_dir)
    severities = [int(s) for s in args.severities.split(",")]
    for i, (cls, name, path) in enumerate(samples(args.val)):
        with open(path, "rb") as f:
            img = Image.open(f).convert("RGB")
        img = img.resize((64, 64), Image.BILINEAR)
        for corruption in CORRUPTIONS:
            for severity in severities:
                np.random.seed(args.seed + i)
                with create_c_functions.in_dir(frost_dir):
                    result = functions[corruption](img.copy(), severity)
                folder = os.path.join(args.out, "reference", corruption, str(severity), cls)
                os.makedirs(folder, exist_ok=True)
                Image.fromarray(np.uint8(result)).save(os.path.join(folder, name), quality=85,
                                                       optimize=True)
        print(name, "done", flush=True)


if __name__ == "__main__":
    main()
