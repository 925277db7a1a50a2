"""Reading series saved with numpy: ``.npy`` (the series alone) and ``.npz`` (series ``X``, labels ``y``).

What such a file must hold is said once, in :data:`NPY_CONTENT` and
:data:`NPZ_CONTENT`, for the error messages and the command line's help.
"""

from __future__ import annotations

import math
import os
import tokenize
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["load_arrays", "load_labels"]  # NPY_CONTENT and NPZ_CONTENT are the messages' wording

#: What a ``.npy`` file of series holds.
NPY_CONTENT = "one array X of shape (n, channels, time) (or (n, time) for univariate series)"
#: What a ``.npz`` file of series holds.
NPZ_CONTENT = ("an array 'X' of shape (n, channels, time) (or (n, time)) and, optionally, 'y' of shape (n,) "
               "(class labels or regression targets)")


#: How numpy's two formats begin (a ``.npz`` is a zip archive; an empty one begins with its end record).
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
#: What numpy and zipfile raise on a malformed file: its header is parsed as Python literals
#: (tokenize, ast), and its sizes and members are taken from the file.
_MALFORMED = (ValueError, OSError, EOFError, zipfile.BadZipFile, tokenize.TokenError, SyntaxError, TypeError,
              OverflowError, KeyError)


def _read(path: Path, what: str, mmap_mode: str | None = None):
    """``np.load`` without pickles, its errors said in terms of what the file should hold."""
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not a {path.suffix or 'data'} file; it must hold {what}.")
    if not path.is_file():
        raise FileNotFoundError(f"No such file: {path}.")
    with open(path, "rb") as f:
        start = f.read(len(_NPY_MAGIC))
    if not (start.startswith(_NPY_MAGIC) or start[:4] in _ZIP_MAGICS):
        # numpy would take it for a pickle and advise loading it "unsafely": it is simply not numpy's format.
        kind = "a text file" if start and _looks_like_text(path) else "not a file numpy writes"
        raise ValueError(f"{path} is not a readable {path.suffix} file of numbers ({kind}: neither np.save's "
                         f"nor np.savez's format); it must hold {what}.")
    _check_claims(path, archive=start[:4] in _ZIP_MAGICS)
    try:
        return np.load(path, allow_pickle=False, mmap_mode=mmap_mode)
    except _MALFORMED as exc:
        raise ValueError(f"{path} is not a readable {path.suffix} file of numbers ({_reason(exc)}); it must hold "
                         f"{what}.") from None


def _reason(exc: Exception) -> str:
    # Object arrays need pickles, refused because loading them could run code: numpy's own text would
    # advise allow_pickle, which is not advice to relay.
    objects = "pickle" in str(exc) or "Python objects" in str(exc)
    return "it holds Python objects, which are never loaded: they could run code" if objects else str(exc)


def _looks_like_text(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(4096)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def _claimed_bytes(member) -> tuple[int, int] | None:
    """``(header bytes, array bytes its header claims)`` of a ``.npy`` stream; None: numpy says what is wrong."""
    try:
        version = np.lib.format.read_magic(member)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}.get(version)
        if read_header is None:
            return None
        shape, _, dtype = read_header(member)
    except _MALFORMED:
        return None
    if dtype.hasobject:
        return None
    return member.tell(), math.prod(shape) * dtype.itemsize


def _claim_problem(stream, size: int, path: Path, name: str) -> str | None:
    """What is wrong with a ``.npy`` stream of ``size`` bytes whose header claims more (None: nothing)."""
    claim = _claimed_bytes(stream)
    if claim is None or claim[1] <= size - claim[0]:
        return None
    return (f"{path}: the header of {name!r} claims an array of {claim[1]} bytes, but it holds "
            f"{max(size - claim[0], 0)}; the file is damaged or not what it says.")


def _check_claims(path: Path, archive: bool) -> None:
    """Refuse a ``.npy`` file, or ``.npz`` member, whose header claims more bytes than it holds, before numpy
    allocates the claim (numpy allocates first, then finds the end of the file)."""
    problem = None
    try:
        if not archive:
            with open(path, "rb") as f:
                problem = _claim_problem(f, path.stat().st_size, path, path.name)
        else:
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    if problem is None and info.filename.endswith(".npy"):
                        with zf.open(info) as member:
                            problem = _claim_problem(member, info.file_size, path, info.filename)
    except _MALFORMED:
        return  # np.load says what is wrong with the file
    if problem is not None:
        raise ValueError(problem)


def _check_X(X: np.ndarray, path: Path, what: str) -> np.ndarray:
    if X.ndim not in (2, 3) or X.shape[0] == 0 or X.dtype.kind not in "biuf":
        raise ValueError(f"{path} holds an array of shape {X.shape} and dtype {X.dtype}; it must hold {what}.")
    return X


def _check_y(y: np.ndarray, n: int, path: Path, what: str) -> np.ndarray:
    if y.ndim != 1 or len(y) != n:
        raise ValueError(f"{path}: labels of shape {y.shape} for {n} series; it must hold {what}.")
    return y


def load_labels(path: str | os.PathLike, n: int) -> np.ndarray:
    """The labels (or regression targets) of ``n`` series saved as a ``.npy`` file of shape ``(n,)``.

    Parameters
    ----------
    path : str or path-like
        A ``.npy`` file.
    n : int
        The number of series the labels are for.

    Returns
    -------
    y : ndarray of shape (n,)

    Raises
    ------
    ValueError
        The file is not a ``.npy`` array of ``n`` labels.
    """
    path = Path(path)
    what = f"one label or target per series, an array of shape ({n},)"
    y = _read(path, what)
    if isinstance(y, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} is a .npz archive; labels are a .npy file holding {what}.")
    return _check_y(y, n, path, what)


def load_arrays(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray | None]:
    """Series (and labels) saved with numpy: ``(X, y)``.

    Parameters
    ----------
    path : str or path-like
        A ``.npy`` file holding the series ``X`` alone, of shape
        ``(n, channels, time)`` or ``(n, time)`` (opened memory-mapped), or a
        ``.npz`` file holding ``X`` and, optionally, the labels ``y`` of
        shape ``(n,)``, as ``np.savez(path, X=X, y=y)`` writes it.

    Returns
    -------
    X : ndarray of shape (n, C, T) or (n, T)
        As saved (a read-only ``numpy.memmap`` for a ``.npy`` file): the
        estimators check and convert it (a NaN-padded array holds series of
        unequal length).
    y : ndarray of shape (n,) or None
        ``None`` for a ``.npy`` file, or a ``.npz`` file without ``y``.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ValueError
        The file is not of the suffix's format or does not hold what it
        must; the message says what that is.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        # Memory-mapped: the estimators read a memmap block by block, so X need not fit in memory.
        X = _read(path, NPY_CONTENT, mmap_mode="r")
        if isinstance(X, np.lib.npyio.NpzFile):
            raise ValueError(f"{path} is a .npz archive under a .npy name; a .npy file must hold {NPY_CONTENT}.")
        return _check_X(X, path, NPY_CONTENT), None
    if suffix != ".npz":
        raise ValueError(f"{path}: expected a .npy or .npz file, got {suffix or 'no suffix'}.")
    archive = _read(path, NPZ_CONTENT)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{path} is a single .npy array under a .npz name; a .npz file must hold {NPZ_CONTENT}.")
    with archive:
        names = sorted(archive.files)
        if "X" not in names or set(names) - {"X", "y"}:
            raise ValueError(f"{path} holds {', '.join(map(repr, names)) or 'nothing'}; a .npz file must hold "
                             f"{NPZ_CONTENT}, and nothing else.")
        try:
            X = archive["X"]
            y = archive["y"] if "y" in names else None
        except _MALFORMED as exc:  # an object array inside the archive, or a member that is not numpy's format
            raise ValueError(f"{path}: {_reason(exc)}; a .npz file must hold {NPZ_CONTENT}, as numbers or "
                             "strings.") from None
    for name, array in (("X", X), ("y", y)):
        if array is not None and not isinstance(array, np.ndarray):  # numpy hands over such a member's bytes
            raise ValueError(f"{path}: its member {name!r} is not a .npy array; a .npz file must hold {NPZ_CONTENT}.")
    X = _check_X(X, path, NPZ_CONTENT)
    return X, None if y is None else _check_y(y, X.shape[0], path, NPZ_CONTENT)
