"""Makes the JPEG codec fixtures in tests/fixtures/jpeg/ (see the README.md there).

Usage: python scripts/make_jpeg_fixtures.py [--ijg9-oracle PATH]

Needs Pillow built with libjpeg-turbo (the turbo outputs) and, for the ijg9 outputs, the
ijg9_oracle program built from scripts/ijg9_oracle.c against Pillow 5.0.0's libjpeg 9b.
"""

import argparse
import io
import pathlib
import subprocess

import numpy as np
from PIL import Image, features

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "jpeg"
CLEAN = ROOT / "tests" / "fixtures" / "imagenet-c" / "astronaut" / "clean.png"


def save_png(array, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def pillow_round_trip(image, **options):
    buf = io.BytesIO()
    image.save(buf, format="JPEG", **options)
    data = buf.getvalue()
    return data, np.asarray(Image.open(io.BytesIO(data)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ijg9-oracle", type=pathlib.Path)
    args = parser.parse_args()
    assert features.check_feature("libjpeg_turbo"), "Pillow must use libjpeg-turbo"

    astronaut = Image.open(CLEAN).convert("RGB")
    rgb = astronaut.crop((100, 60, 137, 83))  # 37×23: partial blocks and MCUs
    gray = astronaut.crop((20, 150, 49, 169)).convert("L")  # 29×19
    save_png(np.asarray(rgb), OUT / "inputs" / "rgb-37x23.png")
    save_png(np.asarray(gray), OUT / "inputs" / "gray-29x19.png")

    # Pixel round trips with Pillow's default JPEG settings.
    cases = [("astronaut", astronaut, q) for q in (25, 18, 15, 10, 7, 85)]
    cases += [("rgb-37x23", rgb, q) for q in (50, 90)]
    cases += [("gray-29x19", gray, q) for q in (50, 90)]
    for name, image, q in cases:
        _, pixels = pillow_round_trip(image, quality=q)
        save_png(pixels, OUT / "turbo" / f"{name}-q{q}.png")

    # Files written by Pillow, and Pillow's decoding of them.
    files = {
        "rgb-37x23-420": (rgb, dict(quality=75)),
        "rgb-37x23-444": (rgb, dict(quality=75, subsampling=0)),
        "rgb-37x23-422": (rgb, dict(quality=75, subsampling=1)),
        "rgb-37x23-420-restart": (rgb, dict(quality=75, restart_marker_blocks=3)),
        "rgb-37x23-420-optimized": (rgb, dict(quality=75, optimize=True)),
        "rgb-37x23-420-progressive": (rgb, dict(quality=75, progressive=True)),
        "gray-29x19": (gray, dict(quality=75)),
        "gray-29x19-progressive": (gray, dict(quality=75, progressive=True)),
        "astronaut-progressive": (astronaut, dict(quality=60, progressive=True)),
    }
    for name, (image, options) in files.items():
        data, pixels = pillow_round_trip(image, **options)
        (OUT / "files").mkdir(parents=True, exist_ok=True)
        (OUT / "files" / f"{name}.jpg").write_bytes(data)
        save_png(pixels, OUT / "files" / f"{name}.turbo.png")

    if args.ijg9_oracle:
        oracle = str(args.ijg9_oracle)
        for name, image, q in [("astronaut", astronaut, 85), ("rgb-37x23", rgb, 50), ("gray-29x19", gray, 50)]:
            a = np.asarray(image)
            h, w = a.shape[:2]
            c = 1 if a.ndim == 2 else 3
            raw = subprocess.run(
                [oracle, "enc", str(w), str(h), str(c), str(q), "/dev/null"],
                input=a.tobytes(), capture_output=True, check=True,
            ).stdout
            save_png(np.frombuffer(raw, np.uint8).reshape(a.shape), OUT / "ijg9" / f"{name}-q{q}.png")
        # libjpeg 9's decoding of the Pillow-written files (scaled IDCTs for 4:2:2 / 4:2:0).
        for name in ["rgb-37x23-420", "rgb-37x23-444", "rgb-37x23-422", "rgb-37x23-420-restart",
                     "gray-29x19"]:
            out = subprocess.run([oracle, "dec", str(OUT / "files" / f"{name}.jpg")],
                                 capture_output=True, check=True).stdout
            header, raw = out.split(b"\n", 1)
            w, h, c = map(int, header.split())
            shape = (h, w) if c == 1 else (h, w, c)
            save_png(np.frombuffer(raw, np.uint8).reshape(shape), OUT / "files" / f"{name}.ijg9.png")


if __name__ == "__main__":
    main()
