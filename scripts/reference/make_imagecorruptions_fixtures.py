"""Reference outputs of bethgelab imagecorruptions==1.1.2 at sizes other than 224x224.

Run with the environment of requirements-imagecorruptions-1.1.2.txt:

    python make_imagecorruptions_fixtures.py OUT_DIR [--png-dir DIR] [--only INPUT]

Inputs are scikit-image sample photos, resized or cropped here deterministically and saved as
lossless PNG under OUT_DIR/inputs/. For each input, corruption (all 19) and severity (1..5):
np.random.seed(1000 + severity) right before imagecorruptions.corrupt(...). Small inputs keep
every output as PNG (OUT_DIR/<input>/<corruption>-<severity>.png); large ones keep the sha256 of
the output's raw pixel bytes (H*W*3 uint8, row-major RGB) in OUT_DIR/<input>.json.

OpenCV's own code is the reference, so Intel IPP is switched off (cv2.ipp.setUseIPP(False)) before
anything runs. The opencv-python wheel otherwise hands frost's bicubic texture enlargement and
defocus_blur's DFT filter to IPP, whose results depend on the CPU it picks code for (its SSE4.2,
AVX2 and AVX-512 resize differ from each other in about 10 values per million).
--png-dir also writes every output as PNG there (for inspecting differences, not committed).
--only INPUT[,INPUT...] makes those inputs' fixtures (the others are left as they are).

numpy 1.23 computes float64 exp with its own AVX512F code on CPUs that have it, which differs
from the C library's exp by an ulp here and there; motion_blur's kernel weights go through it, so
its outputs would depend on the CPU. The fixtures are the portable ones: on an AVX512F machine run
with NPY_DISABLE_CPU_FEATURES="AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL"
(drop the names numpy says the CPU lacks); the script refuses to run with AVX512F active.
"""

import hashlib
import json
import os
import sys

import cv2
import numpy as np
from PIL import Image
import skimage
import skimage.data
from imagecorruptions import corrupt, get_corruption_names


def inputs():
    """name -> (uint8 array, store PNGs?)"""
    coffee = Image.fromarray(skimage.data.coffee())  # 400x600 RGB
    rgb = np.asarray(coffee.resize((640, 427), Image.BICUBIC))  # H=427, W=640
    gray = skimage.data.camera()[100:400, 150:350]  # 512x512 gray -> H=300, W=200
    chelsea = Image.fromarray(skimage.data.chelsea())  # 300x451 RGB
    small = np.asarray(chelsea.resize((47, 33), Image.BOX))  # H=33, W=47
    # A street-camera frame size (W=2048, H=1024): coffee's middle 300 rows (2:1) enlarged.
    wide = np.asarray(coffee.crop((0, 50, 600, 350)).resize((2048, 1024), Image.BICUBIC))
    return {
        "coffee-427x640": (rgb, False),
        "coffee-1024x2048": (wide, False),
        "camera-300x200-gray": (gray, False),
        "chelsea-33x47": (small, True),
    }


def main():
    if np.core._multiarray_umath.__cpu_features__.get("AVX512F"):
        sys.exit("numpy's AVX512F exp is active: set NPY_DISABLE_CPU_FEATURES (see the docstring)")
    cv2.ipp.setUseIPP(False)
    out = sys.argv[1]
    png_dir = sys.argv[sys.argv.index("--png-dir") + 1] if "--png-dir" in sys.argv else None
    os.makedirs(os.path.join(out, "inputs"), exist_ok=True)
    only = sys.argv[sys.argv.index("--only") + 1].split(",") if "--only" in sys.argv else None
    names = get_corruption_names("all")
    for name, (image, store_png) in inputs().items():
        if only is not None and name not in only:
            continue
        Image.fromarray(image).save(os.path.join(out, "inputs", name + ".png"))
        sums = {}
        for corruption in names:
            for severity in range(1, 6):
                np.random.seed(1000 + severity)
                result = corrupt(image, corruption_name=corruption, severity=severity)
                assert result.dtype == np.uint8 and result.shape == image.shape[:2] + (3,)
                key = "%s-%d" % (corruption, severity)
                sums[key] = hashlib.sha256(np.ascontiguousarray(result).tobytes()).hexdigest()
                if store_png:
                    os.makedirs(os.path.join(out, name), exist_ok=True)
                    Image.fromarray(result).save(os.path.join(out, name, key + ".png"))
                if png_dir:
                    os.makedirs(os.path.join(png_dir, name), exist_ok=True)
                    Image.fromarray(result).save(os.path.join(png_dir, name, key + ".png"))
                print(name, key, flush=True)
        if not store_png:
            with open(os.path.join(out, name + ".json"), "w") as f:
                fixture = {"shape": list(image.shape[:2]) + [3], "sha256": sums}
                json.dump(fixture, f, indent=1, sort_keys=True)
                f.write("\n")


if __name__ == "__main__":
    main()
