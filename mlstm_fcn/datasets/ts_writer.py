"""Writing series as one ``.ts`` file (the sktime/UEA text format) that :func:`load_ts` reads back as written."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._padding import pad_series, series_lengths
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
    if X.ndim == 2:  # (n, T): univariate
        X = X[:, None, :]
    if X.ndim != 3 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty array of shape (n, channels, time), got shape {X.shape}.")
    if np.isinf(X).any():
        raise ValueError("X holds infinite values, which a .ts file cannot hold.")
    return X


def _value(v) -> str:
    # The shortest text that reads back as the same number in X's own precision (0.1 in float32
    # is written "0.1", not "0.10000000149011612"); NaN inside a series is the format's "?".
    return "?" if np.isnan(v) else np.format_float_positional(v, unique=True, trim="-")


def _label_text(label) -> str:
    text = str(label.item() if isinstance(label, np.generic) else label)
    if not text or any(c in text for c in _SEPARATORS):
        raise ValueError(f"Label {text!r} cannot be written to a .ts file: labels must be non-empty and hold "
                         f"none of {' '.join(repr(c) for c in _SEPARATORS)}.")
    return text


def write_ts(path: str | os.PathLike, X, y: Sequence | np.ndarray | None = None, *,
             problem_name: str | None = None, regression: bool | None = None) -> Path:
    """Write series (and labels or regression targets) as a ``.ts`` file.

    The file round-trips: :func:`~mlstm_fcn.datasets.load_ts` returns the
    same ``X`` (as float32, NaN-padded where the series differ in length) and
    the same ``y`` (class labels as text, lower-cased, as the reader gives
    every ``.ts`` file's labels; ``y_dtype="int"`` reads integer labels).

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
        ``X`` is not a non-empty real array of series, holds infinite values,
        ``y`` has a length other than ``n``, or a label holds a character the
        format uses as a separator (``:``, ``,``, white space...).

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
            y = y.astype(np.float64)
            if not np.isfinite(y).all():
                raise ValueError("y holds NaN or infinite targets, which a .ts file cannot hold.")
            labels = [repr(float(v)) for v in y]
            header.append("@targetLabel true")
        else:
            labels = [_label_text(v) for v in y]
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
