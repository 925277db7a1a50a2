"""What differs between the classifier and the regressor: the hooks the shared fit calls, with their contract.

:class:`~mlstm_fcn._estimator.base.MLSTMFCNBase` calls these and nothing else of its
subclasses; each subclass defines them for its task.
"""

from __future__ import annotations

import numpy as np

from ..training.objective import Objective


class TaskHooks:
    """The task's part of a fit: targets, loss weights, outputs and final figures (defined by each estimator)."""

    #: What the networks are trained to do (loss, whether accuracy is counted).
    _objective: Objective
    #: How an ensemble averages its members (see :class:`~mlstm_fcn.nn.MLSTMFCNEnsemble`).
    _ensemble_combine: str

    def _encode_targets(self, y, n: int, *, continuing: bool, partial: bool, classes) -> np.ndarray:
        """``y`` checked and encoded for training (class indices, or float targets); sets ``classes_`` and the like.

        A continued fit (``continuing``) checks ``y`` against what was fitted.
        """
        raise NotImplementedError

    def _fit_targets(self, targets: np.ndarray, sample_weight: np.ndarray | None) -> None:
        """Learn what the targets need on a fresh fit (a regressor's standardisation); nothing for classes."""
        raise NotImplementedError

    def _training_targets(self, targets: np.ndarray) -> np.ndarray:
        """The targets as the networks train on them (standardised for a regressor)."""
        raise NotImplementedError

    def _count_seen(self, targets: np.ndarray, sample_weight: np.ndarray | None, first: bool) -> None:
        """Note the targets of a ``partial_fit`` call (the classifier counts classes); nothing by default."""

    def _series_weights(self, targets: np.ndarray, sample_weight: np.ndarray | None, idx: np.ndarray,
                        weight_idx: np.ndarray, partial: bool) -> np.ndarray:
        """Loss weight of each series at ``idx``, class weights (if any) taken from the series at ``weight_idx``."""
        raise NotImplementedError

    def _stratify(self, targets: np.ndarray) -> np.ndarray | None:
        """What ``validation_split`` stratifies by (the classes), or None."""
        raise NotImplementedError

    def _n_outputs(self) -> int:
        """Outputs of each network (classes, or targets)."""
        raise NotImplementedError

    def _run_arrays(self, X_arr, lengths, targets) -> list:
        """The arrays that, with the parameters, identify a training run (checkpoint names)."""
        raise NotImplementedError

    def _final_figures(self, loss: float, accuracy: float) -> None:
        """Set the fitted model's training figures (``train_loss_`` and the task's others)."""
        raise NotImplementedError


__all__ = ["TaskHooks"]
