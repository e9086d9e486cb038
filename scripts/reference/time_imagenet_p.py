"""Times the reference ImageNet-P sequences: one sequence of every perturbation that runs in the
2018 stack, from one photo, on one core — the Python side of `blight bench --suite imagenet-p`.

Usage (in the environment setup-imagenet-c-env.sh builds):
    python time_imagenet_p.py --script PATH/make_imagenet_p.py [--repeats 3] [PHOTO]

PHOTO defaults to blight's built-in photo (assets/astronaut-224.png), prepared as the reference
prepares every image (torchvision Resize(256), then convert('RGB')), once, outside the timing.
Each perturbation's block runs as make_imagenet_p_fixtures.py runs it (same stand-ins, no
ffmpeg), with one difference: saving a frame to a file is skipped (PIL `save` to a path does
nothing; saves into memory, such as the PNG handed to ImageMagick, still happen), because blight's
bench does not encode frames either. gaussian_noise needs torch and is not timed. Reported: the
median process CPU time per sequence over the repeats, in ms, and their total.
"""
import argparse
import os
import sys
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_imagenet_p_fixtures as fixtures  # noqa: E402


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("photo", nargs="?",
                    default=os.path.join(here, "..", "..", "assets", "astronaut-224.png"))
    args = ap.parse_args()

    fixtures.install_torch_stand_ins()
    with open(args.script) as f:
        header, prelude, blocks = fixtures.split_script(f.read())
    base = {"__name__": "reference"}
    exec(compile(header, args.script, "exec"), base)

    real_save = Image.Image.save

    def save(self, fp, *a, **k):
        if isinstance(fp, str):
            return None
        return real_save(self, fp, *a, **k)
    Image.Image.save = save

    scratch = "/tmp/blight-time-imagenet-p"
    os.makedirs(scratch, exist_ok=True)
    folder, img_loc = os.path.dirname(os.path.abspath(args.photo)), os.path.basename(args.photo)
    total = 0.0
    for name, block in blocks.items():
        if name in fixtures.NEEDS_TORCH:
            continue
        code = compile(block, name, "exec")
        times = []
        for r in range(args.repeats):
            namespace = dict(base)
            namespace.update(os=fixtures.quiet_os(scratch), gettempdir=lambda: scratch,
                             rmtree=lambda *a, **k: None, folder="", img_loc=img_loc,
                             imagenet_val_folder=folder + "/")
            exec(compile(prelude, args.script, "exec"), namespace)
            np.random.seed(r)
            start = time.process_time()
            exec(code, namespace)
            times.append((time.process_time() - start) * 1e3)
        median = sorted(times)[len(times) // 2]
        total += median
        print("{:<16} {:>10.1f} ms".format(name, median))
    print("total of {} sequences: {:.0f} ms".format(len(blocks) - len(fixtures.NEEDS_TORCH), total))


if __name__ == "__main__":
    main()
