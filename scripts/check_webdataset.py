"""Iterates `blight generate ... --format wds` shards with the `webdataset` package, as a training
pipeline would: every sample yields its key, a .cls label that agrees with its .json, and a JPEG
Pillow opens at 224x224; the count is the expected number of outputs.

Usage: python scripts/check_webdataset.py OUT EXPECTED_OUTPUTS
"""
import glob
import io
import json
import os
import sys

import webdataset as wds
from PIL import Image


def main():
    out, expected = sys.argv[1], int(sys.argv[2])
    urls = sorted(glob.glob(os.path.join(out, "shard-*.tar")))
    assert urls, f"no shards in {out}"
    count = 0
    for sample in wds.WebDataset(urls, shardshuffle=False):
        meta = json.loads(sample["json"])
        assert int(sample["cls"]) == meta["label"], sample["__key__"]
        prefix = f"{meta['corruption']}/{meta['severity']}/"
        assert sample["__key__"].startswith(prefix), (sample["__key__"], prefix)
        with Image.open(io.BytesIO(sample["jpg"])) as image:
            assert image.size == (224, 224) and image.mode == "RGB", sample["__key__"]
        count += 1
    assert count == expected, (count, expected)
    print(f"webdataset check: {len(urls)} shards, {count} samples with key, label, metadata and image")


if __name__ == "__main__":
    main()
