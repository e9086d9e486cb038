"""blight_corrupt against imagecorruptions 1.1.2, installed side by side.

For every corruption and severity, on a non-square RGB image and a gray one:
``np.random.seed(s); imagecorruptions.corrupt(...)`` and ``np.random.seed(s);
blight_corrupt.corrupt(...)`` must give identical arrays and leave identical
``np.random.get_state()``. Bad input must raise the exception type imagecorruptions raises.
``corrupt`` must release the GIL, so two threads run side by side (the speed-up is asserted
when the machine has two free cores at that moment, measured with sha256 threads).

imagecorruptions runs with OpenCV's own code (``cv2.ipp.setUseIPP(False)``): with Intel IPP on,
the opencv-python wheel's frost texture enlargement depends on the CPU (its SSE4.2, AVX2 and
AVX-512 code differ in about 10 values per million), so blight follows OpenCV's own code, which
does not. The README says what that means for a default install.

impulse_noise: scikit-image 0.19 and later draw its salt and pepper from a generator of their own
(``np.random.default_rng``), so with those imagecorruptions' impulse_noise is no longer fixed by
``np.random.seed`` and leaves the global stream untouched. blight replays 1.1.2 as it runs with
scikit-image 0.18.3 (the version it was written for, drawing from the global stream). Where the
installed scikit-image is newer, impulse_noise is compared with outputs and states that
imagecorruptions 1.1.2 made with scikit-image 0.18.3
(tests/fixtures/python/impulse_noise.npz, scripts/reference/make_dropin_impulse_fixtures.py).

Run: python python/tests/test_dropin.py (with blight_corrupt and imagecorruptions installed).
"""

import hashlib
import inspect
import os
import threading
import time
import unittest

import cv2
import numpy as np
import skimage
import skimage.filters

import blight_corrupt
import imagecorruptions
import imagecorruptions.corruptions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMPULSE_FIXTURES = os.path.join(ROOT, "tests", "fixtures", "python", "impulse_noise.npz")

if np.core._multiarray_umath.__cpu_features__.get("AVX512F"):
    # numpy's own AVX512F float64 exp differs from the C library's by an ulp at times; blight
    # follows the portable one (scripts/python-test.sh sets this).
    raise SystemExit("numpy's AVX512F code is active: set NPY_DISABLE_CPU_FEATURES to the "
                     "AVX512 features numpy lists (see scripts/python-test.sh)")

if "multichannel" not in inspect.signature(skimage.filters.gaussian).parameters:
    # imagecorruptions 1.1.2 calls gaussian(..., multichannel=True); no scikit-image with Python
    # 3.11 wheels (0.20 and later) takes that keyword any more. The one rename to its successor,
    # channel_axis=-1, in the module imagecorruptions imported gaussian into, lets the package run
    # unchanged otherwise.
    def _gaussian(*args, multichannel=None, **kwargs):
        if multichannel is not None:
            kwargs["channel_axis"] = -1 if multichannel else None
        return skimage.filters.gaussian(*args, **kwargs)

    imagecorruptions.corruptions.gaussian = _gaussian

# OpenCV's own code, not the CPU-dependent IPP (see the docstring).
cv2.ipp.setUseIPP(False)

# Does this scikit-image's random_noise draw from numpy's global stream (before 0.19)?
SKIMAGE_SEEDABLE = tuple(int(p) for p in skimage.__version__.split(".")[:2]) < (0, 19)


def photo(height, width, channels):
    """A smooth test picture with edges and some texture, so blurs and warps have work to do."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    texture = np.random.RandomState(height * width).randint(0, 40, size=(height, width))
    bands = [
        127 + 100 * np.sin(x / 5.0 + k) * np.cos(y / 7.0 - k) + texture - 20
        for k in range(channels)
    ]
    picture = np.stack(bands, axis=-1)
    picture[height // 3 : height // 2, width // 4 : width // 2] = 250
    picture = np.clip(picture, 0, 255).astype(np.uint8)
    return picture[:, :, 0] if channels == 1 else picture


def timed(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def in_two_threads(work):
    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def state_tuple():
    _, key, pos, has_gauss, gauss = np.random.get_state()
    return key.copy(), pos, has_gauss, gauss


def run_seeded(corrupt, seed, image, **kwargs):
    """corrupt(image) right after np.random.seed(seed) and three normals (the third leaves a
    Gaussian cached, which the corruption must use or carry through), and the state after."""
    np.random.seed(seed)
    np.random.standard_normal(3)
    out = corrupt(image, **kwargs)
    return out, state_tuple()


class DropIn(unittest.TestCase):
    images = {"rgb 47x61": photo(47, 61, 3), "gray 45x38": photo(45, 38, 1)}

    def assert_same_state(self, ours, theirs, what):
        self.assertTrue(np.array_equal(ours[0], theirs[0]), f"{what}: state key")
        self.assertEqual(ours[1:], theirs[1:], f"{what}: pos, has_gauss, gauss")

    def test_every_corruption_and_severity_gives_imagecorruptions_arrays_and_state(self):
        names = imagecorruptions.get_corruption_names("all")
        self.assertEqual(names, blight_corrupt.get_corruption_names("all"))
        compared = 0
        for label, image in self.images.items():
            for number, name in enumerate(names):
                if name == "impulse_noise" and not SKIMAGE_SEEDABLE:
                    continue
                for severity in range(1, 6):
                    seed = 7919 * number + 31 * severity + image.ndim
                    what = f"{name} severity {severity} on {label}"
                    theirs, their_state = run_seeded(
                        imagecorruptions.corrupt, seed, image,
                        severity=severity, corruption_name=name,
                    )
                    # By number as well as by name, alternately.
                    how = {"corruption_name": name} if severity % 2 else {
                        "corruption_number": number
                    }
                    ours, our_state = run_seeded(
                        blight_corrupt.corrupt, seed, image, severity=severity, **how
                    )
                    self.assertEqual(ours.dtype, theirs.dtype, what)
                    self.assertEqual(ours.shape, theirs.shape, what)
                    self.assert_same_state(our_state, their_state, what)
                    compared += 1
                    diff = np.abs(ours.astype(int) - theirs.astype(int))
                    differing = int(np.count_nonzero(diff))
                    self.assertEqual(
                        differing, 0, f"{what}: {differing} values differ, max by {diff.max()}"
                    )
        expected = len(self.images) * 5 * (len(names) - (0 if SKIMAGE_SEEDABLE else 1))
        self.assertEqual(compared, expected)
        print(f"\n  {compared} corruption x severity x image cases, every array and the state "
              f"after each identical ", end="")

    def test_impulse_noise_matches_imagecorruptions_with_scikit_image_0_18(self):
        fixtures = np.load(IMPULSE_FIXTURES)
        for kind in ("rgb", "gray"):
            image = fixtures[f"{kind}_input"]
            for severity in range(1, 6):
                tag = f"{kind}_{severity}"
                ours, state = run_seeded(
                    blight_corrupt.corrupt, int(fixtures[f"{tag}_seed"]), image,
                    severity=severity, corruption_name="impulse_noise",
                )
                self.assertTrue(np.array_equal(ours, fixtures[f"{tag}_output"]), tag)
                expected = (
                    fixtures[f"{tag}_key"],
                    int(fixtures[f"{tag}_pos"]),
                    int(fixtures[f"{tag}_has_gauss"]),
                    float(fixtures[f"{tag}_gauss"]),
                )
                self.assert_same_state(state, expected, tag)

    def test_an_explicit_seed_replays_np_random_seed_and_leaves_the_global_stream_alone(self):
        image = self.images["rgb 47x61"]
        for name in ("gaussian_noise", "glass_blur", "frost", "spatter"):
            np.random.seed(5)
            theirs = imagecorruptions.corrupt(image, severity=3, corruption_name=name)
            np.random.seed(99)
            before = state_tuple()
            ours = blight_corrupt.corrupt(image, severity=3, corruption_name=name, seed=5)
            self.assertTrue(np.array_equal(ours, theirs), name)
            self.assert_same_state(state_tuple(), before, name)

    def test_threads_continuing_the_global_stream_take_turns(self):
        # Two threads corrupt without a seed at once: they must get the two images that two
        # calls one after the other give (in either order) and leave the state those leave.
        image = self.images["rgb 47x61"]
        np.random.seed(8)
        first = imagecorruptions.corrupt(image, 4, "gaussian_noise")
        second = imagecorruptions.corrupt(image, 4, "gaussian_noise")
        after = state_tuple()
        outs = []
        np.random.seed(8)
        in_two_threads(lambda: outs.append(blight_corrupt.corrupt(image, 4, "gaussian_noise")))
        self.assert_same_state(state_tuple(), after, "after both threads")
        self.assertFalse(np.array_equal(first, second))
        got = sorted(outs, key=lambda out: not np.array_equal(out, first))
        self.assertTrue(np.array_equal(got[0], first) and np.array_equal(got[1], second))

    def test_corrupt_batch_gives_each_image_its_own_seeded_stream(self):
        images = [photo(40 + k, 50, 3) for k in range(5)]
        batch = blight_corrupt.corrupt_batch(
            images, severity=2, corruption_name="shot_noise", seed=11, rng="numpy"
        )
        for k, (image, out) in enumerate(zip(images, batch)):
            one = blight_corrupt.corrupt(image, 2, "shot_noise", seed=11 + k)
            self.assertTrue(np.array_equal(out, one), k)
        fast = blight_corrupt.corrupt_batch(images, 2, "shot_noise", seed=11)
        again = blight_corrupt.corrupt_batch(images, 2, "shot_noise", seed=11)
        for a, b, image in zip(fast, again, images):
            self.assertEqual(a.shape, image.shape)
            self.assertTrue(np.array_equal(a, b))
        self.assertFalse(np.array_equal(fast[0], batch[0]), "fast is a different stream")

    def test_bad_input_raises_what_imagecorruptions_raises(self):
        rgb = self.images["rgb 47x61"]
        cases = {
            "31 rows": (np.zeros((31, 40, 3), np.uint8), {"corruption_name": "fog"}),
            "31 columns": (np.zeros((40, 31), np.uint8), {"corruption_name": "fog"}),
            "float32": (rgb.astype(np.float32), {"corruption_name": "fog"}),
            "4-D": (rgb[None], {"corruption_name": "fog"}),
            "a list": (rgb.tolist(), {"corruption_name": "fog"}),
            "4 channels": (np.zeros((40, 40, 4), np.uint8), {"corruption_name": "fog"}),
            "unknown name": (rgb, {"corruption_name": "rain"}),
            "unknown number": (rgb, {"corruption_number": 19}),
            "neither": (rgb, {}),
            "severity 0": (rgb, {"corruption_name": "fog", "severity": 0}),
            "severity 6": (rgb, {"corruption_name": "fog", "severity": 6}),
        }
        for what, (image, kwargs) in cases.items():
            with self.assertRaises(Exception) as theirs:
                imagecorruptions.corrupt(image, **kwargs)
            with self.assertRaises(type(theirs.exception), msg=what) as ours:
                blight_corrupt.corrupt(image, **kwargs)
            self.assertIs(type(ours.exception), type(theirs.exception), what)
            print(f"\n  {what}: {type(ours.exception).__name__}: {ours.exception}", end="")
        with self.assertRaises(ValueError):
            blight_corrupt.get_corruption_names("rare")
        with self.assertRaises(ValueError):
            blight_corrupt.corrupt(rgb, 1, "fog", suite="imagenet-x")

    # A call long enough to time: glass_blur's pixel shuffles on a 1024x1536 photo (~0.15 s).
    big = photo(1024, 1536, 3)

    def corrupt_big(self):
        blight_corrupt.corrupt(self.big, 5, "glass_blur", seed=1)

    def test_the_gil_is_released_while_corrupting(self):
        # While a worker thread corrupts, this thread keeps running Python. Were the GIL held,
        # it would stall for the whole call; its longest stall must be a small part of the call.
        # This holds on a busy or one-core machine too (the OS then time-slices the threads).
        call = min(timed(self.corrupt_big) for _ in range(2))
        worker = threading.Thread(target=self.corrupt_big)
        worker.start()
        last, longest, turns = time.perf_counter(), 0.0, 0
        while worker.is_alive():
            now = time.perf_counter()
            longest, last, turns = max(longest, now - last), now, turns + 1
        worker.join()
        print(f"\n  one call {call * 1000:.0f} ms; longest stall of this thread "
              f"{longest * 1000:.1f} ms over {turns} loop turns", end="")
        self.assertGreater(call, 0.05, "the image is too small to tell")
        self.assertLess(longest, 0.25 * call)

    def test_two_threads_run_side_by_side(self):
        # Two threads must take clearly less than two calls' time. That needs two free cores,
        # which a shared machine may not have at the moment: sha256 of a large buffer, which
        # releases the GIL too, measures what parallelism the machine gives right now. When
        # sha256 threads run side by side, so must corrupt's. Interleaved, best of three.
        data = bytes(64 << 20)

        def hash_once():
            hashlib.sha256(data).digest()

        ratios = {"sha256": [], "corrupt": []}
        for _ in range(3):
            for label, work in (("sha256", hash_once), ("corrupt", self.corrupt_big)):
                ratios[label].append(timed(lambda: in_two_threads(work)) / timed(work))
        hashed, corrupted = min(ratios["sha256"]), min(ratios["corrupt"])
        print(f"\n  two threads / one call: corrupt {corrupted:.2f}x, sha256 {hashed:.2f}x",
              end="")
        if corrupted >= 1.6 and hashed > 1.5:
            self.skipTest(f"no two free cores now (two sha256 threads took {hashed:.2f}x one)")
        self.assertLess(corrupted, 1.6)

    def test_mce_follows_its_definition(self):
        names = blight_corrupt.get_corruption_names("all")
        ramp = np.linspace(0.3, 0.9, 5)
        errors = {n: list(ramp * (0.5 + 0.02 * k)) for k, n in enumerate(names)}
        full = blight_corrupt.mce({"clean": 0.25, "errors": errors})
        half = blight_corrupt.mce({n: [e / 2 for e in v] for n, v in errors.items()}, clean=0.25)
        # CE is the sum of a corruption's errors over AlexNet's: halving the errors halves it.
        for n in names:
            self.assertAlmostEqual(half["CE"][n], full["CE"][n] / 2, places=9)
        self.assertAlmostEqual(half["mCE"], full["mCE"] / 2, places=9)
        common = blight_corrupt.get_corruption_names("common")
        self.assertAlmostEqual(full["mCE"], np.mean([full["CE"][n] for n in common]), places=9)
        everything = [e for v in errors.values() for e in v]
        self.assertAlmostEqual(full["unnormalized_mCE"], 100 * np.mean(everything), places=9)
        del errors["fog"]
        with self.assertRaisesRegex(ValueError, "fog"):
            blight_corrupt.mce(errors, clean=0.25)


if __name__ == "__main__":
    unittest.main(verbosity=2)
