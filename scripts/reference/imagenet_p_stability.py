"""ImageNet-P's stability metrics computed in Python, for `tests/eval_sequences.rs`.

Usage: python scripts/reference/imagenet_p_stability.py MODEL SHARDS_DIR OUT.json DIFFICULTIES

Reads the sequence tar shards `blight generate imagenet-p` writes (one sample per sequence:
`<key>.cls`, `<key>.frame-NN.png`, `<key>.json`), decodes every frame with Pillow, applies the
`imagenet` preset (the frames are 224x224, so CenterCrop(224) leaves them as they are; ToTensor
and Normalize in float32, computed as blight computes them: x * (1/255) - mean, / std), scores
each video's frames with onnxruntime on the CPU, and computes the metrics the way
hendrycks/robustness `ImageNet-P/test.py` does:

* ranks as scipy's rankdata(-scores, method='ordinal'), here a stable argsort of -scores (ties
  go to the lower class index);
* noises (names containing "noise") compare every frame with frame 0, the difficulty choosing
  the `_d` sequences; the others walk each offset's subsequence with a stride of d;
* per video the mean over its pairs, then the mean over videos.

DIFFICULTIES is a comma-separated list (1,2). Writes {perturbation: {difficulty: {"FP",
"uT5D", "zipf", "videos"}}}.
"""
import io
import json
import os
import sys
import tarfile

import numpy as np
import onnxruntime as ort
from PIL import Image

MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32).reshape(3, 1, 1)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32).reshape(3, 1, 1)
UNIT = np.float32(1) / np.float32(255)


def read_sequences(folder):
    """{(perturbation, difficulty): [frames of each video, in shard order]}."""
    sequences = {}
    for name in sorted(os.listdir(folder)):
        if not (name.startswith("shard-") and name.endswith(".tar")):
            continue
        pending = {}
        with tarfile.open(os.path.join(folder, name)) as shard:
            for member in shard:
                data = shard.extractfile(member).read()
                if ".frame-" in member.name:
                    key, rest = member.name.rsplit(".frame-", 1)
                    number = int(rest[: -len(".png")])
                    pending.setdefault(key, {})[number] = data
                elif member.name.endswith(".json"):
                    key = member.name[: -len(".json")]
                    meta = json.loads(data)
                    pngs = pending.pop(key)
                    assert sorted(pngs) == list(range(meta["frames"])), key
                    frames = [
                        np.asarray(Image.open(io.BytesIO(pngs[k])).convert("RGB"))
                        for k in range(meta["frames"])
                    ]
                    group = (meta["perturbation"], meta["difficulty"])
                    sequences.setdefault(group, []).append(frames)
    return sequences


def tensor(frames):
    batch = []
    for frame in frames:
        assert frame.shape == (224, 224, 3), frame.shape
        x = frame.astype(np.float32).transpose(2, 0, 1) * UNIT
        batch.append((x - MEAN) / STD)
    return np.stack(batch).astype(np.float32)


def ranks(scores):
    """rankdata(-scores, method='ordinal'): 1 for the best, ties to the lower index."""
    order = np.argsort(-scores, kind="stable")
    r = np.empty(len(scores), dtype=np.int64)
    r[order] = np.arange(1, len(scores) + 1)
    return r


def distances(num_classes):
    cum_sum_top5 = np.cumsum(np.asarray([0] + [1] * 5 + [0] * (num_classes - 1 - 5)))
    recip = 1.0 / np.arange(1, num_classes + 1)

    def top5(sigma):
        return np.sum(np.abs(cum_sum_top5[:5] - cum_sum_top5[sigma - 1][:5]))

    def zipf(sigma):
        return np.sum(np.abs(recip - recip[sigma - 1]) * recip)

    return top5, zipf


def video_values(preds, video_ranks, noise, difficulty, top5, zipf):
    step = 1 if noise else difficulty
    flips, t5, zf = [], [], []
    for start in range(step):
        prev_pred = preds[start]
        perm1 = video_ranks[start]
        perm1_inv = np.argsort(perm1)
        for j in range(start + step, len(preds), step):
            flips.append(int(prev_pred != preds[j]))
            sigma = video_ranks[j][perm1_inv]
            t5.append(top5(sigma))
            zf.append(zipf(sigma))
            if not noise:
                prev_pred = preds[j]
                perm1 = video_ranks[j]
                perm1_inv = np.argsort(perm1)
    return np.mean(flips), np.mean(t5), np.mean(zf)


def main(model, folder, out, difficulties):
    difficulties = [int(d) for d in difficulties.split(",")]
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    sequences = read_sequences(folder)
    results = {}
    scored = {}
    for (perturbation, stored), videos in sorted(sequences.items()):
        noise = "noise" in perturbation
        if noise:
            wanted = [stored] if stored in difficulties else []
        else:
            wanted = [d for d in difficulties if stored == 1]
        if not wanted:
            continue
        for frames in videos:
            outputs = session.run(None, {input_name: tensor(frames)})
            scores = next(o for o in outputs if o.dtype == np.float32 and o.ndim == 2)
            preds = scores.argmax(1)
            video_ranks = [ranks(row) for row in scores]
            top5, zipf = distances(scores.shape[1])
            for d in wanted:
                values = video_values(preds, video_ranks, noise, d, top5, zipf)
                scored.setdefault((perturbation, d), []).append(values)
    for (perturbation, d), values in scored.items():
        n = len(values)
        fp, t5, zf = 0.0, 0.0, 0.0
        for f, t, z in values:
            fp += f / n
            t5 += t / n
            zf += z / n
        results.setdefault(perturbation, {})[str(d)] = {
            "FP": fp,
            "uT5D": t5,
            "zipf": zf,
            "videos": n,
        }
    with open(out, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:])
