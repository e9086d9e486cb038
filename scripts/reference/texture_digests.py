"""Shared by the frost texture resize fixture scripts: a resized texture's digest and the JSON
file they write."""
import hashlib
import json

import numpy as np


def rgb_sha256(bgr):
    """sha256 of an OpenCV BGR image's pixels as RGB (channels reversed, as the references use
    the textures), C order."""
    return hashlib.sha256(np.ascontiguousarray(bgr[..., [2, 1, 0]]).tobytes()).hexdigest()


def write_json(path, result):
    with open(path, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
