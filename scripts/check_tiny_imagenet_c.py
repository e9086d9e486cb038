"""Checks `blight generate tiny-imagenet-c` the way its users read it: with Pillow.

`check SOURCE OUT CORRUPTIONS` walks OUT's `<corruption>/<severity>/<class>/<file>` tree for the
comma-separated CORRUPTIONS: every source image of SOURCE's class folders has one output per
corruption and severity, each a 64×64 RGB JPEG that Pillow opens and decodes, and nothing else
is there.

Usage: python scripts/check_tiny_imagenet_c.py check SOURCE OUT CORRUPTIONS
"""
import os
import sys

from PIL import Image


def check(source, out, corruptions):
    inputs = sorted(os.path.join(c, f) for c in os.listdir(source)
                    if os.path.isdir(os.path.join(source, c))
                    for f in os.listdir(os.path.join(source, c)))
    count = 0
    for corruption in corruptions:
        for severity in range(1, 6):
            folder = os.path.join(out, corruption, str(severity))
            found = sorted(os.path.join(c, f) for c in os.listdir(folder)
                           for f in os.listdir(os.path.join(folder, c)))
            assert found == inputs, (corruption, severity, found, inputs)
            for rel in found:
                with Image.open(os.path.join(folder, rel)) as img:
                    assert img.format == "JPEG" and img.mode == "RGB", (rel, img.format, img.mode)
                    assert img.size == (64, 64), (rel, img.size)
                    img.load()
                count += 1
    print("%s: %d JPEGs open in Pillow, 64x64 RGB, one per input, corruption and severity"
          % (out, count))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4].split(","))
    else:
        raise SystemExit(__doc__)
