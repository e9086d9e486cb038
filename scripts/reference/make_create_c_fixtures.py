"""Makes parity fixtures for a suite whose reference is one of hendrycks/robustness's
`ImageNet-C/create_c/make_*_c.py` scripts (CIFAR-10-C: make_cifar_c.py at 32×32, Tiny-ImageNet-C:
make_tinyimagenet_c.py at 64×64, the Inception variant: make_imagenet_c_inception.py at 299×299).

Usage (in the environment setup-imagenet-c-env.sh builds):
    python make_create_c_fixtures.py --script PATH/make_cifar_c.py --size 32 \
        --frost-dir DIR --out tests/fixtures/cifar10-c
    python make_create_c_fixtures.py --script PATH/make_imagenet_c_inception.py --size 299 \
        --frost-dir DIR --out tests/fixtures/imagenet-c-299 --digests \
        --inputs FILE.JPEG --prepare resized_center_crop

The script's functions are loaded with create_c_functions.py (nothing of it is run but its
imports and definitions). Inputs: scikit-image 0.13.1's `chelsea` and `coffee` photos (public
domain), centre-cropped to a square and shrunk to SIZE×SIZE with Pillow's BOX filter, saved as
OUT/<photo>/clean.png. Then, for every corruption and severity: np.random.seed(1000 + severity),
one call of the script's function on the PIL image, numpy's truncating uint8 cast, lossless PNG
OUT/<photo>/<corruption>-<severity>.png (the rule of make_imagenet_c_fixtures.py). frost runs
with DIR (the six textures, e.g. from `blight fetch frost`) as the working directory.

With `--inputs FILE...` the inputs are those image files instead (PIL open + convert('RGB')),
prepared by the script's own function `--prepare NAME` (the Inception script's
`resized_center_crop`); OUT/<file stem>/clean.png holds the prepared image. With `--digests`,
the outputs are not saved as images but as OUT/<input>/digests.json: for each
"<corruption>-<severity>", the sha256 of the uint8 H×W×3 array's bytes (C order), which keeps
299×299 fixtures small.
"""
import hashlib
import json
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
    ap.add_argument("--inputs", nargs="*", help="image files to use instead of --photos")
    ap.add_argument("--prepare", help="the script's function preparing each --inputs image")
    ap.add_argument("--digests", action="store_true", help="sha256 per output, not PNGs")
    args = ap.parse_args()
    functions = create_c_functions.load(os.path.abspath(args.script))
    frost_dir = os.path.abspath(args.frost_dir)
    if args.inputs:
        inputs = []
        for path in args.inputs:
            with open(path, "rb") as f:
                img = Image.open(f).convert("RGB")
            if args.prepare:
                img = functions[args.prepare](img)
            inputs.append((os.path.splitext(os.path.basename(path))[0], img))
    else:
        import skimage.data
        inputs = [(name, square(getattr(skimage.data, name)(), args.size))
                  for name in args.photos.split(",")]
    for name, img in inputs:
        if img.size != (args.size, args.size):
            raise SystemExit("%s is %s after preparation, not %d square" % (name, img.size, args.size))
        out = os.path.join(args.out, name)
        os.makedirs(out, exist_ok=True)
        img.save(os.path.join(out, "clean.png"))
        digests = {}
        for corruption in args.corruptions.split(","):
            for severity in range(1, 6):
                np.random.seed(1000 + severity)
                with create_c_functions.in_dir(frost_dir):
                    result = np.uint8(functions[corruption](img.copy(), severity))
                label = "%s-%d" % (corruption, severity)
                if args.digests:
                    digests[label] = hashlib.sha256(np.ascontiguousarray(result).tobytes()).hexdigest()
                else:
                    Image.fromarray(result).save(os.path.join(out, label + ".png"))
        if args.digests:
            with open(os.path.join(out, "digests.json"), "w") as f:
                json.dump(digests, f, indent=1, sort_keys=True)
                f.write("\n")
        print(name, "done", flush=True)


if __name__ == "__main__":
    main()
