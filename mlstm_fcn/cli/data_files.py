"""Which reader a data file needs, by its suffix: ``.ts`` text, numpy's ``.npy`` and ``.npz``, or a ``.csv`` long table.

The command line names data files, and this module turns a name into
``(X, y, ids)``; the readers themselves are :func:`mlstm_fcn.datasets.load_ts`,
:func:`mlstm_fcn.datasets.load_arrays` and :func:`mlstm_fcn.datasets.load_long_csv`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

#: Suffixes of data files, each with its reader below.
SUFFIXES = (".ts", ".npy", ".npz", ".csv")
#: The suffixes of files whose labels may be declared regression targets (``@targetLabel true``).
DECLARING_SUFFIXES = (".ts",)

_SPLITS = ("_TRAIN", "_TEST")


def is_data_file_name(spec: str) -> bool:
    """Whether ``spec`` names a data file (by its suffix), as opposed to a dataset name."""
    return Path(spec).suffix.lower() in SUFFIXES


def unknown_suffix_message(path: Path) -> str:
    """Why ``path`` is not read, and how to convert it into a file that is."""
    suffix = path.suffix.lower()
    return (f"{path}: a data file is .ts, .npy, .npz or .csv, not {suffix or 'a file without suffix'}. "
            "Convert it to a .csv long table (one row per series and time step: columns id, time, label and "
            "one per channel; e.g. pandas' df.to_csv(path, index=False)), or to numpy arrays saved with "
            "np.savez(path, X=X, y=y) (X of shape (n, channels, time)); in Python, "
            "mlstm_fcn.datasets.from_long_table(df) turns a long table into series.")


def declares_targets(path: str | os.PathLike) -> bool:
    """Whether labels read from ``path`` (a data file, a dataset folder or a UEA name) can be declared targets.

    Only ``.ts`` files say whether their labels are classes or numeric
    targets (``@targetLabel true``); a folder or a UEA name is read from its
    ``.ts`` files. Numbers in ``.npy``, ``.npz`` and ``.csv`` files say nothing.
    """
    suffix = Path(path).suffix.lower()
    return suffix in DECLARING_SUFFIXES or suffix not in SUFFIXES


def read_data_file(path: str | os.PathLike, labels: str | os.PathLike | None = None,
                   columns: dict | None = None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """``(X, y, ids)`` of a data file, ``X`` as ``(n, C, T)``; ``y`` None without labels, ``ids`` None but for ``.csv``.

    ``labels`` names a ``.npy`` file of labels (or targets), one per series,
    which replaces any the data file holds. ``columns`` gives a ``.csv``
    file's ``id_column``, ``time_column`` and ``label_column`` (see
    :func:`mlstm_fcn.datasets.from_long_table`); the ids are the series' in
    the order of ``X``.
    """
    from ..datasets import load_arrays, load_labels, load_long_csv, load_ts

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(unknown_suffix_message(path))
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not a {suffix} file.")
    if not path.is_file():
        raise FileNotFoundError(f"no such {suffix} file: {path}")
    ids = None
    if suffix == ".ts":
        X, y = load_ts(path, require_labels=False)
    elif suffix == ".csv":
        X, y, ids = load_long_csv(path, **(columns or {}))
    else:
        X, y = load_arrays(path)
    if X.ndim == 2:  # (n, time): univariate series
        X = X[:, None, :]
    if labels is not None:
        y = load_labels(labels, len(X))
    return X, y, ids


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
