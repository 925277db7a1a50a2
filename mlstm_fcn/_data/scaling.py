"""Input scaling inside the classifier (its ``scaling`` parameter).

Works on the zero-padded ``(n, C, T)`` float32 arrays and lengths that
:func:`~mlstm_fcn._data.inputs.check_X` returns: statistics count valid steps
only, and padding is zero again after scaling, as the network expects.
:func:`channel_statistics` is also what
:class:`~mlstm_fcn.preprocessing.ChannelStandardScaler` (the same in a
:class:`~sklearn.pipeline.Pipeline`) learns, so the two agree.

Every pass goes over blocks of series (:func:`~mlstm_fcn._data.host_series.block_rows`),
so that statistics of an out-of-core :class:`~mlstm_fcn._data.host_series.HostSeries`
never hold more than one block, and its scaling is applied block by block
as the series are read.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .host_series import HostSeries, block_rows

#: Values of the ``scaling`` parameter.
SCALINGS = (None, "channel", "instance")

#: A channel is constant (divided by 1, not blown up) when its standard deviation
#: is at most CONSTANT_ATOL, or at most CONSTANT_RTOL of its mean's magnitude. The
#: relative part, because all the std a constant float64 channel shows is the
#: rounding error of its mean, which grows with the values (a few eps * |mean|);
#: the absolute part is the cut that models fitted before this rule used, and
#: ``scaling="instance"`` computes its statistics again in predict, so they keep
#: predicting as they did.
CONSTANT_RTOL = 1e-12
CONSTANT_ATOL = 1e-8


def _valid(n_timepoints: int, lengths: np.ndarray | None) -> np.ndarray | None:
    """Boolean ``(b, 1, T)`` mask of valid steps of series of ``lengths``, or None when all are."""
    if lengths is None:
        return None
    return (np.arange(n_timepoints)[None, :] < lengths[:, None])[:, None, :]


def _moments(X: np.ndarray, valid: np.ndarray | None, axis) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over ``axis`` of the valid steps, accumulated in float64."""
    values = X.astype(np.float64)  # float32 sums over long series lose precision
    if valid is None:
        return values.mean(axis=axis, keepdims=True), values.std(axis=axis, keepdims=True)
    count = np.broadcast_to(valid, X.shape).sum(axis=axis, keepdims=True).clip(min=1)
    mean = np.where(valid, values, 0.0).sum(axis=axis, keepdims=True) / count
    var = np.where(valid, (values - mean) ** 2, 0.0).sum(axis=axis, keepdims=True) / count
    return mean, np.sqrt(var)


def _chunks(shape: tuple[int, int, int]):
    # float64 working copies are made a block of series at a time, not for the whole set.
    n, c, t = shape
    step = block_rows(c, t)
    for start in range(0, n, step):
        yield slice(start, min(start + step, n))


def _rows_valid(n_timepoints: int, lengths: np.ndarray | None, rows: slice) -> np.ndarray | None:
    return _valid(n_timepoints, None if lengths is None else lengths[rows])


def _divisor(mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """``std``, or 1 where the data are constant (see :data:`CONSTANT_RTOL`)."""
    return np.where((std <= CONSTANT_ATOL) | (std <= CONSTANT_RTOL * np.abs(mean)), 1.0, std)


def channel_statistics(X: np.ndarray, lengths: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and divisor of each channel over every series' valid steps.

    The one channel standardisation, behind ``scaling="channel"`` and
    :class:`~mlstm_fcn.preprocessing.ChannelStandardScaler` alike.

    Parameters
    ----------
    X : ndarray of shape (n, C, T), or HostSeries
        Series, padded (with anything, NaN included) past ``lengths``.
    lengths : ndarray of shape (n,) or None
        Valid steps of each series; ``None`` when all have length ``T``.

    Returns
    -------
    mean : ndarray of shape (C,), float64
        Mean of each channel's valid values.
    scale : ndarray of shape (C,), float64
        Their standard deviation, or 1 for a constant channel (see
        :data:`CONSTANT_RTOL`).
    """
    t = X.shape[2]
    count = np.zeros(X.shape[1])
    total = np.zeros(X.shape[1])
    for rows in _chunks(X.shape):  # two passes, each over blocks: mean, then squared deviations
        block = X[rows].astype(np.float64)
        v = _rows_valid(t, lengths, rows)
        v = None if v is None else np.broadcast_to(v, block.shape)
        total += (block if v is None else np.where(v, block, 0.0)).sum(axis=(0, 2))
        count += block.shape[0] * block.shape[2] if v is None else v.sum(axis=(0, 2))
    mean = total / np.maximum(count, 1)
    squares = np.zeros(X.shape[1])
    for rows in _chunks(X.shape):
        dev = (X[rows].astype(np.float64) - mean[None, :, None]) ** 2
        v = _rows_valid(t, lengths, rows)
        squares += (dev if v is None else np.where(v, dev, 0.0)).sum(axis=(0, 2))
    return mean, _divisor(mean, np.sqrt(squares / np.maximum(count, 1)))


def fit_scaling(X: np.ndarray, lengths: np.ndarray | None, mode: str | None) -> dict[str, np.ndarray]:
    """Statistics that ``mode`` learns from training data (``{}`` when it learns none)."""
    if mode != "channel":
        return {}
    mean, scale = channel_statistics(X, lengths)
    return {"mean": mean, "scale": scale}


def apply_scaling(X: np.ndarray, lengths: np.ndarray | None, mode: str | None,
                  stats: dict[str, np.ndarray]) -> np.ndarray:
    """``X`` scaled by ``mode``: ``None`` leaves it alone, ``"channel"`` uses the
    training statistics ``stats``, ``"instance"`` standardises every channel of
    every series by its own mean and standard deviation. Returns a new float32
    array whose padding is zero. A :class:`~mlstm_fcn._data.host_series.HostSeries`
    is not read: it comes back set to scale each block as it is read."""
    if mode is None:
        return X
    if isinstance(X, HostSeries):
        return X.with_transform(partial(apply_scaling, mode=mode, stats=stats))
    out = np.empty(X.shape, dtype=np.float32)
    for rows in _chunks(X.shape):
        block = X[rows]
        v = _rows_valid(X.shape[2], lengths, rows)
        if mode == "channel":
            mean, scale = stats["mean"][None, :, None], stats["scale"][None, :, None]
        else:
            mean, std = _moments(block, v, axis=2)
            scale = _divisor(mean, std)
        scaled = (block - mean) / scale
        out[rows] = scaled if v is None else np.where(v, scaled, 0.0)
    return out
