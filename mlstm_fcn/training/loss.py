"""The training loss: class-weighted cross-entropy, and the class weights it uses."""

from __future__ import annotations

import numpy as np
from sklearn.utils.class_weight import compute_class_weight
from torch import Tensor, nn


def weighted_loss(logits: Tensor, y: Tensor, class_weight: Tensor) -> Tensor:
    """Mean over the batch of class-weighted cross-entropy (Keras' ``class_weight``)."""
    per_sample = nn.functional.cross_entropy(logits.float(), y, reduction="none")
    return (per_sample * class_weight[y]).mean()


def class_weights(class_weight, classes: np.ndarray, y_idx: np.ndarray) -> np.ndarray:
    """Weight of each class in the loss, in ``classes`` order.

    Parameters
    ----------
    class_weight : "balanced", dict or None
        As the estimator's parameter: "balanced" weights classes inversely to
        their frequency in ``y_idx`` (a class absent from it gets 1).
    classes : ndarray of shape (n_classes,)
    y_idx : ndarray of int
        Class indices of the series the network trains on.
    """
    n_classes = len(classes)
    if class_weight is None:
        return np.ones(n_classes)
    if isinstance(class_weight, str):  # "balanced", the one string the parameter takes
        present = np.unique(y_idx)
        w = np.ones(n_classes)
        w[present] = compute_class_weight("balanced", classes=present, y=y_idx)
        return w
    unknown = set(class_weight) - set(classes.tolist())
    if unknown:
        raise ValueError(f"class_weight names labels not in y: {sorted(map(str, unknown))}.")
    return np.array([float(class_weight.get(c, 1.0)) for c in classes])
