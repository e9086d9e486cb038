#!/usr/bin/env bash
# Builds the ImageNet-C reference environment in DIR (default /tmp/blight-ref): the 2018 Python
# stack the released dataset was most likely made with, plus the reference code at a fixed commit,
# kept outside the repository. Needs: python3.6 (e.g. `pyenv install 3.6.15`), git access to the
# reference repository or a local clone (REF_REPO), and ImageMagick's MagickWand
# (`apt-get install libmagickwand-dev`), which the package loads on import.
# Without git access, export the package at the commit yourself and pass it as REF_TREE, e.g.
#   git --git-dir=MIRROR.git archive 8190fe329f5f072a06e3a2aea02bb5dda69aed9f ImageNet-C/imagenet_c \
#     | tar -x -C /tmp/robustness && REF_TREE=/tmp/robustness setup-imagenet-c-env.sh
set -euo pipefail
dir=${1:-/tmp/blight-ref}
python36=${PYTHON36:-python3.6}
repo=${REF_REPO:-https://github.com/hendrycks/robustness}
commit=8190fe329f5f072a06e3a2aea02bb5dda69aed9f
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
if [ -n "${REF_TREE:-}" ]; then
  pkg="$REF_TREE/ImageNet-C/imagenet_c/imagenet_c"
else
  [ -d "$dir/robustness" ] || git clone -q "$repo" "$dir/robustness"
  git -C "$dir/robustness" checkout -q "$commit"
  pkg="$dir/robustness/ImageNet-C/imagenet_c/imagenet_c"
fi
# The package finds its frost textures in frost/ beside corruptions.py.
mkdir -p "$pkg/frost"
bash "$here/../get-frost.sh" "$pkg/frost"
"$python36" -m venv "$dir/venv"
"$dir/venv/bin/pip" install -q --only-binary numpy,scipy,Pillow,opencv-python,matplotlib,PyWavelets,scikit-image \
  -r "$here/requirements-imagenet-c-2018.txt"
echo "reference environment ready: $dir/venv/bin/python, package at $(dirname "$pkg")"
