"""Makes the ImageNet-P parity fixtures: the PNG frames the reference script writes for one photo.

Usage (in the environment setup-imagenet-c-env.sh builds):
    python make_imagenet_p_fixtures.py --script PATH/make_imagenet_p.py --out DIR \
        [--seed 11] [--only a,b] PHOTO

PATH/make_imagenet_p.py is hendrycks/robustness `ImageNet-P/create_p/make_imagenet_p.py` (or
`make_tinyimagenet_p.py`, or `make_cifar_p.py`), read from outside this repository. The script is a loop over the validation folders whose body holds one block per
perturbation, all but one commented out, each between the lines
`# /////////////// <Name> Code ///////////////` and `# /////////////// End <Name> Code ...`.

How the reference code is run without its main loop:
* Everything above the main `for` loop (imports, `MotionImage`, `clipped_zoom`, `brightness`) is
  executed as it stands. torch and torchvision have no build for this 2018 stack, so stand-in
  modules `torch`, `torchvision.transforms` and `torchvision.transforms.functional` are put in
  `sys.modules` first; they restate, below and clearly marked, the few torchvision 0.2.1
  functions the blocks call (Resize, CenterCrop, ToTensor, ToPILImage, Compose, affine). The
  blocks that need torch's random generator (gaussian_noise) are not run.
* Each perturbation's block is cut out by its marker lines and uncommented once (one leading
  `# ` removed), so its difficulty-2/3 alternatives, commented twice, stay comments. It is run
  after the loop body's own first lines (opening the photo, Resize, convert('RGB')),
  right after `np.random.seed(SEED)` (sample 0 of a run seeded SEED), in a namespace whose `os`
  runs no shell command (no ffmpeg) and makes no folder outside OUT, whose `gettempdir` is
  OUT/<perturbation> and whose `rmtree` keeps the frames. The frames the block saves there,
  `img0.png …`, are the lossless PNGs the reference hands to ffmpeg.

make_cifar_p.py differs: one loop over the CIFAR-10 test arrays, and each block appends its
frames to `seq` instead of saving PNGs. For it, PHOTO is resized to 32×32 (PIL bilinear) and
saved as OUT/input.png, the block runs with `img` = that array, and the frames are taken from
`seq`. Its shot_noise and speckle_noise blocks hold their three difficulty loops at the same
comment depth, so uncommented they append 1 + 3·30 frames, difficulty 1's first; the first 31
(difficulty 1) are kept.

Output: OUT/frames.txt, one line per frame `<perturbation> <frame> <sha256 of the RGB pixels>`
(row-major, RGB interleaved), and OUT/<perturbation>/img<i>.png for every frame (the parity test
uses frames.txt; keep only the PNGs a test reads).
"""
import argparse
import hashlib
import math
import os
import re
import shutil
import sys
import types

import numpy as np
from PIL import Image


# ---- Restated torchvision 0.2.1 (torchvision/transforms/functional.py, transforms.py) ----------
# Only what the blocks call. Tensors are numpy float32 arrays in C×H×W order; torch's float32
# arithmetic on them (div, add, mul, truncating byte cast) is the same as numpy's here.

def tv_resize(img, size, interpolation=Image.BILINEAR):
    w, h = img.size
    if (w <= h and w == size) or (h <= w and h == size):
        return img
    if w < h:
        return img.resize((size, int(size * h / w)), interpolation)
    return img.resize((int(size * w / h), size), interpolation)


def tv_center_crop(img, size):
    w, h = img.size
    th, tw = size, size
    i = int(round((h - th) / 2.))
    j = int(round((w - tw) / 2.))
    return img.crop((j, i, j + tw, i + th))


def tv_to_tensor(pic):
    arr = np.array(pic, dtype=np.uint8)
    return np.ascontiguousarray(arr.transpose(2, 0, 1)).astype(np.float32) / np.float32(255)


def tv_to_pil_image(pic):
    arr = (pic * np.float32(255)).astype(np.uint8)
    return Image.fromarray(np.ascontiguousarray(arr.transpose(1, 2, 0)), "RGB")


def tv_get_inverse_affine_matrix(center, angle, translate, scale, shear):
    angle = math.radians(angle)
    shear = math.radians(shear)
    scale = 1.0 / scale
    d = math.cos(angle + shear) * math.cos(angle) + math.sin(angle + shear) * math.sin(angle)
    matrix = [
        math.cos(angle + shear), math.sin(angle + shear), 0,
        -math.sin(angle), math.cos(angle), 0
    ]
    matrix = [scale / d * m for m in matrix]
    matrix[2] += matrix[0] * (-center[0] - translate[0]) + matrix[1] * (-center[1] - translate[1])
    matrix[5] += matrix[3] * (-center[0] - translate[0]) + matrix[4] * (-center[1] - translate[1])
    matrix[2] += center[0]
    matrix[5] += center[1]
    return matrix


def tv_affine(img, angle, translate, scale, shear, resample=0, fillcolor=None):
    output_size = img.size
    center = (img.size[0] * 0.5 + 0.5, img.size[1] * 0.5 + 0.5)
    matrix = tv_get_inverse_affine_matrix(center, angle, translate, scale, shear)
    return img.transform(output_size, Image.AFFINE, matrix, resample, fillcolor=fillcolor)


class Resize:
    def __init__(self, size):
        self.size = size

    def __call__(self, img):
        return tv_resize(img, self.size)


class CenterCrop:
    def __init__(self, size):
        self.size = size

    def __call__(self, img):
        return tv_center_crop(img, self.size)


class ToTensor:
    def __call__(self, pic):
        return tv_to_tensor(pic)


class ToPILImage:
    def __call__(self, pic):
        return tv_to_pil_image(pic)


class Compose:
    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

# ---- end of the restated torchvision ------------------------------------------------------------


def install_torch_stand_ins():
    torch = types.ModuleType("torch")
    torchvision = types.ModuleType("torchvision")
    transforms = types.ModuleType("torchvision.transforms")
    functional = types.ModuleType("torchvision.transforms.functional")
    datasets = types.ModuleType("torchvision.datasets")
    for name in ["Resize", "CenterCrop", "ToTensor", "ToPILImage", "Compose"]:
        setattr(transforms, name, globals()[name])
    functional.affine = tv_affine
    transforms.functional = functional
    torchvision.transforms = transforms
    torchvision.datasets = datasets
    sys.modules.update({"torch": torch, "torchvision": torchvision,
                        "torchvision.datasets": datasets,
                        "torchvision.transforms": transforms,
                        "torchvision.transforms.functional": functional})


BLOCK = re.compile(r"^ *(?:# )*# /////////////// (?P<name>[A-Za-z ]+) Code ///////////////\s*$")
END = re.compile(r"^ *(?:# )*# /////////////// End (?P<name>[A-Za-z ]+) Code ///////////////\s*$")
NEEDS_TORCH = {"gaussian_noise"}


def split_script(source):
    """The header (everything above the main loop), the loop body's lines before the first
    block (opening and resizing the image), and each
    perturbation's block (uncommented once, dedented to column 0) by snake_case name."""
    lines = source.splitlines()
    loop = next(i for i, l in enumerate(lines) if l.startswith("for "))
    # The header ends at the loop, or where make_cifar_p.py starts loading its dataset.
    end = next((i for i, l in enumerate(lines[:loop]) if l.startswith("test_data =")), loop)
    header = "\n".join(lines[:end])
    first_block = next(i for i in range(loop, len(lines)) if BLOCK.match(lines[i]))
    inner = next((i for i in range(loop + 1, first_block)
                  if lines[i].strip().startswith("for ")), loop)
    prelude = "\n".join(l.strip() for l in lines[inner + 1:first_block]
                        if l.strip() and not l.strip().startswith("#"))
    blocks, name, body = {}, None, []
    for line in lines[loop:]:
        if name and END.match(line):
            blocks[name.strip().lower().replace(" ", "_")] = "\n".join(body)
            name = None
            continue
        if BLOCK.match(line):
            name, body = BLOCK.match(line).group("name"), []
            continue
        if name is not None:
            body.append(line)
    for key, text in blocks.items():
        rows = [l for l in text.splitlines() if l.strip()]
        indent = min(len(l) - len(l.lstrip()) for l in rows)
        rows = [l[indent:] for l in text.splitlines()]
        if all(r.startswith("#") for r in rows if r.strip()):
            rows = [r[2:] if r.startswith("# ") else r[1:] for r in rows]
        blocks[key] = "\n".join(rows)
    return header, prelude, blocks


def quiet_os(root):
    """An `os` for the blocks: paths as usual, no shell commands, folders only under root."""
    def makedirs(path, *args, **kwargs):
        if os.path.abspath(path).startswith(os.path.abspath(root)):
            os.makedirs(path, *args, **kwargs)
    return types.SimpleNamespace(path=os.path, makedirs=makedirs, system=lambda command: 0,
                                 times=os.times, listdir=os.listdir)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True, help="the reference make_*_p.py")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--only", default="", help="comma-separated perturbations (default: all)")
    ap.add_argument("photo")
    args = ap.parse_args()

    install_torch_stand_ins()
    with open(args.script) as f:
        header, prelude, blocks = split_script(f.read())
    base = {"__name__": "reference"}
    exec(compile(header, args.script, "exec"), base)

    folder, img_loc = os.path.dirname(args.photo), os.path.basename(args.photo)
    cifar = "seq.append" in "".join(blocks.values())
    if cifar:
        os.makedirs(args.out, exist_ok=True)
        small = Image.open(args.photo).convert("RGB").resize((32, 32), Image.BILINEAR)
        small.save(os.path.join(args.out, "input.png"))
        cifar_img = np.array(small)
    lines = []
    only = [p for p in args.only.split(",") if p]
    for name, block in blocks.items():
        if name in NEEDS_TORCH or (only and name not in only):
            continue
        target = os.path.join(args.out, name)
        shutil.rmtree(target, ignore_errors=True)
        scratch = os.path.join(args.out, ".scratch")
        shutil.rmtree(scratch, ignore_errors=True)
        os.makedirs(scratch)
        namespace = dict(base)
        namespace.update(os=quiet_os(args.out), gettempdir=lambda: scratch,
                         rmtree=lambda *a, **k: None, folder="", img_loc=img_loc,
                         imagenet_val_folder=folder + "/", tiny_folder=folder + "/")
        if cifar:
            namespace.update(img=cifar_img, label=0, labels=[])
        exec(compile(prelude, args.script, "exec"), namespace)
        np.random.seed(args.seed)
        exec(compile(block, "{}:{}".format(args.script, name), "exec"), namespace)
        if cifar:
            os.makedirs(target)
            frames = namespace["seq"][:31] if name.endswith("_noise") else namespace["seq"]
            for i, frame in enumerate(frames):
                Image.fromarray(np.uint8(frame)).save(os.path.join(target, "img{}.png".format(i)))
        else:
            (made,) = os.listdir(scratch)
            shutil.move(os.path.join(scratch, made), target)
        shutil.rmtree(scratch)
        count = len([f for f in os.listdir(target) if f.endswith(".png")])
        for i in range(count):
            pixels = np.asarray(Image.open(os.path.join(target, "img{}.png".format(i))).convert("RGB"))
            lines.append("{} {} {}".format(name, i, hashlib.sha256(pixels.tobytes()).hexdigest()))
        print(name, count, "frames", file=sys.stderr)
    with open(os.path.join(args.out, "frames.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
