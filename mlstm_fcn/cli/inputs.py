"""What the commands read and write: model files, and series from a data file, a dataset folder or a UEA name."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .common import PROG, CLIError


# ---------------------------------------------------------------- model files
def save_model_file(clf, path: str | os.PathLike) -> None:
    """Write a fitted classifier or regressor to ``path`` in the safe model format."""
    clf.save(path)


def load_model_file(path: str | os.PathLike):
    """Read a classifier or regressor written by :func:`save_model_file`; the file runs no code."""
    from ..loading import load_model

    path = Path(path)
    if path.is_dir():
        raise CLIError(f"{path} is a folder, not a model file")
    if not path.is_file():
        raise CLIError(f"model file not found: {path}")
    return load_model(path)


def is_regressor(model) -> bool:
    from sklearn.base import is_regressor

    return is_regressor(model)


# --------------------------------------------------------------------- data
def load_data(spec: str, split: str, data_dir: str | None, download: bool = False, labels: str | None = None,
              columns: dict | None = None) -> tuple[np.ndarray, np.ndarray | None, str, np.ndarray | None]:
    """``(X, y, description, ids)`` from a data file, a dataset folder or a UEA name (and split).

    ``labels`` is a ``.npy`` file of labels for the series of a data file; ``download`` fetches
    a UEA dataset found nowhere locally; ``columns`` names a ``.csv`` file's columns (see
    :func:`mlstm_fcn.cli.data_files.read_data_file`). ``ids`` names the series of a ``.csv`` file
    (None for other data).
    """
    from .data_files import is_data_file_name, read_data_file
    from ..datasets import split_file

    path = Path(spec)
    if path.is_dir():
        # A dataset's own folder: <Name>/<Name>_TRAIN.ts (or _TEST.ts) inside it.
        file = split_file(path, split)
        if not file.is_file():
            raise CLIError(f"{path} is a folder, not a .ts file, and holds no {file.name} "
                           f"(give a data file, or a dataset folder holding <Name>_{split.upper()}.ts)")
        X, y, _ = read_data_file(file, labels)
        return X, y, f"{file} ({split})", None
    # A suffix makes a file name: UEA names have none (an unknown suffix gets how to convert the file).
    if (is_data_file_name(spec) or path.is_file() or path.suffix or os.sep in spec
            or (os.altsep and os.altsep in spec)):
        X, y, ids = read_data_file(path, labels, columns)
        return X, y, str(path), ids
    if labels is not None:
        raise CLIError(f"--y gives the labels of a .npy file; {spec!r} is a dataset name")
    if data_dir is not None and not Path(data_dir).is_dir():
        # Searched first when given: a mistyped one would silently read another copy further on.
        raise CLIError(f"--data-dir {data_dir} is not a folder")
    return (*_load_named(spec, split, data_dir, download), None)


def _load_named(name: str, split: str, data_dir: str | None, download: bool):
    from .data_files import SUFFIXES
    from ..datasets import closest_names, find_uea, load_uea, local_names, not_found_hint, uea_search_path

    try:
        X, y = load_uea(name, split=split, data_dir=data_dir, download=download)
    except FileNotFoundError:
        places = ", ".join(str(d) for d in uea_search_path(data_dir))
        here = ", ".join(local_names(data_dir)) or "none"
        # The download hint names the dataset as the archive spells it: the best match of a misspelt name.
        fetch = (closest_names(name, data_dir) or [name])[0]
        with_download = "add --download" if fetch == name else f"give {fetch} with --download"
        raise CLIError(
            f"unknown dataset {name!r} (not a data file: {', '.join(SUFFIXES)}).{not_found_hint(name, data_dir)} "
            f"No {name}/{name}_TRAIN.ts in {places}. Available here: {here}. To get a UEA dataset: "
            f"{with_download} (fetches it into the user cache), or in Python load_uea({fetch!r}, download=True); "
            f"--data-dir names an archive folder (see '{PROG} datasets')") from None
    folder = find_uea(name, data_dir)  # the name as spelled on disk
    return X, y, f"{folder.name if folder is not None else name} ({split})"


def lengths_note(X: np.ndarray) -> str:
    from ..datasets import series_lengths

    lengths = series_lengths(X)
    if lengths.min() == lengths.max():
        return f"length {X.shape[2]}"
    return f"lengths {lengths.min()}-{lengths.max()}"

