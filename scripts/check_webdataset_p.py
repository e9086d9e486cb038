"""Iterates `blight generate imagenet-p|tiny-imagenet-p` shards with the `webdataset` package, as
a training pipeline would: every sample is one sequence whose .cls agrees with its .json, whose
key starts with its perturbation folder (`<perturbation>_<d>/` above difficulty 1), and whose
frame-NN.png members, in order, are the .json's frame count of RGB frames of SIDE x SIDE that
Pillow opens; the count of sequences is the expected one.

Usage: python scripts/check_webdataset_p.py OUT EXPECTED_SEQUENCES SIDE
"""
import glob
import io
import json
import os
import sys

import webdataset as wds
from PIL import Image


def main():
    out, expected, side = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    urls = sorted(glob.glob(os.path.join(out, "shard-*.tar")))
    assert urls, f"no shards in {out}"
    count = 0
    for sample in wds.WebDataset(urls, shardshuffle=False):
        key = sample["__key__"]
        meta = json.loads(sample["json"])
        assert int(sample["cls"]) == meta["label"], key
        folder = meta["perturbation"]
        if meta["difficulty"] > 1:
            folder += f"_{meta['difficulty']}"
        assert key.startswith(folder + "/"), (key, folder)
        frames = sorted(k for k in sample if k.startswith("frame-"))
        assert frames == [f"frame-{n:02}.png" for n in range(meta["frames"])], (key, frames)
        for name in frames:
            with Image.open(io.BytesIO(sample[name])) as image:
                assert image.mode == "RGB", (key, name)
                # Tiny-ImageNet-P's motion_blur keeps the short-side resize uncropped.
                assert min(image.size) == side, (key, name, image.size)
        count += 1
    assert count == expected, (count, expected)
    print(f"{out}: {count} sequences read by webdataset")


if __name__ == "__main__":
    main()
