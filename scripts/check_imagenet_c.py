"""Checks `blight generate imagenet-c` the way its users read it.

`make SOURCE` writes a small ImageNet-style validation tree with Pillow: three classes of
photo-like images of the sizes and modes ImageNet holds (500x375, portrait, a short side of 256,
gray, CMYK). `check SOURCE OUT` then reads the generated set as a PyTorch user's ImageFolder would:
class folders sorted like ImageFolder sorts them and matching the source's, every output a
224x224 RGB JPEG that Pillow opens, one per source image, corruption and severity, and
SHA256SUMS and manifest.json agreeing with the files.

Usage: python scripts/check_imagenet_c.py make SOURCE
       python scripts/check_imagenet_c.py check SOURCE OUT
"""
import hashlib
import json
import os
import sys

import numpy as np
from PIL import Image

FILES = [
    ("n01440764", "ILSVRC2012_val_00000293.JPEG", (500, 375), "RGB"),
    ("n01440764", "ILSVRC2012_val_00002138.JPEG", (333, 500), "RGB"),
    ("n01443537", "ILSVRC2012_val_00000236.JPEG", (256, 341), "RGB"),
    ("n01443537", "ILSVRC2012_val_00000262.JPEG", (400, 300), "L"),
    ("n01484850", "ILSVRC2012_val_00002752.JPEG", (375, 500), "RGB"),
    ("n01484850", "ILSVRC2012_val_00003014.JPEG", (500, 333), "CMYK"),
]


def make(source):
    rng = np.random.RandomState(0)
    for wnid, name, (w, h), mode in FILES:
        y, x = np.mgrid[0:h, 0:w]
        base = np.stack([x * 255 // w, y * 255 // h, (x + y) * 255 // (w + h)], axis=-1)
        noise = rng.randint(0, 40, size=(h, w, 3))
        image = Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8)).convert(mode)
        os.makedirs(os.path.join(source, wnid), exist_ok=True)
        image.save(os.path.join(source, wnid, name), quality=90)


def check(source, out):
    classes = sorted(d.name for d in os.scandir(source) if d.is_dir())
    corruptions = sorted(
        d.name for d in os.scandir(out) if d.is_dir() and not d.name.startswith(".")
    )
    assert len(corruptions) == 19, corruptions
    seen = 0
    for corruption in corruptions:
        severities = sorted(os.listdir(os.path.join(out, corruption)))
        assert severities == ["1", "2", "3", "4", "5"], (corruption, severities)
        for severity in severities:
            root = os.path.join(out, corruption, severity)
            # torchvision's ImageFolder: sorted class folders give the labels.
            found = sorted(d.name for d in os.scandir(root) if d.is_dir())
            assert found == classes, (root, found)
            for wnid in found:
                names = sorted(os.listdir(os.path.join(root, wnid)))
                want = sorted(n for w, n, _, _ in FILES if w == wnid)
                assert names == want, (root, wnid, names)
                for name in names:
                    with Image.open(os.path.join(root, wnid, name)) as image:
                        assert image.format == "JPEG", (root, name, image.format)
                        assert image.mode == "RGB" and image.size == (224, 224), (
                            root,
                            name,
                            image.mode,
                            image.size,
                        )
                        image.load()
                    seen += 1
    assert seen == 19 * 5 * len(FILES), seen

    manifest = json.load(open(os.path.join(out, "manifest.json")))
    listed = {f["path"]: f for f in manifest["files"]}
    assert len(listed) == seen, (len(listed), seen)
    with open(os.path.join(out, "SHA256SUMS")) as sums:
        for line in sums:
            digest, path = line.rstrip("\n").split("  ", 1)
            data = open(os.path.join(out, path), "rb").read()
            assert hashlib.sha256(data).hexdigest() == digest == listed[path]["sha256"], path
            assert len(data) == listed[path]["bytes"], path
    print(f"imagenet-c check: {seen} JPEGs open in Pillow as 224x224 RGB, class folders sorted as "
          f"ImageFolder sorts them, SHA256SUMS and manifest agree")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3])
