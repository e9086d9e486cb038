#!/usr/bin/env bash
# Builds the ImageNet-C reference environment in DIR (default /tmp/blight-ref): the 2018 Python
# stack the released dataset was most likely made with, plus the reference code at a fixed commit,
# kept outside the repository. Needs: python3.6 (e.g. `pyenv install 3.6.15`), git access to the
# reference repository or a local clone (REF_REPO), and ImageMagick's MagickWand
# (`apt-get install libmagickwand-dev`) for motion_blur and snow.
set -euo pipefail
dir=${1:-/tmp/blight-ref}
python36=${PYTHON36:-python3.6}
repo=${REF_REPO:-https://github.com/hendrycks/robustness}
commit=8190fe329f5f072a06e3a2aea02bb5dda69aed9f
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"
[ -d "$dir/robustness" ] || git clone -q "$repo" "$dir/robustness"
git -C "$dir/robustness" checkout -q "$commit"
pkg="$dir/robustness/ImageNet-C/imagenet_c/imagenet_c"
# The package finds its frost textures in frost/ beside corruptions.py.
mkdir -p "$pkg/frost"
bash "$here/../get-frost.sh" "$pkg/frost"
"$python36" -m venv "$dir/venv"
"$dir/venv/bin/pip" install -q --only-binary numpy,scipy,Pillow,opencv-python,matplotlib,PyWavelets,scikit-image \
  -r "$here/requirements-imagenet-c-2018.txt"
echo "reference environment ready: $dir/venv/bin/python, package at $(dirname "$pkg")"
