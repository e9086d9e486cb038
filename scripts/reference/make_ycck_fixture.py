"""Makes tests/fixtures/jpeg/files/ycck-45x29.* : a YCCK JPEG and Pillow 5.0.0's decoding of it.

Usage (in the environment setup-imagenet-c-env.sh builds, from the repository root):
    gcc scripts/reference/write_ycck_jpeg.c -o /tmp/write_ycck_jpeg -ljpeg
    python scripts/reference/make_ycck_fixture.py /tmp/write_ycck_jpeg

The photo is scikit-image's chelsea.png resized to 45×29 (odd: partial MCUs of the 2×2 Y and K),
separated into inks with black (K = 255 − max(R, G, B)) and stored inverted, as Adobe files are.
Outputs: `.jpg` the file; `.ijg9.cmyk` the raw C, M, Y, K bytes of `Image.open` (mode "CMYK",
Pillow's inverted "CMYK;I" unpacking); `.ijg9.png` its `convert('RGB')`.
"""
import os
import subprocess
import sys

import numpy as np
import skimage.data
from PIL import Image

writer = sys.argv[1]
out = os.path.join("tests", "fixtures", "jpeg", "files", "ycck-45x29")
photo = Image.open(os.path.join(os.path.dirname(skimage.data.__file__), "chelsea.png"))
a = np.asarray(photo.convert("RGB").resize((45, 29), Image.LANCZOS), dtype=np.float64)
k = 255.0 - a.max(axis=2)
cmy = (255.0 - a - k[..., None]) * np.where(k < 255.0, 255.0 / np.maximum(255.0 - k, 1e-9), 0.0)[..., None]
ink = np.uint8(np.round(np.concatenate([cmy, k[..., None]], axis=2)))
subprocess.run([writer, "45", "29", "90", out + ".jpg"], input=(255 - ink).tobytes(), check=True)
decoded = Image.open(out + ".jpg")
assert decoded.mode == "CMYK"
with open(out + ".ijg9.cmyk", "wb") as f:
    f.write(decoded.tobytes())
decoded.convert("RGB").save(out + ".ijg9.png")
