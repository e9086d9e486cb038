"""Writes tests/fixtures/python/impulse_noise.npz: imagecorruptions 1.1.2's impulse_noise with
scikit-image 0.18.3, whose random_noise draws from numpy's global RandomState (0.19 and later
draw from a generator of their own, so there `np.random.seed` no longer fixes the image). The
Python package's drop-in test compares against these where its own scikit-image is newer.

Run in an environment with imagecorruptions 1.1.2, scikit-image 0.18.3 and numpy < 2:
    python scripts/reference/make_dropin_impulse_fixtures.py tests/fixtures/python/impulse_noise.npz
"""
import sys

import numpy as np
import skimage
from imagecorruptions import corrupt

assert skimage.__version__ == "0.18.3", skimage.__version__

# The inputs: one non-square RGB image and one gray image, from a fixed legacy stream.
inputs = np.random.RandomState(2026)
images = {
    "rgb": inputs.randint(0, 256, size=(47, 61, 3)).astype(np.uint8),
    "gray": inputs.randint(0, 256, size=(45, 38)).astype(np.uint8),
}

out = {}
for kind, image in images.items():
    out[f"{kind}_input"] = image
    for severity in range(1, 6):
        # A seed per case, and an odd number of normals drawn first so a Gaussian is cached:
        # the state written back must carry it through unchanged.
        seed = 1000 * severity + len(kind)
        np.random.seed(seed)
        np.random.standard_normal(3)
        corrupted = corrupt(image, severity=severity, corruption_name="impulse_noise")
        _, key, pos, has_gauss, gauss = np.random.get_state()
        tag = f"{kind}_{severity}"
        out[f"{tag}_seed"] = np.array(seed)
        out[f"{tag}_output"] = corrupted
        out[f"{tag}_key"] = key
        out[f"{tag}_pos"] = np.array(pos)
        out[f"{tag}_has_gauss"] = np.array(has_gauss)
        out[f"{tag}_gauss"] = np.array(gauss)

np.savez_compressed(sys.argv[1], **out)
