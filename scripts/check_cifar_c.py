"""Checks `blight generate cifar10-c` / `cifar100-c` the way their users read them: with numpy.

`make ARCHIVE` writes a small CIFAR test archive in Toronto's binary layout, chosen by its name:
`cifar-10-binary.tar.gz` (records of one label byte and the R, G, B planes) or
`cifar-100-binary.tar.gz` (coarse and fine label bytes, then the planes). `check ARCHIVE OUT` then
loads every `<corruption>.npy` of OUT with `np.load` (no pickle): uint8 of shape (N·5, 32, 32, 3)
for the 19 corruptions, `labels.npy` uint8 (N·5,) holding the archive's (fine) labels once per
severity, each severity block changed from the clean images by the noise corruptions, and
SHA256SUMS and manifest.json listing exactly the files.

Usage: python scripts/check_cifar_c.py make ARCHIVE
       python scripts/check_cifar_c.py check ARCHIVE OUT
"""
import hashlib
import io
import json
import os
import sys
import tarfile

import numpy as np

COUNT = 12
CORRUPTIONS = ["gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur",
               "motion_blur", "zoom_blur", "snow", "frost", "fog", "brightness", "contrast",
               "elastic_transform", "pixelate", "jpeg_compression", "speckle_noise",
               "gaussian_blur", "spatter", "saturate"]


def layout(archive):
    """(label bytes per record, data member, names member, class count) of ARCHIVE's format."""
    if "cifar-100" in os.path.basename(archive):
        return 2, "cifar-100-binary/test.bin", "cifar-100-binary/fine_label_names.txt", 100
    return 1, "cifar-10-batches-bin/test_batch.bin", "cifar-10-batches-bin/batches.meta.txt", 10


def make(archive):
    label_bytes, data_member, names_member, classes = layout(archive)
    rng = np.random.RandomState(5)
    y, x = np.mgrid[0:32, 0:32]
    records = bytearray()
    for i in range(COUNT):
        base = np.stack([(x * 8 + i * 20) % 256, (y * 8) % 256, ((x + y) * 4 + i * 9) % 256], -1)
        picture = np.clip(base + rng.randint(-20, 20, size=base.shape), 0, 255).astype(np.uint8)
        if label_bytes == 2:
            records.append(i % 20)
        records.append((i * 7) % classes)
        records += picture.transpose(2, 0, 1).tobytes()
    names = "".join("class%d\n" % k for k in range(classes)).encode()
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in [(data_member, bytes(records)), (names_member, names)]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def read(archive):
    label_bytes, data_member, _, _ = layout(archive)
    with tarfile.open(archive, "r:gz") as tar:
        data = tar.extractfile(data_member).read()
    rows = np.frombuffer(data, dtype=np.uint8).reshape(-1, label_bytes + 3072)
    pictures = rows[:, label_bytes:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return pictures, rows[:, label_bytes - 1]


def check(archive, out):
    pictures, labels = read(archive)
    n = len(pictures)
    got = np.load(os.path.join(out, "labels.npy"), allow_pickle=False)
    assert got.dtype == np.uint8 and got.shape == (n * 5,), (got.dtype, got.shape)
    assert (got == np.tile(labels, 5)).all(), "labels.npy is not the labels once per severity"
    for name in CORRUPTIONS:
        stack = np.load(os.path.join(out, name + ".npy"), allow_pickle=False)
        assert stack.dtype == np.uint8 and stack.shape == (n * 5, 32, 32, 3), (name, stack.shape)
        if name in ("gaussian_noise", "impulse_noise", "speckle_noise"):
            for s in range(5):
                block = stack[s * n:(s + 1) * n]
                assert (block != pictures).any(axis=(1, 2, 3)).all(), (name, s + 1)
    listed = set()
    with open(os.path.join(out, "SHA256SUMS")) as f:
        for line in f:
            digest, name = line.rstrip("\n").split("  ", 1)
            with open(os.path.join(out, name), "rb") as g:
                assert hashlib.sha256(g.read()).hexdigest() == digest, name
            listed.add(name)
    expected = {c + ".npy" for c in CORRUPTIONS} | {"labels.npy"}
    assert listed == expected, sorted(listed ^ expected)
    with open(os.path.join(out, "manifest.json")) as f:
        manifest = json.load(f)
    assert manifest["complete"] and manifest["file_count"] == len(expected), manifest["file_count"]
    assert {f["path"] for f in manifest["files"]} == expected
    print("%s: %d corruptions × 5 severities of %d images, labels and checksums as numpy reads them"
          % (out, len(CORRUPTIONS), n))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
