"""Loading UEA archive datasets from their original ``.ts`` files.

Convention: equal-length data come back as a float32 array ``(n, C, T)``;
unequal-length data (e.g. JapaneseVowels) as a float32 array padded with
NaN at the end of the time axis to the longest series, which
:class:`~mlstm_fcn.MLSTMFCNClassifier` reads as padding. ``series_lengths``
recovers the lengths. Missing values inside a series (``?`` in a ``.ts``
file) are returned as NaN as well; the classifier refuses them with a clear
message, so impute them first. Parsing is sktime's; it is imported lazily.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

#: Environment variable naming a UEA archive directory.
DATA_ENV = "MLSTM_FCN_DATA"
#: The small datasets shipped in the repository's ``datasets/`` folder.
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "datasets"


def user_cache_dir() -> Path:
    """Per-user cache of downloaded archives, following the platform's convention."""
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif os.uname().sysname == "Darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "mlstm-fcn" / "uea"


def series_lengths(X: np.ndarray) -> np.ndarray:
    """Valid steps of each series of a NaN-padded ``(n, C, T)`` array."""
    padded = np.isnan(X).all(axis=1)
    trailing = np.flip(np.logical_and.accumulate(np.flip(padded, axis=1), axis=1), axis=1)
    return X.shape[2] - trailing.sum(axis=1)


def load_ts(path: str | os.PathLike, y_dtype: str = "str") -> tuple[np.ndarray, np.ndarray]:
    """Load one ``.ts`` file into ``(X, y)``.

    Parameters
    ----------
    path : str or path-like
        A file in sktime's ``.ts`` format (as the UEA archive ships them).
    y_dtype : {"str", "int", "float"}, default="str"
        Type of the labels; "str" keeps them as written in the file.

    Returns
    -------
    X : ndarray of shape (n, C, T), float32
        NaN-padded at the end when the series have unequal length.
    y : ndarray of shape (n,)

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When the file is malformed; the message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No .ts file at {path}.")
    try:
        from sktime.datasets import load_from_tsfile
    except ImportError as exc:  # pragma: no cover - sktime is a dependency
        raise ImportError("Reading .ts files needs sktime: pip install sktime") from exc
    try:
        X_df, y = load_from_tsfile(str(path), return_data_type="nested_univ", y_dtype=y_dtype)
    except Exception as exc:  # sktime raises several types; say which file broke
        raise ValueError(f"Could not read {path}: {exc}") from exc
    n, c = X_df.shape
    lengths = np.array([[len(X_df.iat[i, j]) for j in range(c)] for i in range(n)])
    if (lengths != lengths[:, :1]).any():
        i = int(np.argwhere((lengths != lengths[:, :1]).any(axis=1))[0, 0])
        raise ValueError(f"{path}: case {i} has channels of different lengths {sorted(set(lengths[i]))}.")
    X = np.full((n, c, int(lengths.max())), np.nan, dtype=np.float32)
    for i in range(n):
        for j in range(c):
            values = np.asarray(X_df.iat[i, j], dtype=np.float32)
            X[i, j, : values.shape[0]] = values
    return X, np.asarray(y)


def uea_search_path(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Directories searched for ``<Name>/<Name>_TRAIN.ts``, in order."""
    dirs = []
    if data_dir is not None:
        dirs.append(Path(data_dir))
    if os.environ.get(DATA_ENV):
        dirs.append(Path(os.environ[DATA_ENV]))
    dirs += [user_cache_dir(), BUNDLED_DIR]
    return dirs


def find_uea(name: str, data_dir: str | os.PathLike | None = None) -> Path | None:
    """The folder holding dataset ``name``, or ``None`` when no searched place has it."""
    for d in uea_search_path(data_dir):
        if (d / name / f"{name}_TRAIN.ts").is_file() and (d / name / f"{name}_TEST.ts").is_file():
            return d / name
    return None


def load_uea(name: str, split: str = "train", data_dir: str | os.PathLike | None = None,
             y_dtype: str = "str") -> tuple[np.ndarray, np.ndarray]:
    """Load a UEA archive dataset by name.

    Looks in ``data_dir``, then ``$MLSTM_FCN_DATA``, then the user cache
    (:func:`user_cache_dir`), then the bundled ``datasets/`` folder.

    Parameters
    ----------
    name : str
        Dataset name as in the archive, e.g. ``"NATOPS"``.
    split : {"train", "test"}, default="train"
        The archive's default train/test split.
    data_dir : path-like, optional
        An archive directory laid out as ``<Name>/<Name>_{TRAIN,TEST}.ts``.
    y_dtype : {"str", "int", "float"}, default="str"
        Type of the labels.

    Returns
    -------
    X : ndarray of shape (n, C, T), float32
    y : ndarray of shape (n,)
    """
    split = split.lower()
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    folder = find_uea(name, data_dir)
    if folder is None:
        places = "\n  ".join(str(d) for d in uea_search_path(data_dir))
        raise FileNotFoundError(
            f"UEA dataset {name!r} not found. Looked for {name}/{name}_TRAIN.ts and _TEST.ts in:\n  {places}\n"
            f"Pass data_dir= or set ${DATA_ENV} to a UEA archive directory.")
    return load_ts(folder / f"{name}_{split.upper()}.ts", y_dtype=y_dtype)
