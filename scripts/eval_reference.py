"""Reference scores for the evaluator's tests: Python onnxruntime on tensors blight prepared.

Usage: python scripts/eval_reference.py MODEL TENSORS.npy SCORES.npy
Runs MODEL's first input on the float32 array in TENSORS.npy (batch first) in one session on
the CPU and saves the first float output of rank 2 as SCORES.npy.
"""
import sys

import numpy as np
import onnxruntime as ort


def main(model, tensors, scores):
    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    x = np.load(tensors)
    name = session.get_inputs()[0].name
    outputs = [o.name for o in session.get_outputs()]
    results = session.run(outputs, {name: x})
    chosen = next(r for r in results if r.dtype == np.float32 and r.ndim == 2)
    np.save(scores, chosen)


if __name__ == "__main__":
    main(*sys.argv[1:])
