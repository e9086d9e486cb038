#!/usr/bin/env bash
# The Python environment the evaluator's tests use (target/pyenv): numpy and Pillow, the
# onnxruntime wheel (whose libonnxruntime `blight evaluate` finds through the Python package),
# and scikit-learn + skl2onnx to train and export the MNIST test classifier. Pinned; installed
# once, then only checked.
set -euo pipefail
cd "$(dirname "$0")/.."
env=target/pyenv
pins=(numpy pillow webdataset onnxruntime==1.32.0 scikit-learn==1.9.1 skl2onnx==1.20.0)
if [ -x "$env/bin/python" ] && "$env/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as m, numpy, PIL, webdataset
assert m.version("onnxruntime") == "1.32.0"
assert m.version("scikit-learn") == "1.9.1"
assert m.version("skl2onnx") == "1.20.0"
PY
then
  exit 0
fi
[ -x "$env/bin/python" ] || python3 -m venv "$env"
"$env/bin/pip" install --quiet "${pins[@]}"
