"""Makes tests/fixtures/cubic-resize.json: OpenCV 4.5.5's own bicubic resize of 8-bit images
(`cv2.resize(texture, (W, H), interpolation=cv2.INTER_CUBIC)` with Intel IPP switched off), the
enlargement imagecorruptions' frost gives its textures, on all six frost textures.

Run in the environment of requirements-imagecorruptions-1.1.2.txt:

    python make_cubic_resize_fixture.py --frost-dir DIR --out tests/fixtures/cubic-resize.json

Per texture file and target size: the sha256 of the result's pixels as RGB (the BGR array with
its channels reversed), C order. The sizes are frost's ×1.1 for images the texture covers, its
enlargement for a 1024×2048 frame, 2.53 and 1.7, and a shrink to 0.37; their row lengths
(width × 3) leave every remainder modulo 8, where OpenCV switches from its vector code to its
scalar fixed point.
"""
import argparse
import math
import os

import cv2

from texture_digests import rgb_sha256, write_json

FILES = ["frost1.png", "frost2.png", "frost3.png", "frost4.jpg", "frost5.jpg", "frost6.jpg"]
FACTORS = [1.1, 2.53, 1.7, 0.37]


def sizes(height, width):
    """(width, height) targets for a texture of height x width."""
    out = [(math.ceil(width * f), math.ceil(height * f)) for f in FACTORS]
    frame = max(1024 / height, 2048 / width) * 1.1
    out.append((math.ceil(width * frame), math.ceil(height * frame)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frost-dir", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cv2.ipp.setUseIPP(False)
    result = {"opencv": cv2.__version__, "ipp": cv2.ipp.useIPP(), "textures": {}}
    for name in FILES:
        texture = cv2.imread(os.path.join(args.frost_dir, name))
        for width, height in sizes(*texture.shape[:2]):
            resized = cv2.resize(texture, (width, height), interpolation=cv2.INTER_CUBIC)
            result["textures"]["%s@%dx%d" % (name, width, height)] = {
                "width": width,
                "height": height,
                "sha256": rgb_sha256(resized),
            }
    write_json(args.out, result)


if __name__ == "__main__":
    main()
