"""Writing series as one ``.ts`` file (the sktime/UEA text format) that :func:`load_ts` reads back as written."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._data.padding import pad_series, series_lengths
from ..io.atomic import atomic_write

__all__ = ["write_ts"]

#: Characters that end a value or a label in a data line, or split the header's label list.
_SEPARATORS = (":", ",", " ", "\t", "\n", "\r", "@", "#")


def _as_padded(X) -> np.ndarray:
    """``X`` as a float array ``(n, C, T)``, NaN-padded at the end (a list of ``(C, T_i)`` is padded here)."""
    if isinstance(X, (list, tuple)):
        series = [np.atleast_2d(np.asarray(a, dtype=np.float64)) for a in X]
        if len({a.shape[0] for a in series}) > 1:
            raise ValueError("Every series in X must have the same number of channels.")
        X = pad_series(series, dtype=np.float64) if series else np.empty((0, 1, 0))
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must hold real numbers, got dtype {X.dtype}.")
    if X.dtype.kind == "f" and X.dtype not in (np.float32, np.float64):
        # Written in its own precision, a float16 0.1 would read back as float32's 0.1, another number.
        X = X.astype(np.float32 if X.dtype.itemsize < 4 else np.float64)
    if X.ndim == 2:  # (n, T): univariate
        X = X[:, None, :]
    if X.ndim != 3 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty array of shape (n, channels, time), got shape {X.shape}.")
    if np.isinf(X).any():
        raise ValueError("X holds infinite values, which a .ts file cannot hold.")
    with np.errstate(over="ignore"):
        beyond = np.isinf(X.astype(np.float32))
    if beyond.any():
        where = tuple(int(i) for i in np.argwhere(beyond)[0])
        at = ", ".join(map(str, where))
        raise ValueError(f"X holds values beyond float32's range (X[{at}] = {float(X[where])!r}); load_ts reads "
                         "float32, where they would be infinite. Rescale X.")
    return X


def _value(v) -> str:
    # The shortest text that reads back as the same number in X's own precision (0.1 in float32
    # is written "0.1", not "0.10000000149011612"); NaN inside a series is the format's "?".
    return "?" if np.isnan(v) else np.format_float_positional(v, unique=True, trim="-")


def _label_text(label) -> str:
    value = label.item() if isinstance(label, np.generic) else label
    if isinstance(value, (bytes, bytearray)):
        raise ValueError(f"Label {value!r} is bytes, which a .ts file holds as text only (it would read back as "
                         f"{str(value)!r}); decode the labels first, e.g. y.astype(str).")
    text = str(value)
    # The reader strips white space around a label (any: no-break space, line separators ...), so
    # none may be in one; the separators end it.
    if not text or any(c in _SEPARATORS or c.isspace() for c in text):
        raise ValueError(f"Label {text!r} cannot be written to a .ts file: labels must be non-empty and hold no "
                         f"white space and none of {' '.join(repr(c) for c in _SEPARATORS if not c.isspace())}.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"Label {text!r} cannot be written to a .ts file: it is not valid Unicode text.") from None
    return text


def _class_labels(y: np.ndarray) -> list[str]:
    """The labels as written; refused when two of them would read back as one (the reader lower-cases)."""
    labels = [_label_text(v) for v in y]
    read_as: dict[str, str] = {}
    for text in dict.fromkeys(labels):
        other = read_as.setdefault(text.lower(), text)
        if other != text:
            raise ValueError(f"Labels {other!r} and {text!r} differ only in case; load_ts reads labels lower-cased "
                             "(as sktime does), so they would read back as one class. Rename one of them.")
    return labels


def _header_text(value: str, what: str) -> str:
    if not value.isprintable() or value != value.strip():
        raise ValueError(f"{what} {value!r} cannot be written to a .ts header: it must be one line of printable "
                         "text, without white space at its ends.")
    return value


def write_ts(path: str | os.PathLike, X, y: Sequence | np.ndarray | None = None, *,
             problem_name: str | None = None, regression: bool | None = None) -> Path:
    """Write series (and labels or regression targets) as a ``.ts`` file.

    The file round-trips: :func:`~mlstm_fcn.datasets.load_ts` returns the
    same ``X`` (as float32, NaN-padded where the series differ in length) and
    the same ``y`` (class labels as text, lower-cased, as the reader gives
    every ``.ts`` file's labels; ``y_dtype="int"`` reads integer labels).
    What would not read back so is refused rather than written: labels that
    differ only in case, or hold white space or a separator, bytes, values
    beyond float32's range, a series of NaN only.

    Parameters
    ----------
    path : str or path-like
        The file to write (replaced atomically if it exists).
    X : array-like of shape (n, C, T) or (n, T), or list of (C, T_i) arrays
        The series. Trailing NaN (in every channel at once) is padding: each
        series is written up to its own length. A NaN inside a series is a
        missing value, written ``?``.
    y : array-like of shape (n,), optional
        Class labels (written with ``@classLabel true <labels>``), or
        regression targets (``@targetLabel true``); none gives
        ``@classLabel false``.
    problem_name : str, optional
        The ``@problemName``; default: the file name without ``_TRAIN``,
        ``_TEST`` and the suffix.
    regression : bool, optional
        Whether ``y`` holds regression targets; default: when ``y`` is of a
        floating-point dtype.

    Returns
    -------
    path : Path
        The file written.

    Raises
    ------
    ValueError
        ``X`` is not a non-empty real array of series, holds infinite values
        or values beyond float32's range, or a series of NaN only; ``y`` has a
        length other than ``n``; a label is empty, bytes, holds white space
        (of any kind) or a character the format uses as a separator (``:``,
        ``,``, ``@``, ``#``), or differs from another only in case;
        ``regression=True`` with targets that are not numbers; a
        ``problem_name`` that is not one line of printable text.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from mlstm_fcn.datasets import load_ts, write_ts
    >>> X = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    >>> path = write_ts(tempfile.mkdtemp() + "/Toy_TRAIN.ts", X, ["up", "down"])
    >>> X_read, y_read = load_ts(path)
    >>> bool((X_read == X).all()), y_read.tolist()
    (True, ['up', 'down'])
    """
    path = Path(path)
    X = _as_padded(X)
    n, channels, _ = X.shape
    lengths = series_lengths(X)
    equal = bool((lengths == lengths[0]).all())
    if problem_name is None:
        problem_name = path.stem.removesuffix("_TRAIN").removesuffix("_TEST") or "series"
    problem_name = _header_text(problem_name, "problem_name")
    empty = np.flatnonzero(lengths == 0)
    if empty.size:
        raise ValueError(f"Series {int(empty[0])} of X is all NaN: a .ts file cannot hold a series without "
                         "values (trailing NaN is padding); drop it or give it values.")
    missing = any(np.isnan(X[i, :, : lengths[i]]).any() for i in range(n))
    header = [f"@problemName {problem_name}", "@timeStamps false", f"@missing {str(missing).lower()}",
              f"@univariate {str(channels == 1).lower()}", f"@dimensions {channels}",
              f"@equalLength {str(equal).lower()}"]
    if equal:
        header.append(f"@seriesLength {int(lengths[0])}")
    labels: list[str] = []
    if y is not None:
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != n:
            raise ValueError(f"y must be one label or target per series: shape ({n},), got {y.shape}.")
        if regression is None:
            regression = y.dtype.kind == "f"
        if regression:
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"regression=True needs numeric targets, and y (dtype {y.dtype}) holds values that "
                                 "are not numbers; for class labels, leave regression unset or False.") from None
            if not np.isfinite(y).all():
                raise ValueError("y holds NaN or infinite targets, which a .ts file cannot hold.")
            labels = [repr(float(v)) for v in y]
            header.append("@targetLabel true")
        else:
            labels = _class_labels(y)
            header.append("@classLabel true " + " ".join(dict.fromkeys(sorted(set(labels)))))
    else:
        header.append("@classLabel false")
    lines = header + ["@data"]
    for i in range(n):
        fields = [",".join(_value(v) for v in X[i, c, : lengths[i]]) for c in range(channels)]
        lines.append(":".join(fields + labels[i:i + 1]))
    text = "\n".join(lines) + "\n"
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))
    return path
