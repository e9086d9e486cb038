"""A drop-in ``imagecorruptions.corrupt`` in Rust (blight).

``corrupt`` and ``get_corruption_names`` take the arguments imagecorruptions 1.1.2 takes, refuse
bad input with the same exception types, and give the same ``uint8`` arrays. Without a seed,
``corrupt`` continues numpy's global ``RandomState`` and leaves it where imagecorruptions would,
so a script that calls ``np.random.seed`` gets the same images and the same draws afterwards.
The work runs with the GIL released; ``corrupt_batch`` corrupts a list of images in parallel.
"""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import threading

import numpy as np

from . import _native

__all__ = [
    "corrupt",
    "corrupt_batch",
    "get_corruption_names",
    "suites",
    "suite_corruptions",
    "mce",
]

# imagecorruptions' order: corruption_number indexes it; the first 15 are ImageNet-C's common set.
_NAMES = _native.suite_corruptions("imagecorruptions")

_SUBSETS = {
    "common": slice(0, 15),
    "validation": slice(15, None),
    "all": slice(None),
    "noise": slice(0, 3),
    "blur": slice(3, 7),
    "weather": slice(7, 11),
    "digital": slice(11, 15),
}


def _global_stream():
    """The lock numpy's own draws from the global RandomState take. A call that continues the
    stream holds it from reading the state to writing it back, so no other thread's draw is
    lost in between; seeded calls need no lock and run side by side."""
    get = getattr(np.random, "get_bit_generator", None)  # numpy >= 1.25
    bit_generator = get() if get is not None else np.random.mtrand._rand._bit_generator
    return bit_generator.lock


def get_corruption_names(subset="common"):
    """The corruption names of a subset, as imagecorruptions lists them."""
    if subset not in _SUBSETS:
        raise ValueError("subset must be one of ['common', 'validation', 'all']")
    return list(_NAMES[_SUBSETS[subset]])


def suites():
    """The built-in suites: 'imagecorruptions' (any size of at least 32×32) and the -C datasets'
    reference semantics ('imagenet-c' at 224×224, 'cifar10-c' at 32×32, ...)."""
    return [s for s in _native.suites() if s != "mnist-c"]


def suite_corruptions(suite="imagecorruptions"):
    """The corruption names of a built-in suite, in its order."""
    _check_suite(suite)
    return _native.suite_corruptions(suite)


def _check_suite(suite):
    if suite not in suites():
        raise ValueError(f"unknown suite {suite!r}; one of {suites()}")


def _rgb(image):
    """The image as imagecorruptions checks and reshapes it: H×W×3 uint8, C-contiguous."""
    if not isinstance(image, np.ndarray):
        raise AttributeError(
            f"Expecting type(image) to be numpy.ndarray, got {type(image).__name__}"
        )
    if image.dtype.type is not np.uint8:
        raise AttributeError(
            f"Expecting image.dtype.type to be numpy.uint8, got {image.dtype}"
        )
    if image.ndim not in (2, 3):
        raise AttributeError(
            "Expecting image.shape to be either (height x width) or "
            f"(height x width x channels), got {image.ndim}-D shape {image.shape}"
        )
    if image.ndim == 2:
        image = np.stack((image,) * 3, axis=-1)
    height, width, channels = image.shape
    if height < 32 or width < 32:
        raise AttributeError(
            f"Image width and height must be at least 32 pixels, got {height}x{width}"
        )
    if channels not in (1, 3):
        raise AttributeError(
            "Expecting image to have either 1 or 3 channels (last dimension), "
            f"got {channels}"
        )
    if channels == 1:
        image = np.stack((np.squeeze(image),) * 3, axis=-1)
    return np.ascontiguousarray(image)


def _check_severity(severity):
    if severity not in [1, 2, 3, 4, 5]:
        raise AttributeError(f"Severity must be an integer in [1, 5], got {severity!r}")
    return int(severity)


def _name(suite, corruption_name, corruption_number):
    """The corruption a call names: KeyError for an unknown name, IndexError for a number
    outside the list (negative numbers count from the end, as in imagecorruptions)."""
    names = _native.suite_corruptions(suite)
    if corruption_name is not None:
        if corruption_name not in names:
            raise KeyError(
                f"unknown corruption {corruption_name!r} in suite {suite!r}; one of {names}"
            )
        return corruption_name
    if corruption_number != -1:
        try:
            return names[corruption_number]
        except IndexError:
            raise IndexError(
                f"corruption_number {corruption_number} is outside [0, {len(names) - 1}]"
            ) from None
    raise ValueError("Either corruption_name or corruption_number must be passed")


_FROST_LOCK = threading.Lock()
_frost = None


def _frost_dir(corruption):
    """The folder of the six reference frost textures (checked by sha256 when read), found once:
    BLIGHT_FROST_DIR or blight's data folder, else the installed imagecorruptions package's
    own copy, else downloaded from the imagecorruptions 1.1.2 wheel into blight's data folder."""
    global _frost
    if corruption != "frost":
        return None
    with _FROST_LOCK:
        if _frost is None:
            _frost = _find_or_fetch_frost()
        return _frost


def _find_or_fetch_frost():
    found = _native.frost_dir()
    if found is not None:
        return found
    spec = importlib.util.find_spec("imagecorruptions")
    if spec is not None and spec.submodule_search_locations:
        packaged = os.path.join(list(spec.submodule_search_locations)[0], "frost")
        if os.path.isfile(os.path.join(packaged, "frost6.jpg")):
            return packaged
    with tempfile.TemporaryDirectory() as tmp:
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
        done = subprocess.run(
            pip + ["imagecorruptions==1.1.2", "-d", tmp], capture_output=True, text=True
        )
        wheels = [f for f in os.listdir(tmp) if f.endswith(".whl")]
        if done.returncode != 0 or not wheels:
            raise OSError(
                "frost needs the six reference textures of imagecorruptions 1.1.2 and "
                "downloading its wheel failed; set BLIGHT_FROST_DIR to a folder holding "
                "frost1.png ... frost6.jpg, or `pip install imagecorruptions==1.1.2`. "
                f"pip said: {done.stderr.strip()[-300:]}"
            )
        return _native.install_frost(os.path.join(tmp, wheels[0]))


def _array(pixels):
    data, shape = pixels
    return np.frombuffer(data, dtype=np.uint8).reshape(shape).copy()


def _draw_seed(rng):
    """A seed drawn from numpy's global stream, so np.random.seed still fixes the result."""
    high = 2**32 if rng == "numpy" else 2**63
    return int(np.random.randint(0, high, dtype=np.uint64))


def corrupt(
    image,
    severity=1,
    corruption_name=None,
    corruption_number=-1,
    *,
    seed=None,
    rng="numpy",
    suite="imagecorruptions",
):
    """Corrupts ``image`` as ``imagecorruptions.corrupt`` does (same arguments, exceptions and
    output). Without ``seed`` it continues numpy's global stream and leaves it where
    imagecorruptions would. ``seed=S`` with ``rng='numpy'`` gives what ``np.random.seed(S)``
    then imagecorruptions give, without touching the global stream; ``rng='fast'`` uses
    blight's counter-based stream. ``suite`` picks another built-in suite's semantics
    ('imagenet-c' is the 224×224 reference)."""
    _check_suite(suite)
    if rng not in ("numpy", "fast"):
        raise ValueError(f"rng must be 'numpy' or 'fast', not {rng!r}")
    rgb = _rgb(image)
    severity = _check_severity(severity)
    name = _name(suite, corruption_name, corruption_number)
    height, width = rgb.shape[:2]
    args = (rgb.tobytes(), height, width, suite, name, severity, _frost_dir(name))
    if seed is None and rng == "numpy":
        with _global_stream():
            state = np.random.get_state()
            if not isinstance(state, tuple) or state[0] != "MT19937":
                raise ValueError(
                    "numpy's global generator is not the legacy MT19937 RandomState "
                    "(np.random.set_bit_generator?): pass seed= to corrupt"
                )
            _, key, pos, has_gauss, gauss = state
            state = (key.astype("<u4").tobytes(), int(pos), float(gauss) if has_gauss else None)
            pixels, (key, pos, gauss) = _native.corrupt_from_state(*args, state)
            key = np.frombuffer(key, dtype="<u4").astype(np.uint32)
            np.random.set_state(
                ("MT19937", key, pos, int(gauss is not None), 0.0 if gauss is None else gauss)
            )
        return _array(pixels)
    if seed is None:
        seed = _draw_seed(rng)
    return _array(_native.corrupt_seeded(*args, rng, _seed(seed)))


def _seed(seed):
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return seed


def corrupt_batch(
    images,
    severity=1,
    corruption_name=None,
    corruption_number=-1,
    *,
    seed=None,
    rng="fast",
    suite="imagecorruptions",
):
    """Corrupts a list of images in parallel with the GIL released. Image ``i`` draws from a
    stream of its own: blight's fast stream of sample ``i`` (rng='fast'), or
    ``RandomState(seed + i)`` (rng='numpy', i.e. ``corrupt(image_i, seed=seed + i)``). Without
    ``seed`` one is drawn from numpy's global stream, so ``np.random.seed`` fixes the batch."""
    _check_suite(suite)
    if rng not in ("numpy", "fast"):
        raise ValueError(f"rng must be 'numpy' or 'fast', not {rng!r}")
    rgbs = [_rgb(image) for image in images]
    severity = _check_severity(severity)
    name = _name(suite, corruption_name, corruption_number)
    seed = _draw_seed(rng) if seed is None else _seed(seed)
    outs = _native.corrupt_batch(
        [(im.tobytes(), im.shape[0], im.shape[1]) for im in rgbs],
        suite,
        name,
        severity,
        _frost_dir(name),
        rng,
        seed,
    )
    return [_array(pixels) for pixels in outs]


def mce(errors, clean=None):
    """ImageNet-C's metrics (percent) from top-1 errors (fractions): ``errors`` maps each
    corruption to its five severities' errors and ``clean`` is the clean error, or ``errors`` is
    the whole table ``{"clean": e, "errors": {...}}`` that ``blight metrics`` reads. Returns
    mCE, relative_mCE, unnormalized_mCE and the per-corruption CE and relative_ce."""
    table = errors if clean is None else {"clean": clean, "errors": errors}
    table = {
        "clean": float(table["clean"]),
        "errors": {k: [float(e) for e in v] for k, v in table["errors"].items()},
    }
    return json.loads(_native.metrics(json.dumps(table)))
