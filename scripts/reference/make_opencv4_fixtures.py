"""OpenCV 4.5.5's own code (opencv-python-headless 4.5.5.64 with IPP switched off, as
make_imagecorruptions_fixtures.py runs imagecorruptions 1.1.2) on two operations that IPP computes
differently: `distanceTransform(src, DIST_L2, 5)` (spatter's water) and float32
`cvtColor(x, COLOR_RGB2GRAY)` (snow). Run on an x86-64 CPU with AVX2, whose code OpenCV picks
for the colour conversion.

    ENV/bin/python scripts/reference/make_opencv4_fixtures.py tests/fixtures/opencv4

Writes, row-major, little-endian:
- distance-input.u8: a 47x61 binary image with sparse features (0 = feature, 255 elsewhere);
- distance.f32le: its distances with IPP off; distance-ipp.f32le: with IPP on, for contrast;
- gray-input.f32le: a 13x61x3 float32 RGB image in [0, 1) (61 = 7 * 8 + 5: vector and scalar
  columns); gray.f32le: its 13x61 gray with IPP off.
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
cv2.ipp.setUseIPP(True)
ipp = cv2.distanceTransform(src, cv2.DIST_L2, 5)
cv2.ipp.setUseIPP(False)
own = cv2.distanceTransform(src, cv2.DIST_L2, 5)
assert (own != ipp).any()
(out / "distance-input.u8").write_bytes(src.tobytes())
(out / "distance.f32le").write_bytes(own.astype("<f4").tobytes())
(out / "distance-ipp.f32le").write_bytes(ipp.astype("<f4").tobytes())

rgb = rng.rand(13, 61, 3).astype(np.float32)
gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
(out / "gray-input.f32le").write_bytes(rgb.astype("<f4").tobytes())
(out / "gray.f32le").write_bytes(gray.astype("<f4").tobytes())
print(own.max(), (src == 0).sum(), int((own != ipp).sum()), "distances differ with IPP")
