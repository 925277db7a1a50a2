"""What users pass as X, checked: one padded float32 array plus lengths.

Accepted: a numpy array or torch tensor of shape ``(n, C, T)``, or ``(n, T)``
taken as univariate; a list of ``(C, T_i)`` (or ``(T_i,)``) arrays of unequal
length; a 3D array NaN-padded at the end of the time axis. Padding is always
replaced by zeros and described by ``lengths`` (``None`` when every series
has the full length), the convention the network's masking relies on.

Inputs that need not fit in memory (a ``numpy.memmap``, or any array-like
with ``shape``, ``dtype`` and slicing: h5py, zarr) are checked block by
block when the caller asks for it (``check_X(..., out_of_core=True)``, as
``fit`` and ``predict`` do) and come back as a
:class:`~mlstm_fcn._data.host_series.HostSeries`, which reads, converts to float32
and zero-pads rows only when they are asked for.

Class labels and regression targets are checked in :mod:`mlstm_fcn._data.targets`;
series are fitted to a model's trained length in :mod:`mlstm_fcn._data.trained_length`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from .._warnings import LayoutWarning, LongTableWarning, warn
from .host_series import HostSeries, block_rows, is_out_of_core
from .padding import pad_series, trailing_padding

#: The layout check of :func:`warn_if_transposed`: at least this many channels...
LAYOUT_MIN_CHANNELS = 16
#: ...and at least this many times as many channels as time steps.
LAYOUT_CHANNEL_RATIO = 2
#: The long-table check of :func:`warn_if_long_table`: a 2D ``X`` of at most this many columns...
LONG_TABLE_MAX_COLUMNS = 8
#: ...and at least this many times as many rows as columns.
LONG_TABLE_ROW_RATIO = 20
#: Column names (compared without case, ``-`` and spaces as ``_``) that mark a DataFrame as a long table.
LONG_TABLE_COLUMN_NAMES = frozenset({
    "id", "series", "series_id", "seriesid", "instance", "instance_id", "case", "case_id", "sample_id",
    "subject", "subject_id", "unit_id", "time", "timestamp", "time_step", "timestep", "datetime",
})


def as_numpy(X, name: str = "X"):
    """A torch tensor as a float32 numpy array (float64 for a float64 tensor, on the CPU); anything else as it is.

    A float64 tensor stays float64 so that values beyond float32's range are
    reported as such (see :func:`check_X`), not as infinity.
    """
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard dependency
        torch = None
    if torch is not None and isinstance(X, torch.Tensor):
        X = X.detach().cpu()
        if X.is_complex():
            raise ValueError(f"Complex data not supported: {name} is a complex tensor; only real values are.")
        return X.to(torch.float64 if X.dtype == torch.float64 else torch.float32).numpy()
    return X


def _first_non_numeric(a: np.ndarray) -> str:
    """Where the first value that is not a real number sits in an object array, for messages."""
    for index, v in np.ndenumerate(a):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            return f"{v!r} at index {index}"
    return "a value that does not convert to float"


def _refuse_beyond_float32(X: np.ndarray, name: str, first: int = 0) -> None:
    """Refuse finite values that float32, which the network computes in, cannot hold (they would become infinity).

    ``first`` is the index of ``X``'s first series in the whole input (for messages about a block of it).
    """
    with np.errstate(invalid="ignore"):
        beyond = np.abs(X) > np.finfo(np.float32).max  # NaN (padding) compares False; infinity is refused later
    beyond &= np.isfinite(X)
    if beyond.any():
        where = np.argwhere(beyond)[0]
        value = float(X[tuple(where)])
        where[0] += first
        at = (f"series {where[0]}, channel {where[1]}, step {where[2]}" if X.ndim == 3
              else f"at index {tuple(int(i) for i in where)}")
        raise ValueError(f"{name} holds {value:.4g} ({at}), beyond float32's range (|x| <= "
                         f"{float(np.finfo(np.float32).max):.4g}) that the network computes in; rescale the series.")


def _to_float32(X, name: str) -> np.ndarray:
    """``check_array`` to float32, with messages that name the input and the offending value."""
    if isinstance(X, np.ndarray) and X.dtype.kind in "USV":
        raise ValueError(f"{name} holds non-numeric values (dtype {X.dtype}); series must be numbers.")
    try:
        dtype = np.asarray(X).dtype  # __array__ only: array-likes may refuse numpy's functions
    except (ValueError, TypeError):
        dtype = np.dtype(object)
    if dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} holds complex numbers; only real values are.")
    if dtype.kind == "f" and dtype.itemsize > 4:
        _refuse_beyond_float32(np.asarray(X), name)
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


def check_X(X, *, name: str = "X", out_of_core: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate ``X`` and return ``(X_padded, lengths)``.

    With ``out_of_core``, an input that :func:`is_out_of_core` (a
    ``numpy.memmap``, an h5py dataset...) is checked one block of
    :func:`block_rows` series at a time and returned as a :class:`HostSeries`
    that reads rows on demand: no copy of the whole input is made.

    Returns
    -------
    X_padded : ndarray of shape (n, C, T), float32, or HostSeries
        Zeros wherever a series is padded.
    lengths : ndarray of shape (n,) or None
        Valid steps of each series; ``None`` when all have length ``T``.

    Raises
    ------
    ValueError
        Wrong number of dimensions, empty input, complex values, NaN anywhere
        but trailing padding, infinite values, or (out of core) a dtype
        other than boolean, integer or float.
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
    if out_of_core and is_out_of_core(X):
        return _check_blocks(X, name)
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
    padded = _padding_lengths(X, name)
    if padded is not None:
        lengths = padded
        X = np.where(np.isnan(X), np.float32(0), X)
    if lengths is not None and (lengths == t).all():
        lengths = None
    return np.ascontiguousarray(X, dtype=np.float32), lengths


def warn_if_transposed(n_channels: int, n_timepoints: int, name: str = "X") -> None:
    """Warn (:class:`~mlstm_fcn.LayoutWarning`) when ``(n, C, T)`` looks like ``(n, T, C)`` passed as is.

    Most sensor exports are ``(n, time, channels)``; passed unchanged they train
    a network on ``channels`` time steps. The rule: at least
    :data:`LAYOUT_MIN_CHANNELS` channels and :data:`LAYOUT_CHANNEL_RATIO` times
    as many channels as time steps. A few real datasets have that shape
    (PEMS-SF: 963 channels, 144 steps); their users silence the warning with
    ``warnings.filterwarnings("ignore", category=mlstm_fcn.LayoutWarning)``.
    """
    if n_channels >= LAYOUT_MIN_CHANNELS and n_channels >= LAYOUT_CHANNEL_RATIO * n_timepoints:
        warn(f"{name} has {n_channels} channels of {n_timepoints} time steps each; if it is laid out "
             f"(n, time, channels), pass {name}.transpose(0, 2, 1) (the layout is (n_instances, n_channels, "
             "n_timepoints)). If it really has more channels than steps, silence this with "
             "warnings.filterwarnings('ignore', category=mlstm_fcn.LayoutWarning).", LayoutWarning)


def _long_table_column(X) -> str | None:
    """The first column of a pandas DataFrame ``X`` named like a series id or a time, or None."""
    if not type(X).__module__.startswith("pandas") or not hasattr(X, "columns"):
        return None
    for column in X.columns:
        if isinstance(column, str) and column.strip().lower().replace("-", "_").replace(" ", "_") \
                in LONG_TABLE_COLUMN_NAMES:
            return column
    return None


def warn_if_long_table(X, name: str = "X") -> None:
    """Warn (:class:`~mlstm_fcn.LongTableWarning`) when a 2D ``X`` looks like a long table.

    A long table has one row per series and time step and a column per
    channel; passed as is, each row trains as one univariate series of a few
    steps. The rule: a pandas DataFrame with a column in
    :data:`LONG_TABLE_COLUMN_NAMES`, or any 2D input of at most
    :data:`LONG_TABLE_MAX_COLUMNS` columns and at least
    :data:`LONG_TABLE_ROW_RATIO` times as many rows. Read before the input
    is converted (a DataFrame's column names are gone after).
    """
    shape = getattr(X, "shape", None)
    if not isinstance(shape, tuple) or len(shape) != 2 or _sktime_panel_kind(X) is not None:
        return  # sktime's panels are refused by check_X, with their own pointer
    rows, columns = shape
    column = _long_table_column(X)
    if column is not None:
        why = f"a pandas DataFrame with a column {column!r}"
    elif 0 < columns <= LONG_TABLE_MAX_COLUMNS and rows >= LONG_TABLE_ROW_RATIO * columns:
        why = f"2D, {rows} rows of {columns} columns"
    else:
        return
    warn(f"{name} is {why}: fit reads it as {rows} univariate series of {columns} time steps each. If it is a "
         "long table (one row per series and time step, a column per channel), turn it into series first: "
         "X, y, ids = mlstm_fcn.datasets.from_long_table(table) (id_column=, time_column= and label_column= "
         "name its columns). If each row really is one series, silence this with "
         "warnings.filterwarnings('ignore', category=mlstm_fcn.LongTableWarning).", LongTableWarning)


def _padding_lengths(X: np.ndarray, name: str, first: int = 0) -> np.ndarray | None:
    """Valid steps of each series of float ``X`` read off its trailing NaN padding, None without NaN.

    ``first`` is the index of ``X``'s first series in the whole input (for
    messages about a block of it).

    Raises
    ------
    ValueError
        Infinity anywhere, NaN that is not trailing padding, a series of padding only.
    """
    if np.isinf(X).any():
        i, ch, s = np.argwhere(np.isinf(X))[0]
        raise ValueError(f"{name} contains infinity (series {first + i}, channel {ch}, step {s}).")
    nan = np.isnan(X)
    if not nan.any():
        return None
    trailing = trailing_padding(X)
    inner = nan & ~trailing[:, None, :]
    if inner.any():
        i, ch, s = np.argwhere(inner)[0]
        raise ValueError(
            f"{name} contains NaN inside a series (series {first + i}, channel {ch}, step {s}). Only "
            "trailing NaN steps, in every channel at once, are read as padding of unequal-length "
            "series; impute missing values first.")
    lengths = X.shape[2] - trailing.sum(axis=1)
    if (lengths == 0).any():
        raise ValueError(f"{name} has a series with no valid step (series {first + int(np.argmin(lengths))}).")
    return lengths


def _check_blocks(X, name: str) -> tuple[HostSeries, np.ndarray | None]:
    """:func:`check_X` of an out-of-core ``X``, one block of series at a time."""
    kind = X.dtype.kind
    if kind == "c":
        raise ValueError(f"Complex data not supported: {name} holds complex numbers; only real values are.")
    if kind not in "biuf":
        raise ValueError(f"{name} has dtype {X.dtype}, which cannot become float32; out-of-core series "
                         "(numpy.memmap and other array-likes) must hold booleans, integers or floats.")
    series = HostSeries(X, None)
    n, c, t = series.shape
    if n == 0 or c == 0 or t == 0:
        raise ValueError(f"{name} is empty: shape {tuple(X.shape)}.")
    lengths = np.full(n, t, dtype=np.int64)
    step = block_rows(c, t)
    for start in range(0, n, step):
        if kind == "f" and X.dtype.itemsize > 4:  # read as float32 below: its range first
            _refuse_beyond_float32(np.asarray(X[start:min(start + step, n)]), name, first=start)
        block = series.raw(slice(start, min(start + step, n)))
        padded = _padding_lengths(block, name, first=start)
        if padded is not None:
            lengths[start:start + block.shape[0]] = padded
    if (lengths == t).all():
        lengths = None
    return HostSeries(X, lengths), lengths
