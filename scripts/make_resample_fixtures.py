"""Makes the Pillow resize fixtures in tests/fixtures/resample/ (see the README there).

Run from the repository root with any Python that has numpy and Pillow:
    python scripts/make_resample_fixtures.py
Each output is `Image.resize((w, h), filter)` of an input PNG in the same folder. Geometries where
Pillow's box filter edge rule matters (Pillow >= 7 uses (-0.5, 0.5], Pillow 5.0 [-0.5, 0.5)) are
refused, so the files are valid for both.
"""

import math
import os

import numpy as np
from PIL import Image

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures")
OUT = os.path.join(HERE, "resample")


def box_edge_matters(in_size, out_size):
    """True when some sample position lands exactly on a box edge (Pillow's coefficient loop)."""
    scale = float(np.float32(in_size)) / out_size
    filterscale = max(scale, 1.0)
    support = 0.5 * filterscale
    ss = 1.0 / filterscale
    for xx in range(out_size):
        center = (xx + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), in_size)
        for x in range(xmin, xmax):
            if abs((x - center + 0.5) * ss) == 0.5:
                return True
    return False


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.RandomState(2024)
    noise = Image.fromarray(rng.randint(0, 256, size=(29, 41, 3)).astype(np.uint8), "RGB")
    noise.save(os.path.join(OUT, "noise-41x29.png"))
    astronaut = Image.open(os.path.join(HERE, "imagenet-c", "astronaut", "clean.png")).convert("RGB")
    cases = [
        ("noise-41x29", noise, "box", [(17, 11), (64, 45), (41, 13), (20, 29), (100, 7), (5, 3)]),
        ("noise-41x29", noise, "bilinear", [(17, 11), (64, 45), (33, 50), (7, 3), (41, 60), (90, 29)]),
        ("astronaut", astronaut, "box", [(89, 67), (150, 256)]),
        ("astronaut", astronaut, "bilinear", [(256, 256), (97, 131)]),
    ]
    filters = {"box": Image.BOX, "bilinear": Image.BILINEAR}
    for name, image, filt, sizes in cases:
        for w, h in sizes:
            if filt == "box" and (box_edge_matters(image.width, w) or box_edge_matters(image.height, h)):
                raise SystemExit(f"{name} -> {w}x{h}: box edge rule would differ between Pillow versions")
            out = image.resize((w, h), filters[filt])
            out.save(os.path.join(OUT, f"{name}-{filt}-{w}x{h}.png"))


if __name__ == "__main__":
    main()
