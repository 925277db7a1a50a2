"""What users pass as X and y, checked: one padded float32 array plus lengths, and labels.

Also fitting inputs to the series length a model was trained on
(:func:`to_trained_length`), which ``predict`` and the interpretation
functions need alike.

Accepted: a numpy array or torch tensor of shape ``(n, C, T)``, or ``(n, T)``
taken as univariate; a list of ``(C, T_i)`` (or ``(T_i,)``) arrays of unequal
length; a 3D array NaN-padded at the end of the time axis. Padding is always
replaced by zeros and described by ``lengths`` (``None`` when every series
has the full length), the convention the network's masking relies on.

Inputs that need not fit in memory (a ``numpy.memmap``, or any array-like
with ``shape``, ``dtype`` and slicing: h5py, zarr) are checked block by
block when the caller asks for it (``check_X(..., out_of_core=True)``, as
``fit`` and ``predict`` do) and come back as a :class:`HostSeries`, which
reads, converts to float32 and zero-pads rows only when they are asked for.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_array

from ._padding import pad_series, trailing_padding
from ._warnings import LayoutWarning, warn

#: The layout check of :func:`warn_if_transposed`: at least this many channels...
LAYOUT_MIN_CHANNELS = 16
#: ...and at least this many times as many channels as time steps.
LAYOUT_CHANNEL_RATIO = 2


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


#: Bytes of float64 working copy that a block-by-block pass over out-of-core series
#: (checks, scaling statistics) reads at a time.
BLOCK_BYTES = 8 * 2**20


def block_rows(n_channels: int, n_timepoints: int) -> int:
    """Series per block of a block-by-block pass: :data:`BLOCK_BYTES` of float64, one series at least."""
    return max(1, BLOCK_BYTES // (8 * n_channels * n_timepoints))


def is_out_of_core(X) -> bool:
    """Whether ``X`` is read block by block: a ``numpy.memmap``, or an array-like (not a numpy array,
    list or tensor) with ``shape``, ``dtype`` and slicing, of 2 or 3 dimensions."""
    if isinstance(X, np.memmap):
        return X.ndim in (2, 3)
    if isinstance(X, (np.ndarray, list, tuple)) or type(X).__module__.split(".")[0] in ("torch", "pandas"):
        return False
    shape = getattr(X, "shape", None)
    return (hasattr(X, "dtype") and hasattr(X, "__getitem__") and isinstance(shape, tuple)
            and len(shape) in (2, 3))


class HostSeries:
    """Series read a block at a time from an array-like that need not fit in memory.

    Indexing by a slice or by integer indices returns those series as a new
    float32 array ``(b, n_channels, n_timepoints)``: NaN padding replaced by
    zeros, padded with zeros or cut to ``n_timepoints``, then passed through
    ``transform`` (the estimator's scaling) when one is set. Nothing else is
    held in memory but the lengths.

    Parameters
    ----------
    source : array-like of shape (n, C, T) or (n, T)
        Checked series (see :func:`check_X`); 2D is univariate.
    lengths : ndarray of shape (n,) or None
        Valid steps per series, after fitting to ``n_timepoints``.
    n_timepoints : int or None, default=None
        Length the series are read at (``None``: ``T``).
    transform : callable or None, default=None
        ``transform(block, block_lengths) -> block`` applied to every block read.
    """

    dtype = np.dtype(np.float32)
    ndim = 3

    def __init__(self, source, lengths: np.ndarray | None, n_timepoints: int | None = None,
                 transform: Callable[[np.ndarray, np.ndarray | None], np.ndarray] | None = None) -> None:
        self.source = source
        self.lengths = lengths
        self.n_timepoints = int(source.shape[-1] if n_timepoints is None else n_timepoints)
        self.transform = transform

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(n, n_channels, n_timepoints)`` as read."""
        s = self.source.shape
        return (s[0], 1 if len(s) == 2 else s[1], self.n_timepoints)

    def __len__(self) -> int:
        return self.source.shape[0]

    def raw(self, key) -> np.ndarray:
        """Series ``key`` (slice or indices) as float32 ``(b, C, T)`` copies, as stored (NaN kept, full ``T``)."""
        if isinstance(key, slice):
            block = self.source[key]
        else:
            # Sorted unique indices: what h5py and zarr require, and reads in file order.
            wanted, back = np.unique(np.asarray(key), return_inverse=True)
            block = np.asarray(self.source[wanted])[back]
        block = np.array(block, dtype=np.float32, copy=True)  # a copy: never write into the source
        return block[:, None, :] if block.ndim == 2 else block

    def __getitem__(self, key) -> np.ndarray:
        block = self.raw(key)
        block[np.isnan(block)] = 0.0
        t = self.n_timepoints
        if block.shape[2] > t:
            block = np.ascontiguousarray(block[:, :, :t])
        elif block.shape[2] < t:
            block = np.pad(block, ((0, 0), (0, 0), (0, t - block.shape[2])))
        if self.transform is not None:
            lengths = None if self.lengths is None else self.lengths[key]
            block = self.transform(block, lengths)
        return block

    def blocks(self):
        """``(slice, block)`` over all series, a block of :func:`block_rows` series at a time."""
        n, c, t = self.shape
        step = block_rows(c, t)
        for start in range(0, n, step):
            rows = slice(start, min(start + step, n))
            yield rows, self[rows]

    def with_length(self, n_timepoints: int, lengths: np.ndarray | None) -> "HostSeries":
        """The same series read at ``n_timepoints`` steps, with ``lengths``."""
        return HostSeries(self.source, lengths, n_timepoints, self.transform)

    def with_transform(self, transform: Callable[[np.ndarray, np.ndarray | None], np.ndarray]) -> "HostSeries":
        """The same series, each block passed through ``transform`` as it is read."""
        return HostSeries(self.source, self.lengths, self.n_timepoints, transform)

    def update_hash(self, h) -> None:
        """Feed ``h`` (a hashlib object) the bytes the whole float32 array would give, a block at a time."""
        h.update(f"{self.dtype.str}{self.shape}".encode())
        for _, block in self.blocks():
            h.update(np.ascontiguousarray(block).tobytes())


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
    if isinstance(getattr(X, "shape", None), tuple):  # out-of-core array-likes: read nothing
        return len(X.shape) == 2
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
        lengths = np.minimum(lengths, n_timepoints)
    if isinstance(X_arr, HostSeries):  # cut or padded as each block is read
        return X_arr.with_length(n_timepoints, lengths), lengths
    if t > n_timepoints:
        X_arr = np.ascontiguousarray(X_arr[:, :, :n_timepoints])
    elif t < n_timepoints:
        X_arr = np.pad(X_arr, ((0, 0), (0, 0), (0, n_timepoints - t)))
    return X_arr, lengths
