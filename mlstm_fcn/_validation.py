"""Turning what users pass as X into one padded float32 array plus lengths.

Accepted: a numpy array or torch tensor of shape ``(n, C, T)``, or ``(n, T)``
taken as univariate; a list of ``(C, T_i)`` (or ``(T_i,)``) arrays of unequal
length; a 3D array NaN-padded at the end of the time axis. Padding is always
replaced by zeros and described by ``lengths`` (``None`` when every series
has the full length), the convention the network's masking relies on.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_array


def _as_numpy(X, name: str = "X"):
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard dependency
        torch = None
    if torch is not None and isinstance(X, torch.Tensor):
        X = X.detach().cpu()
        if X.is_complex():
            raise ValueError(f"Complex data not supported: {name} is a complex tensor; only real values are.")
        return X.to(torch.float32).numpy()
    return X


def _first_non_numeric(a: np.ndarray) -> str:
    """Where the first value that is not a real number sits in an object array, for messages."""
    for index, v in np.ndenumerate(a):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            return f"{v!r} at index {index}"
    return "a value that does not convert to float"


def _to_float32(X, name: str) -> np.ndarray:
    """``check_array`` to float32, with messages that name the input and the offending value."""
    if isinstance(X, np.ndarray) and X.dtype.kind in "USV":
        raise ValueError(f"{name} holds non-numeric values (dtype {X.dtype}); series must be numbers.")
    try:
        kind = np.asarray(X).dtype.kind  # __array__ only: array-likes may refuse numpy's functions
    except (ValueError, TypeError):
        kind = "O"
    if kind == "c":
        raise ValueError(f"Complex data not supported: {name} holds complex numbers; only real values are.")
    try:
        return check_array(X, ensure_2d=False, allow_nd=True, dtype=np.float32, ensure_all_finite=False,
                           input_name=name, ensure_min_samples=1)
    except (ValueError, TypeError) as exc:
        arr = X if isinstance(X, np.ndarray) else None
        if arr is None:
            try:
                arr = np.asarray(X, dtype=object)
            except (ValueError, TypeError):
                arr = None
        if arr is not None and arr.dtype.kind in "OUS":
            raise type(exc)(f"{name} holds non-numeric values: {_first_non_numeric(arr)} ({exc}).") from None
        raise


def _check_series(a, i: int) -> np.ndarray:
    a = _to_float32(_as_numpy(a, f"X[{i}]"), f"X[{i}]")
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"X[{i}] must be a (n_channels, n_timepoints) array, got shape {a.shape}.")
    return a


def _from_list(X: Sequence) -> tuple[np.ndarray, np.ndarray]:
    series = [_check_series(a, i) for i, a in enumerate(X)]
    channels = {a.shape[0] for a in series}
    if len(channels) > 1:
        raise ValueError(f"Every series in X must have the same number of channels; found {sorted(channels)}.")
    lengths = np.array([a.shape[1] for a in series], dtype=np.int64)
    out = np.full((len(series), series[0].shape[0], int(lengths.max())), np.nan, dtype=np.float32)
    for i, a in enumerate(series):
        out[i, :, : a.shape[1]] = a
    return out, lengths


def _is_ragged(X) -> bool:
    if not isinstance(X, (list, tuple)) or not X:
        return False
    shapes = {np.shape(_as_numpy(a)) for a in X}
    return len(shapes) > 1


def _sktime_panel_kind(X) -> str | None:
    """sktime's name for a pandas panel of series ("nested_univ", "pd-multiindex"), or None."""
    if not type(X).__module__.startswith("pandas") or not hasattr(X, "iloc"):
        return None
    if getattr(X.index, "nlevels", 1) > 1:
        return "pd-multiindex"
    if len(X) and getattr(X, "ndim", 0) in (1, 2):
        first = X.iloc[0] if X.ndim == 1 else X.iloc[0, 0]
        if hasattr(first, "__len__") and not isinstance(first, (str, bytes)):
            return "nested_univ"
    return None


def _refuse_sktime_frames(X, name: str) -> None:
    kind = _sktime_panel_kind(X)
    if kind is None:
        return
    shape = "x".join(str(v) for v in X.shape)
    raise TypeError(
        f"{name} is a pandas {type(X).__name__} ({shape}) of sktime's {kind!r} panel format; "
        "MLSTMFCNClassifier takes numpy arrays (n_instances, n_channels, n_timepoints) or lists of "
        "(n_channels, T_i) arrays. Use mlstm_fcn.sktime_adapter.MLSTMFCNSktime, which takes every sktime "
        "panel format, or convert first: from sktime.datatypes import convert_to; "
        f"{name} = convert_to({name}, to_type='numpy3D').")


def check_X(X, *, name: str = "X") -> tuple[np.ndarray, np.ndarray | None]:
    """Validate ``X`` and return ``(X_padded, lengths)``.

    Returns
    -------
    X_padded : ndarray of shape (n, C, T), float32
        Zeros wherever a series is padded.
    lengths : ndarray of shape (n,) or None
        Valid steps of each series; ``None`` when all have length ``T``.

    Raises
    ------
    ValueError
        Wrong number of dimensions, empty input, complex values, NaN anywhere
        but trailing padding, or infinite values.
    TypeError
        Input that is not array-like.
    """
    if sp.issparse(X):
        # Checked first: some sparse formats (dok) are dicts and would get a vaguer message.
        raise TypeError(f"Sparse data was passed for {name}, but dense data is required; use "
                        f"{name}.toarray() to convert it to a dense array.")
    if X is None or isinstance(X, (str, bytes, dict)):
        raise TypeError(f"{name} must be an array-like of series, got {type(X).__name__}.")
    _refuse_sktime_frames(X, name)
    if _is_ragged(X):
        X, lengths = _from_list(X)
    else:
        X = _as_numpy(X, name)
        if isinstance(X, (list, tuple)) and X and all(np.ndim(_as_numpy(a)) >= 1 for a in X):
            X = np.stack([_check_series(a, i) for i, a in enumerate(X)])
        X = _to_float32(X, name)
        if X.ndim == 2:
            X = X[:, None, :]
        if X.ndim != 3:
            hint = (" Reshape your data: X.reshape(1, -1) for one univariate series."
                    if X.ndim == 1 else "")
            raise ValueError(
                f"{name} must be 3D (n_instances, n_channels, n_timepoints) or 2D (n_instances, "
                f"n_timepoints) for univariate series; got an array of shape {X.shape}.{hint}")
        lengths = None
    n, c, t = X.shape
    if n == 0 or c == 0 or t == 0:
        raise ValueError(f"{name} is empty: shape {X.shape}.")
    if np.isinf(X).any():
        i, ch, s = np.argwhere(np.isinf(X))[0]
        raise ValueError(f"{name} contains infinity (series {i}, channel {ch}, step {s}).")
    nan = np.isnan(X)
    if nan.any():
        # A step is padding when every channel is NaN there and at every later step.
        all_nan_step = nan.all(axis=1)
        trailing = np.flip(np.logical_and.accumulate(np.flip(all_nan_step, axis=1), axis=1), axis=1)
        inner = nan & ~trailing[:, None, :]
        if inner.any():
            i, ch, s = np.argwhere(inner)[0]
            raise ValueError(
                f"{name} contains NaN inside a series (series {i}, channel {ch}, step {s}). Only "
                "trailing NaN steps, in every channel at once, are read as padding of unequal-length "
                "series; impute missing values first.")
        lengths = t - trailing.sum(axis=1)
        if (lengths == 0).any():
            raise ValueError(f"{name} has a series with no valid step (series {int(np.argmin(lengths))}).")
        X = np.where(nan, np.float32(0), X)
    if lengths is not None and (lengths == t).all():
        lengths = None
    return np.ascontiguousarray(X, dtype=np.float32), lengths


def check_y(y, n_samples: int) -> np.ndarray:
    """Validate labels: 1D, no missing values, as many as series in X."""
    if y is None:
        raise ValueError("This classifier requires y to be passed, but the target y is None.")
    import torch

    # Labels keep their dtype (X's float32 cast would merge large integers and turn bools to floats).
    y = np.asarray(y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected. Please change "
                      "the shape of y to (n_samples,), for example using ravel().",
                      DataConversionWarning, stacklevel=4)  # check_y -> _fit -> fit -> the caller
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"y must be 1D (one label per series), got shape {y.shape}.")
    if y.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} series but y has {y.shape[0]} labels.")
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise ValueError("y contains NaN; every series needs a label.")
    if y.dtype.kind == "O" and any(v is None or (isinstance(v, float) and np.isnan(v)) for v in y):
        raise ValueError("y contains missing labels (None or NaN).")
    if y.dtype.kind == "c":
        raise ValueError("Complex labels are not supported.")
    if y.dtype.kind == "O":
        kinds = {"str" if isinstance(v, str) else "number" if isinstance(v, (numbers.Number, np.number))
                 else type(v).__name__ for v in y}
        if len(kinds) > 1:
            raise TypeError(f"y mixes label types ({', '.join(sorted(kinds))}); use one type for all labels.")
    return y
