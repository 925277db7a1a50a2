"""Input scaling inside the classifier (its ``scaling`` parameter).

Works on the zero-padded ``(n, C, T)`` float32 arrays and lengths that
:func:`~mlstm_fcn._validation.check_X` returns: statistics count valid steps
only, and padding is zero again after scaling, as the network expects.
For the same in a :class:`~sklearn.pipeline.Pipeline`, see
:class:`~mlstm_fcn.preprocessing.ChannelStandardScaler`.
"""

from __future__ import annotations

import numpy as np

#: Values of the ``scaling`` parameter.
SCALINGS = (None, "channel", "instance")
_TINY = 1e-8  # a constant channel is divided by 1, not blown up


def _valid(X: np.ndarray, lengths: np.ndarray | None) -> np.ndarray | None:
    """Boolean ``(n, 1, T)`` mask of valid steps, or None when all are."""
    if lengths is None:
        return None
    return (np.arange(X.shape[2])[None, :] < lengths[:, None])[:, None, :]


def _moments(X: np.ndarray, valid: np.ndarray | None, axis) -> tuple[np.ndarray, np.ndarray]:
    values = X.astype(np.float64)  # float32 sums over long series lose precision
    if valid is None:
        return values.mean(axis=axis, keepdims=True), values.std(axis=axis, keepdims=True)
    count = np.broadcast_to(valid, X.shape).sum(axis=axis, keepdims=True).clip(min=1)
    mean = np.where(valid, values, 0.0).sum(axis=axis, keepdims=True) / count
    var = np.where(valid, (values - mean) ** 2, 0.0).sum(axis=axis, keepdims=True) / count
    return mean, np.sqrt(var)


def fit_scaling(X: np.ndarray, lengths: np.ndarray | None, mode: str | None) -> dict[str, np.ndarray]:
    """Statistics that ``mode`` learns from training data (``{}`` when it learns none)."""
    if mode != "channel":
        return {}
    mean, std = _moments(X, _valid(X, lengths), axis=(0, 2))
    return {"mean": mean.reshape(-1), "scale": np.where(std < _TINY, 1.0, std).reshape(-1)}


def apply_scaling(X: np.ndarray, lengths: np.ndarray | None, mode: str | None,
                  stats: dict[str, np.ndarray]) -> np.ndarray:
    """``X`` scaled by ``mode``: ``None`` leaves it alone, ``"channel"`` uses the
    training statistics ``stats``, ``"instance"`` standardises every channel of
    every series by its own mean and standard deviation."""
    if mode is None:
        return X
    valid = _valid(X, lengths)
    if mode == "channel":
        mean, scale = stats["mean"][None, :, None], stats["scale"][None, :, None]
    else:
        mean, std = _moments(X, valid, axis=2)
        scale = np.where(std < _TINY, 1.0, std)
    out = ((X - mean) / scale).astype(np.float32)
    if valid is not None:
        out = np.where(valid, out, np.float32(0.0))
    return np.ascontiguousarray(out)
