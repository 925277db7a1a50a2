"""What ``fit`` reads beside the series, checked with messages that say what is wrong: class labels,
regression targets and sample weights.

(The series themselves are checked in :mod:`mlstm_fcn._data.inputs`.)
"""

from __future__ import annotations

import numbers
from numbers import Real

import numpy as np
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_array

from .._warnings import warn
from ..io.json_codec import label_problem


def _as_numpy(values):
    import torch

    return values.detach().cpu().numpy() if isinstance(values, torch.Tensor) else values


def check_y(y, n_samples: int) -> np.ndarray:
    """Validate labels: 1D, no missing values, as many as series in X."""
    if y is None:
        raise ValueError("This classifier requires y to be passed, but the target y is None.")
    # Labels keep their dtype (X's float32 cast would merge large integers and turn bools to floats).
    y = np.asarray(_as_numpy(y))
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
    # Before training, not at save: a model whose labels its file cannot hold would be lost.
    problem = label_problem(y)
    if problem is not None:
        raise ValueError(f"y: {problem}.")
    return y


def check_sample_weight(sample_weight, n_samples: int) -> np.ndarray | None:
    """``sample_weight`` as float64 ``(n_samples,)``, or None when it is None.

    A scalar weighs every series alike, as in scikit-learn. Zero weights are
    allowed (those series add nothing to the loss); negative, NaN or infinite
    weights, and weights that are all zero, are refused.

    Raises
    ------
    ValueError
        With the reason: wrong shape or length, a negative, NaN or infinite
        weight, or no positive weight at all.
    """
    if sample_weight is None:
        return None
    sample_weight = _as_numpy(sample_weight)
    if isinstance(sample_weight, Real) and not isinstance(sample_weight, (bool, np.bool_)):
        sample_weight = np.full(n_samples, sample_weight, dtype=np.float64)
    w = check_array(sample_weight, ensure_2d=False, dtype=np.float64, ensure_all_finite=False,
                    input_name="sample_weight", ensure_min_samples=0)
    if w.ndim != 1:
        raise ValueError(f"sample_weight must be 1D (one weight per series), got shape {w.shape}.")
    if w.shape[0] != n_samples:
        raise ValueError(f"sample_weight has {w.shape[0]} weights but X has {n_samples} series; "
                         "sample_weight.shape == (n_samples,) is required.")
    if not np.isfinite(w).all():
        bad = int(np.flatnonzero(~np.isfinite(w))[0])
        raise ValueError(f"sample_weight holds NaN or infinity (first at index {bad}); weights must be finite.")
    if (w < 0).any():
        bad = int(np.flatnonzero(w < 0)[0])
        raise ValueError(f"Negative values in sample_weight (first {w[bad]!r} at index {bad}); "
                         "weights must be non-negative.")
    if not (w > 0).any():
        raise ValueError("sample_weight is zero for every series: no series would count in the loss.")
    return w


def check_regression_targets(y, n_samples: int) -> tuple[np.ndarray, bool]:
    """Targets as float64 ``(n_samples, n_outputs)`` (1D ``y`` gives one output), and whether ``y`` was 1D.

    Raises
    ------
    ValueError
        No targets, another number than the series, NaN or infinity, more than 2 dimensions.
    """
    if y is None:
        raise ValueError("This regressor requires y to be passed, but the target y is None.")
    y = _as_numpy(y)
    if isinstance(y, np.ndarray) and y.dtype.kind in "USO":
        try:
            y = y.astype(np.float64)
        except (ValueError, TypeError):
            raise ValueError("y holds values that are not numbers; a regressor needs numeric targets.") from None
    y = check_array(y, ensure_2d=False, allow_nd=True, dtype=np.float64, input_name="y", ensure_min_samples=0)
    if y.ndim > 2:
        raise ValueError(f"y must be 1D (one target per series) or 2D (several), got shape {y.shape}.")
    if y.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} series but y has {y.shape[0]} targets.")
    return y.reshape(n_samples, -1), y.ndim == 1


def target_statistics(y: np.ndarray, sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and scale of each output of ``y`` ``(n, n_outputs)``, weighted by ``sample_weight``.

    The network learns ``(y - mean) / scale``, so that its loss and learning
    rate mean the same whatever the targets' units. A constant output gets
    scale 1.

    Raises
    ------
    ValueError
        When an output's mean or standard deviation overflows float64.
    """
    w = None if sample_weight is None else sample_weight / sample_weight.sum()
    with np.errstate(over="ignore", invalid="ignore"):
        mean = np.average(y, axis=0, weights=w)
        std = np.sqrt(np.average((y - mean) ** 2, axis=0, weights=w))
    if not (np.isfinite(mean).all() and np.isfinite(std).all()):
        # Squares of targets near 1e155 and beyond overflow float64: the scale would be infinite
        # and every prediction infinite or NaN.
        bad = int(np.flatnonzero(~(np.isfinite(mean) & np.isfinite(std)))[0])
        raise ValueError(f"y's output {bad} cannot be standardised: its values (up to "
                         f"{np.abs(y[:, bad]).max():.3g}) overflow float64 when squared; rescale the targets.")
    scale = np.where(std > 1e-12 * np.maximum(np.abs(mean), 1.0), std, 1.0)
    return mean, scale
