"""``MLSTMFCNRegressor``: the MLSTM-FCN network with a linear output, as a scikit-learn regressor.

Time-series extrinsic regression (Tan et al., "Time series extrinsic
regression", Data Mining and Knowledge Discovery 2021): one number (or
several) per series. The network, training protocol and fitting machinery
are the classifier's (:mod:`mlstm_fcn._estimator.base`); the head outputs the
targets, standardised inside ``fit``, and the loss is the squared error.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from sklearn.base import RegressorMixin

from . import inference
from ._data.targets import check_regression_targets, target_statistics
from ._estimator.base import MLSTMFCNBase
from ._estimator.docstrings import regressor_docstring
from ._estimator.param_checks import SHARED_CONSTRAINTS
from .nn import defaults as paper
from .training import protocol
from .training.loss import series_weights
from .training.objective import Regression

#: Parameter order of the regressor (its ``__init__``): the classifier's without class weights and the fitted rule.


class MLSTMFCNRegressor(RegressorMixin, MLSTMFCNBase):
    _parameter_constraints: dict = dict(SHARED_CONSTRAINTS)
    _objective = Regression()
    _ensemble_combine = "mean"

    def __init__(self, lstm_units: int = paper.LSTM_UNITS, attention: bool = False,
                 lstm_orientation: str = paper.LSTM_ORIENTATION, filters: Sequence[int] = paper.FILTERS,
                 kernel_sizes: Sequence[int] = paper.KERNEL_SIZES, se_reduction: int = paper.SE_REDUCTION,
                 dropout: float = paper.DROPOUT, scaling: str | None = None, n_estimators: int = 1,
                 epochs: int = protocol.PAPER_EPOCHS, min_epochs: int | None = None,
                 batch_size: int = protocol.BATCH_SIZE,
                 learning_rate: float = protocol.LEARNING_RATE,
                 min_learning_rate: float = protocol.MIN_LEARNING_RATE, lr_patience: int = protocol.LR_PATIENCE,
                 validation_split: float | None = None, early_stopping: int | None = None,
                 bn_statistics: str = "recompute", warm_start: bool = False, device="auto",
                 precision: str = "auto", cuda_graph: bool = True, cudnn_benchmark: bool = True,
                 predict_batch_size: int = 1024, random_state=None, verbose: int = 0,
                 callbacks: Sequence | None = None, checkpoint_dir: str | os.PathLike | None = None,
                 checkpoint_every: int = 10, fused="auto", data_on_device: str | bool = "auto",
                 distributed: bool = False, augmentation=None, average_last_epochs: int | None = None,
                 n_jobs: int | None = None) -> None:
        # Every parameter stored as given, nothing else (scikit-learn's contract).
        vars(self).update({k: v for k, v in locals().items() if k != "self"})

    # ------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None) -> "MLSTMFCNRegressor":
        """Train on ``X`` ``(n, C, T)`` (or ``(n, T)``, or a list of ``(C, T_i)``) and targets ``y``.

        With ``warm_start=True`` and a fitted model, training continues
        from where the last fit ended, for up to ``epochs`` more epochs.

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)
            Training series: numpy array or torch tensor; 2D input is taken
            as univariate; a list of arrays or trailing-NaN padding gives
            unequal-length series.
        y : array-like of shape (n_instances,) or (n_instances, n_outputs)
            Numeric targets; a 2D ``y`` trains one output per column.
        sample_weight : array-like of shape (n_instances,) or None, default=None
            Weight of each series in the loss (and in the targets'
            standardisation); zero weights are allowed.

        Returns
        -------
        self : MLSTMFCNRegressor
            The fitted estimator.

        Warns
        -----
        LayoutWarning
            When ``X`` looks laid out ``(n, time, channels)``, with many more
            channels than time steps (:class:`mlstm_fcn.LayoutWarning` gives
            the rule and how to silence it).
        LongTableWarning
            When a 2D ``X`` looks like a long table, one row per series and
            time step (:func:`mlstm_fcn.datasets.from_long_table` turns one
            into series).
        """
        return self._fit_keeping_state(X, y, sample_weight, partial=False)

    def partial_fit(self, X, y, sample_weight=None) -> "MLSTMFCNRegressor":
        """Train one epoch on ``X``, ``y``, continuing from the previous call (or fit).

        Each call makes one pass over the series given with the optimizer,
        schedule and random streams carried over; the targets'
        standardisation is that of the first call. The model keeps the latest
        weights; see :meth:`MLSTMFCNClassifier.partial_fit
        <mlstm_fcn.MLSTMFCNClassifier.partial_fit>` for BatchNorm statistics
        and what does not apply.

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)
            Series of this part.
        y : array-like of shape (n_instances,) or (n_instances, n_outputs)
            Their targets.
        sample_weight : array-like of shape (n_instances,) or None, default=None
            Weight of each series in the loss.

        Returns
        -------
        self : MLSTMFCNRegressor
        """
        return self._fit_keeping_state(X, y, sample_weight, partial=True)

    # The regressor's part of fitting (see MLSTMFCNBase).
    def _encode_targets(self, y, n: int, *, continuing: bool, partial: bool, classes) -> np.ndarray:
        targets, one_d = check_regression_targets(y, n)
        if continuing and targets.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {targets.shape[1]} output(s), but {type(self).__name__} was fitted on "
                             f"{self.n_outputs_}.")
        if not continuing:
            self.n_outputs_ = targets.shape[1]
            self.y_1d_ = one_d
        return targets

    def _fit_targets(self, targets: np.ndarray, sample_weight: np.ndarray | None) -> None:
        self.y_mean_, self.y_scale_ = target_statistics(targets, sample_weight)

    def _training_targets(self, targets: np.ndarray) -> np.ndarray:
        return ((targets - self.y_mean_) / self.y_scale_).astype(np.float32)

    def _series_weights(self, targets, sample_weight, idx, weight_idx, partial: bool) -> np.ndarray:
        return series_weights(None, None, None if sample_weight is None else sample_weight[idx], len(idx))

    def _stratify(self, targets: np.ndarray) -> None:
        return None  # continuous targets: a plain random split

    def _n_outputs(self) -> int:
        return self.n_outputs_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # a 2D y trains one output per column
        return tags

    def _run_arrays(self, X_arr, lengths, targets) -> list:
        return [X_arr, lengths, targets]

    def _final_figures(self, loss: float, accuracy: float) -> None:
        self.train_loss_ = loss

    # ----------------------------------------------------------------- predict
    def predict(self, X) -> np.ndarray:
        """Predicted targets, in the units of ``y``.

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)
            Series with the channels (and length) seen in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_instances,) or (n_instances, n_outputs)
            1D when ``fit`` was given a 1D ``y``.
        """
        out = inference.logits(self, X).astype(np.float64) * self.y_scale_ + self.y_mean_
        return out[:, 0] if self.y_1d_ else out


MLSTMFCNRegressor.__doc__ = regressor_docstring(MLSTMFCNRegressor)

__all__ = ["MLSTMFCNRegressor"]
