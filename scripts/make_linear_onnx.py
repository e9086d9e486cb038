"""Writes a tiny linear classifier as ONNX, for tests that only compare two runs' predictions.

Usage: python scripts/make_linear_onnx.py OUT.onnx INPUTS CLASSES [SEED]

The model maps a float32 input `input` of shape (N, INPUTS) to logits `logits` of shape
(N, CLASSES): x @ W + b, with W and b drawn from numpy's default_rng(SEED) (SEED 0 by default).
The weights are random, not trained: the scores still move with every pixel, so two datasets
that differ anywhere give different scores, which is what a parity test needs.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out, inputs, classes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((inputs, classes)) / np.sqrt(inputs)).astype(np.float32)
    b = rng.standard_normal(classes).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["input", "W"], ["xw"]),
            helper.make_node("Add", ["xw", "b"], ["logits"]),
        ],
        "linear",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", inputs])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", classes])],
        [numpy_helper.from_array(w, "W"), numpy_helper.from_array(b, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, out)


if __name__ == "__main__":
    main()
