"""Makes ImageNet-C parity fixtures for any photos with the Python reference.

Usage (in the environment setup-imagenet-c-env.sh builds):
    python make_imagenet_c_fixtures.py --package DIR --out tests/fixtures/imagenet-c PHOTO [PHOTO...]

DIR is the folder holding the reference `imagenet_c` package. Each photo is loaded like the
dataset loader (PIL, convert('RGB')); photos that are not 224×224 get torchvision's Resize(256)
and CenterCrop(224) first (PIL bilinear, short side 256, banker's-rounded crop offsets). Then, for
every corruption and severity: np.random.seed(1000 + severity), one call of the reference function,
numpy's truncating uint8 cast, lossless PNG. Output: OUT/<photo name>/clean.png and
OUT/<photo name>/<corruption>-<severity>.png.
"""
import argparse
import os
import sys

import numpy as np
from PIL import Image

CORRUPTIONS = ["gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur",
               "motion_blur", "zoom_blur", "snow", "frost", "fog", "brightness", "contrast",
               "elastic_transform", "pixelate", "jpeg_compression", "speckle_noise",
               "gaussian_blur", "spatter", "saturate"]


def resize_and_crop(img):
    """torchvision Resize(256) then CenterCrop(224), without torchvision."""
    w, h = img.size
    if (w, h) == (224, 224):
        return img
    if min(w, h) != 256:
        if w <= h:
            size = (256, int(256 * h / w))
        else:
            size = (int(256 * w / h), 256)
        img = img.resize(size, Image.BILINEAR)
    w, h = img.size
    top, left = int(round((h - 224) / 2.0)), int(round((w - 224) / 2.0))
    return img.crop((left, top, left + 224, top + 224))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--package", required=True, help="folder containing the imagenet_c package")
    ap.add_argument("--out", required=True)
    ap.add_argument("--corruptions", default=",".join(CORRUPTIONS))
    ap.add_argument("photos", nargs="+")
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.package))
    import imagenet_c  # the reference, imported from outside the repository

    functions = imagenet_c.corruption_dict
    for photo in args.photos:
        name = os.path.splitext(os.path.basename(photo))[0]
        with open(photo, "rb") as f:
            img = resize_and_crop(Image.open(f).convert("RGB"))
        out = os.path.join(args.out, name)
        os.makedirs(out, exist_ok=True)
        img.save(os.path.join(out, "clean.png"))
        for corruption in args.corruptions.split(","):
            for severity in range(1, 6):
                np.random.seed(1000 + severity)
                result = np.uint8(functions[corruption](img.copy(), severity))
                Image.fromarray(result).save(os.path.join(out, "%s-%d.png" % (corruption, severity)))
        print(name, "done", flush=True)


if __name__ == "__main__":
    main()
