"""Which reader a data file needs, by its suffix: ``.ts`` text, or numpy's ``.npy`` and ``.npz``.

The command line names data files, and this module turns a name into
``(X, y)``; the readers themselves are :func:`mlstm_fcn.datasets.load_ts` and
:func:`mlstm_fcn.datasets.load_arrays`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

#: Suffixes of data files, each with its reader below.
SUFFIXES = (".ts", ".npy", ".npz")

_SPLITS = ("_TRAIN", "_TEST")


def is_data_file_name(spec: str) -> bool:
    """Whether ``spec`` names a data file (by its suffix), as opposed to a dataset name."""
    return Path(spec).suffix.lower() in SUFFIXES


def read_data_file(path: str | os.PathLike,
                   labels: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """``(X, y)`` of a ``.ts``, ``.npy`` or ``.npz`` file, ``X`` as ``(n, C, T)``; ``y`` None without labels.

    ``labels`` names a ``.npy`` file of labels (or targets), one per series,
    which replaces any the data file holds.
    """
    from .datasets import load_arrays, load_labels, load_ts

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(f"{path}: a data file is .ts, .npy or .npz, not {suffix or 'a file without suffix'}.")
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not a {suffix} file.")
    if not path.is_file():
        raise FileNotFoundError(f"no such {suffix} file: {path}")
    if suffix == ".ts":
        X, y = load_ts(path, require_labels=False)
    else:
        X, y = load_arrays(path)
    if X.ndim == 2:  # (n, time): univariate series
        X = X[:, None, :]
    if labels is not None:
        y = load_labels(labels, len(X))
    return X, y


def sibling_test_file(path: str | os.PathLike) -> Path | None:
    """The test split beside a training file: ``Name_TEST.ts`` for ``Name_TRAIN.ts`` (any data suffix).

    ``None`` when ``path`` is not named as a training split or no such file exists.
    """
    path = Path(path)
    stem = path.stem
    if not stem.upper().endswith(_SPLITS[0]):
        return None
    sibling = path.with_name(stem[: -len(_SPLITS[0])] + _SPLITS[1] + path.suffix)
    return sibling if sibling.is_file() else None
