"""Makes tests/fixtures/frost-resize.json: what the CIFAR-10-C and Tiny-ImageNet-C scripts' frost
does to each texture before cropping, `cv2.resize(cv2.imread(file), (0, 0), fx=f, fy=f)`, for
f = 0.2 (make_cifar_c.py) and 0.3 (make_tinyimagenet_c.py), in OpenCV 3.4.2 (opencv-python
3.4.2.17, the 2018 stack of setup-imagenet-c-env.sh).

Usage: python make_frost_resize_fixture.py --frost-dir DIR --out tests/fixtures/frost-resize.json

Per texture file and factor: the result's (height, width) and the sha256 of its pixels as RGB
(the BGR array with its channels reversed, as the scripts use it), C order.
"""
import argparse
import os

import cv2

from texture_digests import rgb_sha256, write_json

FILES = ["frost1.png", "frost2.png", "frost3.png", "frost4.jpg", "frost5.jpg", "frost6.jpg"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frost-dir", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    result = {"opencv": cv2.__version__, "textures": {}}
    for name in FILES:
        texture = cv2.imread(os.path.join(args.frost_dir, name))
        for factor in (0.2, 0.3):
            small = cv2.resize(texture, (0, 0), fx=factor, fy=factor)
            result["textures"]["%s@%s" % (name, factor)] = {
                "shape": list(small.shape[:2]),
                "sha256": rgb_sha256(small),
            }
    write_json(args.out, result)


if __name__ == "__main__":
    main()
