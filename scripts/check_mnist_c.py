"""Loads a `blight generate mnist-c` output with numpy and checks it against the MNIST source:
every config folder has train/test images (uint8, (N, 28, 28, 1)) and labels (int64, (N,)) that
np.load reads, labels equal to the source's, identity equal to the source pixels, and every file
listed in manifest.json with its size and sha256 (and only those: SHA256SUMS agrees).

Usage: python scripts/check_mnist_c.py OUT_DIR MNIST_DIR
"""
import hashlib
import json
import os
import sys

import numpy as np


def read_idx(path, header):
    with open(path, "rb") as f:
        return np.frombuffer(f.read()[header:], dtype=np.uint8)


def main():
    out, mnist = sys.argv[1:3]
    names = {"train": "train", "test": "t10k"}
    source = {}
    for split, stem in names.items():
        images = read_idx(os.path.join(mnist, f"{stem}-images.idx3-ubyte"), 16).reshape(-1, 28, 28, 1)
        labels = read_idx(os.path.join(mnist, f"{stem}-labels.idx1-ubyte"), 8)
        source[split] = (images, labels)

    manifest = json.load(open(os.path.join(out, "manifest.json")))
    assert manifest["complete"], "manifest says the run is incomplete"
    # Every config folder (mnist_c/<corruption>, mnist_c_leftovers/<corruption>) the manifest lists.
    configs = sorted({os.path.dirname(f["path"]) for f in manifest["files"]
                      if f["path"].endswith("_images.npy")})
    assert len(configs) == len(manifest["settings"]["configs"]), (configs, manifest["settings"]["configs"])
    checked = 0
    for config in configs:
        folder = os.path.join(out, config)
        for split, (images, labels) in source.items():
            x = np.load(os.path.join(folder, f"{split}_images.npy"))
            y = np.load(os.path.join(folder, f"{split}_labels.npy"))
            assert x.dtype == np.uint8 and x.shape == images.shape, (config, split, x.dtype, x.shape)
            assert y.dtype == np.int64 and y.shape == labels.shape, (config, split, y.dtype, y.shape)
            assert np.array_equal(y, labels.astype(np.int64)), (config, split, "labels differ")
            if config.endswith("/identity"):
                assert np.array_equal(x, images), (config, split, "identity differs from MNIST")
            else:
                assert not np.array_equal(x, images), (config, split, "no change")
            checked += 2
    sums = {}
    for line in open(os.path.join(out, "SHA256SUMS")):
        digest, path = line.rstrip("\n").split("  ", 1)
        sums[path] = digest
    assert len(sums) == len(manifest["files"]), "SHA256SUMS and the manifest list different files"
    for entry in manifest["files"]:
        path = os.path.join(out, entry["path"])
        data = open(path, "rb").read()
        assert len(data) == entry["bytes"], entry["path"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] == sums[entry["path"]], entry["path"]
    print(f"numpy check: {len(configs)} configs, {checked} image/label pairs, "
          f"{len(manifest['files'])} manifest entries verified")


if __name__ == "__main__":
    main()
