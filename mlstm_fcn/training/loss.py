"""The training loss: each series' loss times its weight, and the weights of classes and series."""

from __future__ import annotations

import numpy as np
from torch import Tensor

from .objective import Classification, Objective

_CLASSIFICATION = Classification()


def weighted_loss(output: Tensor, target: Tensor, weight: Tensor, objective: Objective = _CLASSIFICATION) -> Tensor:
    """Mean over the batch of each series' loss times its weight (Keras' ``class_weight`` and ``sample_weight``).

    ``weight`` holds one number per series: its class weight times its
    sample weight. A series of weight 0 adds nothing to the loss (it still
    passes through the network, and so through BatchNorm's batch statistics).
    """
    return (objective.per_series(output, target) * weight).mean()


def class_weights(class_weight, classes: np.ndarray, y_idx: np.ndarray,
                  sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Weight of each class in the loss, in ``classes`` order.

    Parameters
    ----------
    class_weight : "balanced", dict or None
        As the estimator's parameter: "balanced" weights classes inversely to
        their frequency in ``y_idx`` (a class absent from it gets 1); with
        ``sample_weight`` the frequencies are sums of sample weights, as in
        scikit-learn, so that a weight of 2 counts as the series twice.
    classes : ndarray of shape (n_classes,)
    y_idx : ndarray of int
        Class indices of the series the network trains on.
    sample_weight : ndarray of shape (len(y_idx),) or None
        Weights of those series.
    """
    n_classes = len(classes)
    if class_weight is None:
        return np.ones(n_classes)
    if isinstance(class_weight, str):  # "balanced", the one string the parameter takes
        counts = np.bincount(y_idx, weights=sample_weight, minlength=n_classes).astype(np.float64)
        return balanced_weights(counts)
    unknown = set(class_weight) - set(classes.tolist())
    if unknown:
        raise ValueError(f"class_weight names labels not in y: {sorted(map(str, unknown))}.")
    weights = np.array([float(class_weight.get(c, 1.0)) for c in classes])
    if not (weights > 0).any():
        raise ValueError("class_weight is zero for every class: no series would count in the loss.")
    return weights


def balanced_weights(counts: np.ndarray) -> np.ndarray:
    """scikit-learn's "balanced" weights ``n / (n_present * count)`` from (weighted) class counts.

    A class with no (or zero-weight) series gets 1. Read from counts, so that
    ``partial_fit`` can weigh by all the series seen so far.
    """
    counts = np.asarray(counts, dtype=np.float64)
    present = np.flatnonzero(counts > 0)
    w = np.ones(len(counts))
    # The formula of sklearn.utils.class_weight.compute_class_weight("balanced"), read from counts.
    w[present] = counts[present].sum() / (len(present) * counts[present])
    return w


def series_weights(weight_of_class: np.ndarray | None, y_idx: np.ndarray | None,
                   sample_weight: np.ndarray | None, n: int) -> np.ndarray:
    """Each series' weight in the loss: its class's weight (if any) times its sample weight (if any)."""
    w = np.ones(n, dtype=np.float64) if weight_of_class is None else np.asarray(weight_of_class)[y_idx]
    if sample_weight is not None:
        w = w * sample_weight
    return w.astype(np.float32)
