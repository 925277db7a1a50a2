"""A pytest plugin for the GPU machine: ``load_uea`` reads the packed ``.npz`` when sktime is missing.

The GPU tests load bundled datasets with :func:`mlstm_fcn.datasets.load_uea`,
whose ``.ts`` parser is sktime's; the GPU machine has no sktime. Loaded with
``-p benchmarks.packed_data_plugin`` (the repository on ``PYTHONPATH``) and
``MLSTM_FCN_PACKED`` naming a file of ``benchmarks.pack_uea_npz``, it makes
``load_uea`` read that file instead, before any test module imports it. With
sktime installed, or without the variable, it changes nothing.
"""

from __future__ import annotations

import importlib
import os

#: Environment variable naming the packed datasets.
PACKED_ENV = "MLSTM_FCN_PACKED"


def install() -> None:
    """Replace ``mlstm_fcn.datasets.load_uea`` as the module docstring says (or leave it)."""
    path = os.environ.get(PACKED_ENV)
    if not path:
        return
    try:
        importlib.import_module("sktime")
        return
    except ImportError:
        pass
    import mlstm_fcn.datasets as datasets
    from benchmarks.pack_uea_npz import load_packed

    original = datasets.load_uea

    def load_uea(name: str, split: str = "train", data_dir=None, y_dtype: str = "str", **kwargs):
        if data_dir is not None or y_dtype != "str" or kwargs:
            return original(name, split, data_dir=data_dir, y_dtype=y_dtype, **kwargs)
        return load_packed(path, name, split)

    datasets.load_uea = load_uea


# At import, not in a hook: ``-p`` plugins are imported before the initial conftest.py files,
# which import load_uea by name.
install()
