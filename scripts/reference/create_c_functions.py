"""Loads the corruption functions of one of hendrycks/robustness's `ImageNet-C/create_c/make_*_c.py`
scripts without running the script.

Those scripts build their dataset at import time (a loop over CIFAR or an ImageNet folder, with
torch and torchvision). `load(path)` reads the script's text, keeps everything before its
`# /////////////// End Distortions ///////////////` marker (imports, helpers, the corruption
functions and their parameter tables, untouched), and executes that in a fresh namespace, with
stand-in modules for torch and torchvision, which these parts import but never call (torch has
no build for the 2018 stack). The functions therefore run exactly as the script defines them, in
whatever environment runs this loader. Nothing of the script is copied into this repository.

frost() opens './frost<k>.png' relative to the working directory: call it inside `in_dir(DIR)`
with DIR the folder of the six textures.
"""
import contextlib
import os
import sys
import types

MARKER = "# /////////////// End Distortions ///////////////"


class _Anything(types.ModuleType):
    """A module whose every attribute is a harmless class (e.g. torch.utils.data.Dataset)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return type(name, (object,), {})


def _stub_torch():
    for name in ["torch", "torch.utils", "torch.utils.data", "torch.nn", "torch.nn.functional",
                 "torch.autograd", "torchvision", "torchvision.datasets",
                 "torchvision.transforms", "torchvision.models"]:
        module = sys.modules.setdefault(name, _Anything(name))
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)


def load(path):
    """The namespace of the script at `path` up to its end-of-distortions marker."""
    with open(path) as f:
        text = f.read()
    if MARKER not in text:
        raise SystemExit("%s: no '%s' line; not a create_c script?" % (path, MARKER))
    _stub_torch()
    namespace = {"__name__": "create_c_reference", "__file__": path}
    exec(compile(text[:text.index(MARKER)], path, "exec"), namespace)
    return namespace


@contextlib.contextmanager
def in_dir(path):
    """Runs the body with `path` as the working directory."""
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)
