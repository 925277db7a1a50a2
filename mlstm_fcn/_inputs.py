"""What users pass as X and y, checked: one padded float32 array plus lengths, and labels.

Also fitting inputs to the series length a model was trained on
(:func:`to_trained_length`), which ``predict`` and the interpretation
functions need alike.

Accepted: a numpy array or torch tensor of shape ``(n, C, T)``, or ``(n, T)``
taken as univariate; a list of ``(C, T_i)`` (or ``(T_i,)``) arrays of unequal
length; a 3D array NaN-padded at the end of the time axis. Padding is always
replaced by zeros and described by ``lengths`` (``None`` when every series
has the full length), the convention the network's masking relies on.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_array

from ._padding import pad_series, trailing_padding
from ._warnings import warn


def as_numpy(X, name: str = "X"):
    """A torch tensor as a float32 numpy array (on the CPU); anything else as it is."""
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
    a = _to_float32(as_numpy(a, f"X[{i}]"), f"X[{i}]")
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"X[{i}] must be a (n_channels, n_timepoints) array, got shape {a.shape}.")
    return a


def series_from_list(X: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """A list of ``(C, T_i)`` series as a NaN-padded ``(n, C, max T_i)`` array and the lengths."""
    series = [_check_series(a, i) for i, a in enumerate(X)]
    channels = {a.shape[0] for a in series}
    if len(channels) > 1:
        raise ValueError(f"Every series in X must have the same number of channels; found {sorted(channels)}.")
    lengths = np.array([a.shape[1] for a in series], dtype=np.int64)
    return pad_series(series), lengths


def is_ragged(X) -> bool:
    """Whether ``X`` is a list or tuple of series of different shapes."""
    if not isinstance(X, (list, tuple)) or not X:
        return False
    shapes = {np.shape(as_numpy(a)) for a in X}
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
    if is_ragged(X):
        X, lengths = series_from_list(X)
    else:
        X = as_numpy(X, name)
        if isinstance(X, (list, tuple)) and X and all(np.ndim(as_numpy(a)) >= 1 for a in X):
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
        trailing = trailing_padding(X)
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
        warn("A column-vector y was passed when a 1d array was expected. Please change "
             "the shape of y to (n_samples,), for example using ravel().", DataConversionWarning)
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


def is_2d(X) -> bool:
    """Whether ``X`` came as a 2D array (univariate series, one column per time step)."""
    if hasattr(X, "ndim"):
        return X.ndim == 2
    try:
        return np.asarray(X).ndim == 2  # __array__ only: array-likes may refuse numpy's functions
    except (ValueError, TypeError):  # a ragged list of series
        return False


def to_trained_length(X, X_arr: np.ndarray, lengths: np.ndarray | None, *, n_channels: int, n_timepoints: int,
                      equal_length: bool, estimator: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Checked series ``X_arr`` (of input ``X``) fitted to what a model was trained on.

    A model trained on equal-length series takes exactly that length. One
    trained on unequal lengths takes shorter series (padded, masked) and cuts
    longer ones to its longest, with a warning when that cuts valid steps.

    Raises
    ------
    ValueError
        Another channel count, or another length for an equal-length model.
    """
    n, c, t = X_arr.shape
    if c != n_channels:
        raise ValueError(f"X has {c} channels, but {estimator} was fitted on {n_channels} channels.")
    if equal_length:
        if t != n_timepoints or lengths is not None:
            got = t if lengths is None else f"{lengths.min()}-{t}"
            # A 2D X holds univariate series, one time step per column: say it in
            # scikit-learn's words too, as its n_features_in_ check expects.
            sk = (f"X has {t} features, but {estimator} is expecting {n_timepoints} features as "
                  "input (2D X: one column per time step). " if is_2d(X) else "")
            raise ValueError(f"{sk}X has series of length {got}, but {estimator} was fitted on "
                             f"series of length {n_timepoints}; resample or pad them first.")
        return X_arr, None
    if lengths is None:
        lengths = np.full(n, t, dtype=np.int64)
    if t > n_timepoints:
        longest = int(lengths.max())
        if longest > n_timepoints:  # columns of padding alone are cut silently
            warn(f"X has series up to {longest} steps, longer than the longest seen in fit ({n_timepoints}); "
                 f"they are truncated to {n_timepoints} steps.", UserWarning)
        X_arr = np.ascontiguousarray(X_arr[:, :, :n_timepoints])
        lengths = np.minimum(lengths, n_timepoints)
    elif t < n_timepoints:
        X_arr = np.pad(X_arr, ((0, 0), (0, 0), (0, n_timepoints - t)))
    return X_arr, lengths
