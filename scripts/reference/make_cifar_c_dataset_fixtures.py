"""Makes the end-to-end fixtures of `blight generate cifar10-c --rng numpy`: a small made-up CIFAR-10
test archive, and the `.npy` files make_cifar_c.py's loop writes for it when each corruption call
on sample i is preceded by np.random.seed(SEED + i).

Usage (in the environment setup-imagenet-c-env.sh builds):
    python make_cifar_c_dataset_fixtures.py --script PATH/make_cifar_c.py \
        --frost-dir DIR --out tests/fixtures/cifar10-c-dataset [--seed 7] [--count 4]

Input (OUT/cifar-10-binary.tar.gz, made once, kept if present): COUNT 32×32 images cut from
scikit-image 0.13.1's photos (public domain; a centred square of each, Pillow BOX resize, the
last one made gray so ImageMagick writes a gray PNG in motion_blur) with labels 3, 8, 0, 6, …,
in the layout of Toronto's cifar-10-binary.tar.gz: `cifar-10-batches-bin/test_batch.bin`
(records of one label byte then the R, G and B planes) and `batches.meta.txt`.

Outputs (OUT/reference/<corruption>.npy and labels.npy): the script's functions (loaded by
create_c_functions.py) in its loop order — for each corruption, severities 1..5, samples in
dataset order; each clean image through Image.fromarray (make_cifar_c.py's ToTensor/ToPILImage
round trip is lossless, and torch has no build for this stack here), np.random.seed(SEED + i),
the function, np.uint8; then np.save of np.array(...).astype(np.uint8) exactly as the script
saves, labels uint8 repeated per severity. frost runs with DIR as the working directory.
"""
import argparse
import io
import os
import sys
import tarfile

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import create_c_functions  # noqa: E402

CORRUPTIONS = ["gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur",
               "motion_blur", "zoom_blur", "snow", "frost", "fog", "brightness", "contrast",
               "elastic_transform", "pixelate", "jpeg_compression", "speckle_noise",
               "gaussian_blur", "spatter", "saturate"]
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
PHOTOS = ["chelsea", "rocket", "astronaut", "coffee", "motorcycle_left", "hubble_deep_field"]
LABELS = [3, 8, 0, 6, 1, 9]


def images(count):
    """COUNT 32×32 RGB uint8 arrays and their labels."""
    import skimage.data
    out = []
    for k in range(count):
        photo = getattr(skimage.data, PHOTOS[k % len(PHOTOS)])()[..., :3]
        h, w = photo.shape[:2]
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        img = Image.fromarray(photo[top:top + side, left:left + side]).resize((32, 32), Image.BOX)
        if k == count - 1:
            img = img.convert("L").convert("RGB")
        out.append(np.asarray(img, dtype=np.uint8))
    return out, [LABELS[k % len(LABELS)] for k in range(count)]


def write_archive(path, pictures, labels):
    records = bytearray()
    for picture, label in zip(pictures, labels):
        records.append(label)
        records += picture.transpose(2, 0, 1).tobytes()
    members = [("cifar-10-batches-bin/test_batch.bin", bytes(records)),
               ("cifar-10-batches-bin/batches.meta.txt", ("\n".join(CLASSES) + "\n").encode())]
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))


def read_archive(path):
    with tarfile.open(path, "r:gz") as tar:
        data = tar.extractfile("cifar-10-batches-bin/test_batch.bin").read()
    rows = np.frombuffer(data, dtype=np.uint8).reshape(-1, 1 + 3072)
    pictures = rows[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return list(pictures), [int(v) for v in rows[:, 0]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True, help="make_cifar_c.py")
    ap.add_argument("--frost-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--count", type=int, default=4)
    args = ap.parse_args()
    functions = create_c_functions.load(os.path.abspath(args.script))
    frost_dir = os.path.abspath(args.frost_dir)
    os.makedirs(os.path.join(args.out, "reference"), exist_ok=True)
    archive = os.path.join(args.out, "cifar-10-binary.tar.gz")
    if not os.path.exists(archive):
        write_archive(archive, *images(args.count))
    pictures, labels = read_archive(archive)
    for name in CORRUPTIONS:
        cifar_c, all_labels = [], []
        for severity in range(1, 6):
            for i, (picture, label) in enumerate(zip(pictures, labels)):
                all_labels.append(label)
                np.random.seed(args.seed + i)
                with create_c_functions.in_dir(frost_dir):
                    result = functions[name](Image.fromarray(picture), severity)
                cifar_c.append(np.uint8(result))
        np.save(os.path.join(args.out, "reference", name + ".npy"),
                np.array(cifar_c).astype(np.uint8))
        np.save(os.path.join(args.out, "reference", "labels.npy"),
                np.array(all_labels).astype(np.uint8))
        print(name, "done", flush=True)


if __name__ == "__main__":
    main()
