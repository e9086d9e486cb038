"""OpenCV 4.5.5 (opencv-python-headless 4.5.5.64, with IPP: the build imagecorruptions 1.1.2 runs on
in requirements-imagecorruptions-1.1.2.txt) `distanceTransform(src, DIST_L2, 5)` of a 61×47 binary
image with sparse features, for src/ops/distance.rs's float-chamfer test.

Writes tests/fixtures/opencv4-distance/{input.u8,distance.f32le}: the input (0 = feature, 255
elsewhere) and the float32 distances, row-major.

    ENV/bin/python scripts/reference/make_opencv4_distance_fixture.py tests/fixtures/opencv4-distance
"""
import pathlib
import sys

import cv2
import numpy as np

assert cv2.__version__ == "4.5.5", cv2.__version__
out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
rng = np.random.RandomState(20261206)
src = np.where(rng.rand(47, 61) < 0.02, 0, 255).astype(np.uint8)
distance = cv2.distanceTransform(src, cv2.DIST_L2, 5)
(out / "input.u8").write_bytes(src.tobytes())
(out / "distance.f32le").write_bytes(distance.astype("<f4").tobytes())
print(distance.max(), (src == 0).sum())
