"""Where UEA datasets live on this machine, and finding and loading them by name.

Places searched, in order (:func:`uea_search_path`): ``data_dir=``, then
``$MLSTM_FCN_DATA`` (:data:`DATA_ENV`), then the user cache
(:func:`user_cache_dir`), then the repository's bundled ``datasets/``
(:data:`BUNDLED_DIR`), then the datasets that the installed sktime ships
(:func:`sktime_data_dir`: BasicMotions, JapaneseVowels, and the regression
sets Tecator and Covid3Month among them), each laid out as
``<Name>/<Name>_TRAIN.ts`` and ``<Name>/<Name>_TEST.ts``. A dataset found
nowhere can be downloaded into the user cache
(:func:`mlstm_fcn.datasets.download_uea`).
"""

from __future__ import annotations

import difflib
import importlib.util
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .catalogue import UEADataset, archive_2018, canonical_name, with_path
from .download import DEFAULT_DEADLINE, DEFAULT_TIMEOUT, check_name, download_uea, has_both_splits, is_dataset_name
from .ts_file import load_ts

if TYPE_CHECKING:  # pandas is imported only by list_uea(as_frame=True)
    import pandas as pd

# closest_names, not_found_hint and sktime_data_dir serve this package's messages and search path,
# not users: they are left out.
__all__ = [
    "DATA_ENV", "BUNDLED_DIR", "find_uea", "list_uea", "load_uea", "local_names", "split_file",
    "uea_search_path", "user_cache_dir",
]

#: Environment variable naming a UEA archive directory.
DATA_ENV = "MLSTM_FCN_DATA"
#: The small datasets shipped in the repository's top-level ``datasets/`` folder
#: (this file is ``<repo>/mlstm_fcn/datasets/archive.py``).
BUNDLED_DIR = Path(__file__).resolve().parents[2] / "datasets"


def user_cache_dir() -> Path:
    """Per-user cache of downloaded datasets, following the platform's convention.

    Returns
    -------
    folder : Path
        ``%LOCALAPPDATA%\\mlstm-fcn\\uea`` on Windows, ``~/Library/Caches/mlstm-fcn/uea``
        on macOS, ``$XDG_CACHE_HOME/mlstm-fcn/uea`` (default ``~/.cache/...``)
        elsewhere. It need not exist yet.
    """
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif os.uname().sysname == "Darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mlstm-fcn" / "uea"


def sktime_data_dir() -> Path | None:
    """The folder of datasets inside the installed sktime package, or None without sktime.

    Found without importing sktime (which takes seconds).
    """
    try:
        spec = importlib.util.find_spec("sktime")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data"
    return folder if folder.is_dir() else None


def uea_search_path(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Directories searched for ``<Name>/<Name>_TRAIN.ts``, in order.

    Parameters
    ----------
    data_dir : path-like, optional
        An archive directory searched first.

    Returns
    -------
    dirs : list of Path
        ``data_dir`` (when given), ``$MLSTM_FCN_DATA`` (when set), the user
        cache, the bundled folder, sktime's datasets (when sktime is
        installed); they need not exist.
    """
    dirs = []
    if data_dir is not None:
        dirs.append(Path(data_dir))
    if os.environ.get(DATA_ENV):
        dirs.append(Path(os.environ[DATA_ENV]))
    dirs += [user_cache_dir(), BUNDLED_DIR]
    sktime_dir = sktime_data_dir()
    if sktime_dir is not None:
        dirs.append(sktime_dir)
    return dirs


def split_file(folder: str | os.PathLike, split: str) -> Path:
    """The file of one split in a dataset folder: ``<folder>/<Name>_TRAIN.ts`` or ``<Name>_TEST.ts``.

    Parameters
    ----------
    folder : path-like
        A dataset folder (``<Name>``, as :func:`find_uea` returns); ``<Name>``
        is its own name.
    split : {"train", "test"}

    Returns
    -------
    path : Path
        Where that split's file is (it need not exist).
    """
    folder = Path(folder)
    return folder / f"{folder.resolve().name}_{split.upper()}.ts"


def find_uea(name: str, data_dir: str | os.PathLike | None = None) -> Path | None:
    """The folder holding dataset ``name``, or ``None`` when no searched place has it.

    Parameters
    ----------
    name : str
        Dataset name; it matches without regard to case (``basicmotions``
        finds ``BasicMotions``).
    data_dir : path-like, optional
        An archive directory searched first (see :func:`uea_search_path`).

    Returns
    -------
    folder : Path or None
        The first folder on the search path holding both split files; its
        name is the dataset's spelling on disk.

    Raises
    ------
    ValueError
        When ``name`` is not a dataset name (e.g. holds a path separator).
    """
    check_name(name)
    spelled = canonical_name(name)
    for d in uea_search_path(data_dir):
        if has_both_splits(d / spelled, spelled):
            return d / spelled
        if d.is_dir():  # a dataset outside the catalogue, spelled otherwise on disk
            for folder in d.iterdir():
                if folder.name.lower() == name.lower() and has_both_splits(folder, folder.name):
                    return folder
    return None


def local_names(data_dir: str | os.PathLike | None = None) -> list[str]:
    """Names of the datasets found as ``<Name>/<Name>_{TRAIN,TEST}.ts`` on the search path.

    Parameters
    ----------
    data_dir : path-like, optional
        An archive directory searched first (see :func:`uea_search_path`).

    Returns
    -------
    names : list of str
        Spelled as on disk, sorted without regard to case, each once. A
        folder whose name is not a dataset name (``"My Set"``: see
        the dataset-name check of ``download_uea``) is not listed: it
        cannot be loaded by name (give its path instead).
    """
    names = set()
    for d in uea_search_path(data_dir):
        if d.is_dir():
            names.update(p.name for p in d.iterdir()
                         if is_dataset_name(p.name) and p.is_dir() and has_both_splits(p, p.name))
    return sorted(names, key=str.lower)


def closest_names(name: str, data_dir: str | os.PathLike | None = None) -> list[str]:
    """Known dataset names (the archive's and local ones) closest to ``name``, best first.

    Parameters
    ----------
    name : str
        A name that was not found.
    data_dir : path-like, optional
        An archive directory whose datasets count as known too.

    Returns
    -------
    names : list of str
        At most three, compared without regard to case; empty when none is close.
    """
    known = {n.lower(): n for n in [d.name for d in archive_2018()] + local_names(data_dir)}
    return [known[m] for m in difflib.get_close_matches(name.lower(), list(known), n=3, cutoff=0.6)]


def not_found_hint(name: str, data_dir: str | os.PathLike | None = None) -> str:
    """The hint to append to a "not found" message.

    Parameters
    ----------
    name, data_dir
        As in :func:`closest_names`.

    Returns
    -------
    hint : str
        `` Did you mean 'X'?`` (with a leading space) for a name close to
        known ones (:func:`closest_names`), else an empty string. A known
        name that is only missing locally suggests nothing (it is not a typo).
    """
    close = [c for c in closest_names(name, data_dir) if c.lower() != name.lower()]
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def load_uea(name: str, split: str = "train", data_dir: str | os.PathLike | None = None,
             y_dtype: str = "str", download: bool = False, base_url: str | None = None,
             timeout: float = DEFAULT_TIMEOUT,
             deadline: float = DEFAULT_DEADLINE) -> tuple[np.ndarray, np.ndarray]:
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
        Type of the labels; "str" keeps them as written in the file, lower-cased (see :func:`load_ts`).
    download : bool, default=False
        When the dataset is found nowhere, download ``<Name>.zip`` into the
        user cache (verified, unpacked atomically) and load it from there.
    base_url : str, optional
        Where ``<Name>.zip`` is served; default ``$MLSTM_FCN_UEA_URL``, else
        https://www.timeseriesclassification.com/aeon-toolkit/.
    timeout : float, default=60
        Seconds any single network operation may block.
    deadline : float, default=1800
        Seconds the whole download may take.

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
        folder = download_uea(name, user_cache_dir(), base_url=base_url, timeout=timeout, deadline=deadline)
    if folder is None:
        places = "\n  ".join(str(d) for d in uea_search_path(data_dir))
        raise FileNotFoundError(
            f"UEA dataset {name!r} not found.{not_found_hint(name, data_dir)} "
            f"Looked for {name}/{name}_TRAIN.ts and {name}/{name}_TEST.ts "
            f"in:\n  {places}\n"
            f"To get it: pass download=True (fetches {name}.zip into {user_cache_dir()}); or, offline, "
            f"unzip {name}.zip from the archive (www.timeseriesclassification.com) into a folder and pass "
            f"data_dir= or set ${DATA_ENV} to it.")
    return load_ts(split_file(folder, split), y_dtype=y_dtype)


def list_uea(data_dir: str | os.PathLike | None = None,
             as_frame: bool = False) -> list[UEADataset] | pd.DataFrame:
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
    try:
        import pandas as pd  # only this view needs pandas (it comes with the sktime extra)
    except ImportError as exc:
        raise ImportError("list_uea(as_frame=True) needs pandas: pip install pandas, or 'mlstm-fcn[sktime]', "
                          "or use the list that as_frame=False returns.") from exc

    rows = [{**asdict(r), "available": r.available} for r in records]
    return pd.DataFrame(rows)
