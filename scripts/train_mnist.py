"""Trains the small MNIST classifier the evaluator's MNIST-C test scores, and exports it to ONNX.

Usage: python scripts/train_mnist.py MNIST_DIR OUT_DIR

Reads the real MNIST digits (IDX files, raw, either naming) from MNIST_DIR, trains a
scikit-learn MLP (784-64-10, 15 epochs) on the first 10,000 training digits (seconds), exports
it with skl2onnx (input `input`: float32 (N, 784), pixels/255; outputs `label` and
`probabilities`, no ZipMap), and writes:
  OUT_DIR/mnist_mlp.onnx
  OUT_DIR/sklearn_test.json   {"accuracy": ..., "predictions": [...]} on the 10,000 test digits
Versions are pinned in .ci/run (scikit-learn 1.9.1, skl2onnx 1.20.0, onnxruntime 1.32.0).
"""
import json
import os
import sys
import warnings

import numpy as np
from skl2onnx import to_onnx
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier


def idx(directory, stem, kind):
    for name in (f"{stem}-{kind}", f"{stem}-{kind.replace('-idx', '.idx', 1)}"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            with open(path, "rb") as f:
                data = f.read()
            dims = data[3]
            shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
            return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)
    raise SystemExit(f"{directory}: no {stem}-{kind}")


def main(mnist, out):
    os.makedirs(out, exist_ok=True)
    x_train = idx(mnist, "train", "images-idx3-ubyte")[:10000].reshape(-1, 784) / 255.0
    y_train = idx(mnist, "train", "labels-idx1-ubyte")[:10000]
    x_test = idx(mnist, "t10k", "images-idx3-ubyte").reshape(-1, 784) / 255.0
    y_test = idx(mnist, "t10k", "labels-idx1-ubyte")
    clf = MLPClassifier((64,), max_iter=15, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x_train.astype(np.float32), y_train)
    predictions = clf.predict(x_test.astype(np.float32))
    onx = to_onnx(
        clf,
        x_train[:1].astype(np.float32),
        options={id(clf): {"zipmap": False}},
        target_opset=17,
    )
    onx.graph.input[0].name = "input"
    for node in onx.graph.node:
        node.input[:] = ["input" if i == "X" else i for i in node.input]
    with open(os.path.join(out, "mnist_mlp.onnx"), "wb") as f:
        f.write(onx.SerializeToString())
    with open(os.path.join(out, "sklearn_test.json"), "w") as f:
        json.dump(
            {
                "accuracy": float((predictions == y_test).mean()),
                "predictions": predictions.astype(int).tolist(),
            },
            f,
        )


if __name__ == "__main__":
    main(*sys.argv[1:])
