"""Makes the end-to-end fixtures of `blight generate imagenet-c --rng numpy`: a small ImageNet-style
validation tree of odd JPEGs, and what the original dataset chain writes for it.

Usage (in the environment setup-imagenet-c-env.sh builds):
    python make_imagenet_c_dataset_fixtures.py --package DIR --out tests/fixtures/imagenet-c-dataset \
        [--seed 7] [--corruptions a,b,...] [--severities 1,5]

DIR is the folder holding the reference `imagenet_c` package (its frost/ textures beside it).

Inputs (OUT/val/<wnid>/<name>.JPEG, made once, kept if present): photos from scikit-image's
`skimage/data` (public domain), saved by this Pillow 5.0.0 (IJG libjpeg 9b) at quality 90 — a
landscape 500×375, a portrait 333×500, one whose short side is exactly 256, a gray (mode L)
file, and two CMYK files: `convert('CMYK')` (K = 0) and one with under-colour removal (K > 0).
Pillow writes CMYK as Photoshop does: Adobe marker, transform 0, inverted values.

OUT/decoded.json: per input, its Pillow mode and size and the sha256 of its pixels as opened,
after convert('RGB'), and after Resize + CenterCrop.

Outputs (OUT/reference/<corruption>/<severity>/<wnid>/<name>.JPEG): make_imagenet_c.py's chain
for sample i in ImageFolder order (classes sorted, files sorted): PIL open + convert('RGB'),
torchvision 0.2.1 Resize(256) and CenterCrop(224), np.random.seed(SEED + i), the package's
corruption, np.uint8, save(quality=85, optimize=True). torchvision 0.2.1 needs torch, which has
no build for this stack here, so `resize_256` and `center_crop_224` below restate its
`transforms.functional.resize` (short side to 256, long side int(256·long/short), PIL bilinear;
an image whose short side is already 256 untouched) and `center_crop` (offsets
int(round((len − 224)/2.)) with Python 3's half-to-even round, PIL `crop`).
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
from PIL import Image

CORRUPTIONS = ["gaussian_noise", "impulse_noise", "glass_blur", "motion_blur", "snow", "frost",
               "fog", "contrast", "elastic_transform", "jpeg_compression", "spatter", "saturate"]


def skimage_photo(name):
    import skimage.data
    return Image.open(os.path.join(os.path.dirname(skimage.data.__file__), name)).convert("RGB")


def under_colour_removal(rgb):
    """A CMYK image with real black: K = 255 − max(R, G, B), C/M/Y the rest, scaled by 1 − K."""
    a = np.asarray(rgb, dtype=np.float64)
    k = 255.0 - a.max(axis=2)
    scale = np.where(k < 255.0, 255.0 / np.maximum(255.0 - k, 1e-9), 0.0)
    cmy = (255.0 - a - k[..., None]) * scale[..., None]
    cmyk = np.concatenate([cmy, k[..., None]], axis=2)
    return Image.fromarray(np.uint8(np.round(cmyk)), "CMYK")


def make_inputs(val):
    coffee, astronaut = skimage_photo("coffee.png"), skimage_photo("astronaut.png")
    chelsea, rocket = skimage_photo("chelsea.png"), skimage_photo("rocket.jpg")
    motorcycle = skimage_photo("motorcycle_left.png")
    files = [
        # Landscape 500×375, as most ImageNet photos.
        ("n01440764/ILSVRC2012_val_00000293.JPEG",
         coffee.crop((33, 0, 566, 400)).resize((500, 375), Image.LANCZOS)),
        # Portrait 333×500.
        ("n01440764/ILSVRC2012_val_00002138.JPEG",
         astronaut.crop((85, 0, 426, 512)).resize((333, 500), Image.LANCZOS)),
        # Short side exactly 256: Resize leaves it alone.
        ("n01443537/ILSVRC2012_val_00000236.JPEG", chelsea.resize((385, 256), Image.LANCZOS)),
        # Gray (mode L).
        ("n01443537/ILSVRC2012_val_00000262.JPEG",
         rocket.resize((361, 241), Image.LANCZOS).convert("L")),
        # CMYK through Pillow's naive conversion (K = 0).
        ("n01484850/ILSVRC2012_val_00002752.JPEG",
         motorcycle.resize((400, 270), Image.LANCZOS).convert("CMYK")),
        # CMYK with black, portrait.
        ("n01484850/ILSVRC2012_val_00003014.JPEG",
         under_colour_removal(coffee.crop((300, 40, 560, 400)).resize((260, 360), Image.LANCZOS))),
    ]
    for rel, image in files:
        path = os.path.join(val, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        image.save(path, quality=90)


def image_folder(val):
    """torchvision ImageFolder's order: class folders sorted, files sorted within each."""
    samples = []
    for wnid in sorted(os.listdir(val)):
        for name in sorted(os.listdir(os.path.join(val, wnid))):
            samples.append((wnid, name, os.path.join(val, wnid, name)))
    return samples


def resize_256(img):
    w, h = img.size
    if (w <= h and w == 256) or (h <= w and h == 256):
        return img
    if w < h:
        return img.resize((256, int(256 * h / w)), Image.BILINEAR)
    return img.resize((int(256 * w / h), 256), Image.BILINEAR)


def center_crop_224(img):
    w, h = img.size
    top, left = int(round((h - 224) / 2.)), int(round((w - 224) / 2.))
    return img.crop((left, top, left + 224, top + 224))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--package", required=True, help="folder containing the imagenet_c package")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--corruptions", default=",".join(CORRUPTIONS))
    ap.add_argument("--severities", default="1,5")
    args = ap.parse_args()
    sys.path.insert(0, os.path.abspath(args.package))
    from imagenet_c import corruptions  # the reference, imported from outside the repository

    val = os.path.join(args.out, "val")
    if not os.path.isdir(val):
        make_inputs(val)
    samples = image_folder(val)
    # How this Pillow decodes and prepares each input: sha256 of the pixels in the file's own
    # mode (L, RGB, or CMYK after Pillow's inverted unpacking), after convert('RGB'), and after
    # Resize + CenterCrop.
    decoded = {}
    for wnid, name, path in samples:
        img = Image.open(path)
        rgb = img.convert("RGB")
        decoded[wnid + "/" + name] = {
            "mode": img.mode, "size": list(img.size),
            "native": hashlib.sha256(img.tobytes()).hexdigest(),
            "rgb": hashlib.sha256(rgb.tobytes()).hexdigest(),
            "prepared": hashlib.sha256(center_crop_224(resize_256(rgb)).tobytes()).hexdigest(),
        }
    with open(os.path.join(args.out, "decoded.json"), "w") as f:
        json.dump(decoded, f, indent=1, sort_keys=True)
    for corruption in args.corruptions.split(","):
        function = getattr(corruptions, corruption)
        for severity in map(int, args.severities.split(",")):
            for i, (wnid, name, path) in enumerate(samples):
                img = center_crop_224(resize_256(Image.open(path).convert("RGB")))
                np.random.seed(args.seed + i)
                result = np.uint8(function(img, severity))
                out = os.path.join(args.out, "reference", corruption, str(severity), wnid)
                os.makedirs(out, exist_ok=True)
                Image.fromarray(result).save(os.path.join(out, name), quality=85, optimize=True)
        print(corruption, "done", flush=True)


if __name__ == "__main__":
    main()
