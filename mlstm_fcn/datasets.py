"""UEA archive datasets: by name (:func:`load_uea`), from a file (:func:`load_ts`), catalogue (:func:`list_uea`).

Array convention
    Equal-length data come back as a float32 array ``(n, C, T)``. Unequal-length
    data (e.g. JapaneseVowels, 7-29 steps) come back as a float32 array padded
    with NaN at the end of the time axis to the longest series of the file,
    which :class:`~mlstm_fcn.MLSTMFCNClassifier` reads as padding (and masks in
    the network); :func:`series_lengths` recovers the lengths.

Missing values
    A ``?`` (or ``NaN``) inside a series is returned as NaN, unchanged: the
    loader does not impute. The classifier refuses NaN inside a series with a
    message saying where it is, so impute first (for example with sktime's
    ``Imputer``). A step that is missing in *every* channel up to the end of
    the series is indistinguishable from padding and is treated as such.

Where datasets are looked for
    ``data_dir=``, then ``$MLSTM_FCN_DATA``, then the user cache
    (:func:`user_cache_dir`), then the repository's bundled ``datasets/``, each
    laid out as ``<Name>/<Name>_TRAIN.ts`` and ``<Name>/<Name>_TEST.ts``.
    With ``download=True`` a dataset found nowhere is downloaded into the user
    cache (see :func:`download_uea`).

Parsing is sktime's (imported lazily).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ._catalogue import UEADataset, archive_2018, canonical_name, with_path
from ._download import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, URL_ENV, DownloadError, check_name, download_uea

__all__ = [
    "DATA_ENV", "URL_ENV", "DEFAULT_BASE_URL", "BUNDLED_DIR", "DownloadError", "UEADataset",
    "closest_names", "download_uea", "find_uea", "list_uea", "local_names", "load_ts", "load_uea", "series_lengths",
    "uea_search_path", "user_cache_dir",
]

#: Environment variable naming a UEA archive directory.
DATA_ENV = "MLSTM_FCN_DATA"
#: The small datasets shipped in the repository's ``datasets/`` folder.
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "datasets"

_Y_DTYPES = ("str", "int", "float")


def user_cache_dir() -> Path:
    """Per-user cache of downloaded datasets, following the platform's convention.

    ``%LOCALAPPDATA%\\mlstm-fcn\\uea`` on Windows, ``~/Library/Caches/mlstm-fcn/uea``
    on macOS, ``$XDG_CACHE_HOME/mlstm-fcn/uea`` (default ``~/.cache/...``) elsewhere.
    """
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif os.uname().sysname == "Darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mlstm-fcn" / "uea"


def series_lengths(X: np.ndarray) -> np.ndarray:
    """Valid steps of each series of a NaN-padded ``(n, C, T)`` array."""
    padded = np.isnan(X).all(axis=1)
    trailing = np.flip(np.logical_and.accumulate(np.flip(padded, axis=1), axis=1), axis=1)
    return X.shape[2] - trailing.sum(axis=1)


# ---------------------------------------------------------------- .ts files
def _read_header(path: Path) -> dict[str, str]:
    """``@key value`` lines before ``@data``, keys lower-cased; ValueError when malformed."""
    header: dict[str, str] = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not line.startswith("@"):
                raise ValueError(f"{path}: line {number} is data before the @data tag; "
                                 "the header is missing or malformed.")
            key, _, value = line[1:].partition(" ")
            if key.lower() == "data":
                if value.strip():
                    raise ValueError(f"{path}: line {number}: @data takes no value.")
                return header
            header[key.lower()] = value.strip()
    raise ValueError(f"{path}: no @data line; not a .ts file or its header is incomplete.")


def _declared_dimensions(header: dict[str, str]) -> int | None:
    if header.get("univariate", "").lower() == "true":
        return 1
    return int(header["dimensions"]) if header.get("dimensions", "").isdigit() else None


def _diagnose_data(path: Path, header: dict[str, str]) -> str | None:
    """Say which data line breaks the declared format, to make sktime's errors precise."""
    dims = _declared_dimensions(header)
    in_data = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not in_data:
                in_data = line.lower().startswith("@data")
                continue
            if not line or line.startswith("#"):
                continue
            fields = line.split(":")
            values = fields[:-1]  # the last field is the label
            if dims is not None and len(values) != dims:
                return f"line {number} has {len(values)} dimension(s) but the header declares {dims}"
            for d, field in enumerate(values):
                for v in field.split(","):
                    v = v.strip()
                    if v in ("?", ""):
                        continue
                    try:
                        float(v)
                    except ValueError:
                        return f"line {number}, dimension {d}: {v!r} is not a number"
    return None


def load_ts(path: str | os.PathLike, y_dtype: str = "str") -> tuple[np.ndarray, np.ndarray]:
    """Load one ``.ts`` file (sktime/UEA format, with class labels) into ``(X, y)``.

    Parameters
    ----------
    path : str or path-like
        A file in sktime's ``.ts`` format, e.g. ``"NATOPS/NATOPS_TRAIN.ts"``.
    y_dtype : {"str", "int", "float"}, default="str"
        Type of the labels; "str" keeps them exactly as written in the file.

    Returns
    -------
    X : ndarray of shape (n, C, T), float32
        NaN-padded at the end when the series have unequal length; missing
        values (``?``) are NaN (see the module notes).
    y : ndarray of shape (n,)

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When the file is malformed (bad header, wrong number of dimensions,
        a non-numeric value...); the
        message names the file and, where it can, the line.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No .ts file at {path}.")
    if y_dtype not in _Y_DTYPES:
        raise ValueError(f"y_dtype must be one of {_Y_DTYPES}, got {y_dtype!r}.")
    header = _read_header(path)
    labels = header.get("classlabel", "").split()
    if not labels or labels[0].lower() != "true":
        raise ValueError(f"{path}: the header does not declare class labels (@classLabel true ...); "
                         "load_ts reads classification files only.")
    try:
        from sktime.datasets import load_from_tsfile
    except ImportError as exc:  # pragma: no cover - sktime is a dependency
        raise ImportError("Reading .ts files needs sktime: pip install sktime") from exc
    try:
        X_df, y_raw = load_from_tsfile(str(path), return_data_type="nested_univ", y_dtype="str")
    except Exception as exc:  # sktime raises several types; say which file broke and where
        where = _diagnose_data(path, header)
        raise ValueError(f"Could not read {path}: {where or exc}") from exc
    # Labels are not checked against @classLabel: archive files disagree with
    # their own headers in case (BasicMotions declares "Standing", uses "standing").
    declared = _declared_dimensions(header)
    if declared is not None and X_df.shape[1] != declared:
        # sktime accepts extra dimensions on every line silently.
        where = _diagnose_data(path, header) or f"cases have {X_df.shape[1]} dimensions"
        raise ValueError(f"Could not read {path}: {where}")
    try:
        y = np.asarray(y_raw).astype({"str": str, "int": np.int64, "float": np.float64}[y_dtype])
    except ValueError as exc:
        raise ValueError(f"{path}: labels cannot be read as {y_dtype} ({exc}); use y_dtype='str'.") from exc
    return _to_array(X_df, path), y


def _to_array(X_df, path: Path) -> np.ndarray:
    """Nested DataFrame (one pd.Series per cell) -> NaN-padded float32 (n, C, T)."""
    cells = X_df.to_numpy()
    n, c = cells.shape
    lengths = np.vectorize(len, otypes=[np.int64])(cells) if cells.size else np.zeros((n, c), np.int64)
    uneven = (lengths != lengths[:, :1]).any(axis=1)
    if uneven.any():
        i = int(np.argmax(uneven))
        raise ValueError(f"{path}: case {i} has channels of different lengths {sorted(set(lengths[i]))}.")
    X = np.full((n, c, int(lengths.max(initial=0))), np.nan, dtype=np.float32)
    for i in range(n):
        for j in range(c):
            values = cells[i, j].to_numpy(dtype=np.float32, na_value=np.nan)
            X[i, j, : values.shape[0]] = values
    return X


# ------------------------------------------------------------ by name
def uea_search_path(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Directories searched for ``<Name>/<Name>_TRAIN.ts``, in order."""
    dirs = []
    if data_dir is not None:
        dirs.append(Path(data_dir))
    if os.environ.get(DATA_ENV):
        dirs.append(Path(os.environ[DATA_ENV]))
    dirs += [user_cache_dir(), BUNDLED_DIR]
    return dirs


def _has_both(folder: Path, name: str) -> bool:
    return (folder / f"{name}_TRAIN.ts").is_file() and (folder / f"{name}_TEST.ts").is_file()


def find_uea(name: str, data_dir: str | os.PathLike | None = None) -> Path | None:
    """The folder holding dataset ``name``, or ``None`` when no searched place has it.

    Names match without regard to case (``basicmotions`` finds ``BasicMotions``);
    the folder's name is the dataset's spelling on disk.
    """
    check_name(name)
    spelled = canonical_name(name)
    for d in uea_search_path(data_dir):
        if _has_both(d / spelled, spelled):
            return d / spelled
        if d.is_dir():  # a dataset outside the catalogue, spelled otherwise on disk
            for folder in d.iterdir():
                if folder.name.lower() == name.lower() and _has_both(folder, folder.name):
                    return folder
    return None


def local_names(data_dir: str | os.PathLike | None = None) -> list[str]:
    """Names of the datasets found as ``<Name>/<Name>_{TRAIN,TEST}.ts`` on the search path."""
    names = set()
    for d in uea_search_path(data_dir):
        if d.is_dir():
            names.update(p.name for p in d.iterdir() if p.is_dir() and _has_both(p, p.name))
    return sorted(names, key=str.lower)


def closest_names(name: str, data_dir: str | os.PathLike | None = None) -> list[str]:
    """Known dataset names (the archive's and local ones) closest to ``name``, best first."""
    known = {n.lower(): n for n in [d.name for d in archive_2018()] + local_names(data_dir)}
    return [known[m] for m in difflib.get_close_matches(name.lower(), list(known), n=3, cutoff=0.6)]


def not_found_hint(name: str, data_dir: str | os.PathLike | None = None) -> str:
    """`` Did you mean 'X'?`` for a name close to known ones, else an empty string."""
    close = closest_names(name, data_dir)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def load_uea(name: str, split: str = "train", data_dir: str | os.PathLike | None = None,
             y_dtype: str = "str", download: bool = False, base_url: str | None = None,
             timeout: float = DEFAULT_TIMEOUT) -> tuple[np.ndarray, np.ndarray]:
    """Load a UEA archive dataset by name.

    Looks in ``data_dir``, then ``$MLSTM_FCN_DATA``, then the user cache
    (:func:`user_cache_dir`), then the bundled ``datasets/`` folder, for
    ``<Name>/<Name>_TRAIN.ts`` and ``<Name>/<Name>_TEST.ts``.

    Parameters
    ----------
    name : str
        Dataset name as in the archive, e.g. ``"NATOPS"`` (names of the 2018
        archive match case-insensitively).
    split : {"train", "test"}, default="train"
        The archive's default train/test split.
    data_dir : path-like, optional
        An archive directory laid out as ``<Name>/<Name>_{TRAIN,TEST}.ts``.
    y_dtype : {"str", "int", "float"}, default="str"
        Type of the labels; "str" keeps them as written in the file.
    download : bool, default=False
        When the dataset is found nowhere, download ``<Name>.zip`` into the
        user cache (verified, unpacked atomically) and load it from there.
    base_url : str, optional
        Where ``<Name>.zip`` is served; default ``$MLSTM_FCN_UEA_URL``, else
        https://www.timeseriesclassification.com/aeon-toolkit/.
    timeout : float, default=60
        Seconds any single network operation may block.

    Returns
    -------
    X : ndarray of shape (n, C, T), float32
        NaN-padded at the end for unequal-length datasets.
    y : ndarray of shape (n,)

    Raises
    ------
    FileNotFoundError
        The dataset is in none of the places searched (and ``download`` is
        False); the message lists them and says how to get the data.
    DownloadError
        ``download=True`` and the download failed or did not verify.

    Examples
    --------
    >>> from mlstm_fcn.datasets import load_uea
    >>> X, y = load_uea("JapaneseVowels", split="train")
    >>> X.shape
    (270, 12, 26)
    """
    split = split.lower() if isinstance(split, str) else split
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    name = canonical_name(check_name(name))
    folder = find_uea(name, data_dir)
    if folder is None and download:
        folder = download_uea(name, user_cache_dir(), base_url=base_url, timeout=timeout)
    if folder is None:
        places = "\n  ".join(str(d) for d in uea_search_path(data_dir))
        raise FileNotFoundError(
            f"UEA dataset {name!r} not found.{not_found_hint(name, data_dir)} "
            f"Looked for {name}/{name}_TRAIN.ts and {name}/{name}_TEST.ts "
            f"in:\n  {places}\n"
            f"To get it: pass download=True (fetches {name}.zip into {user_cache_dir()}); or, offline, "
            f"unzip {name}.zip from the archive (www.timeseriesclassification.com) into a folder and pass "
            f"data_dir= or set ${DATA_ENV} to it.")
    return load_ts(folder / f"{folder.name}_{split.upper()}.ts", y_dtype=y_dtype)


def list_uea(data_dir: str | os.PathLike | None = None, as_frame: bool = False):
    """The 30 datasets of the UEA multivariate archive (2018) and which are available locally.

    Facts (channels, length, classes, train/test cases) are those of the
    archive paper, Bagnall et al. 2018, arXiv:1811.00075.

    Parameters
    ----------
    data_dir : path-like, optional
        Extra archive directory searched first, as in :func:`load_uea`.
    as_frame : bool, default=False
        Return a pandas DataFrame (one row per dataset, columns as the
        record's fields plus ``available``) instead of a list.

    Returns
    -------
    datasets : list of UEADataset or pandas.DataFrame
        In alphabetical order. ``length`` is an int or ``"unequal"``;
        ``path`` is where the dataset was found, ``None`` if nowhere.

    Examples
    --------
    >>> from mlstm_fcn.datasets import list_uea
    >>> "BasicMotions" in [d.name for d in list_uea() if d.available]
    True
    """
    records = [with_path(r, find_uea(r.name, data_dir)) for r in archive_2018()]
    if not as_frame:
        return records
    import pandas as pd  # pandas comes with sktime; only needed for this view

    rows = [{**asdict(r), "available": r.available} for r in records]
    return pd.DataFrame(rows)
