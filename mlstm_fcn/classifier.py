"""``MLSTMFCNClassifier``: MLSTM-FCN as a scikit-learn classifier.

The fitting machinery it shares with the regressor lives in
:mod:`mlstm_fcn._estimator.base`; here are the classifier's parameters, its targets
(class labels), its loss weights (class weights times sample weights) and
its predictions.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from numbers import Integral

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets

from . import inference
from ._data.targets import check_y
from ._estimator.base import MLSTMFCNBase
from ._estimator.docstrings import classifier_docstring
from ._estimator.param_checks import SHARED_CONSTRAINTS
from .nn import defaults as paper
from .training import protocol
from .training.loss import balanced_weights, class_weights, series_weights
from .training.objective import Classification

#: Parameter order of the classifier (its ``__init__``), which the docstring follows.


def _labels(values) -> list:
    """Labels as Python values for messages: ``'standing'``, not numpy 2's ``np.str_('standing')``."""
    return np.asarray(values).tolist()


class MLSTMFCNClassifier(ClassifierMixin, MLSTMFCNBase):
    _parameter_constraints: dict = {
        **SHARED_CONSTRAINTS,
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "stop_when_fitted": [Interval(Integral, 1, None, closed="left"), None],
    }
    _objective = Classification()
    _ensemble_combine = "probability"

    def __init__(self, lstm_units: int = paper.LSTM_UNITS, attention: bool = False,
                 lstm_orientation: str = paper.LSTM_ORIENTATION, filters: Sequence[int] = paper.FILTERS,
                 kernel_sizes: Sequence[int] = paper.KERNEL_SIZES, se_reduction: int = paper.SE_REDUCTION,
                 dropout: float = paper.DROPOUT, scaling: str | None = None, n_estimators: int = 1,
                 epochs: int = 1000, min_epochs: int | None = 100, batch_size: int = 16,
                 learning_rate: float = protocol.LEARNING_RATE,
                 min_learning_rate: float = protocol.MIN_LEARNING_RATE, lr_patience: int = protocol.LR_PATIENCE,
                 class_weight="balanced", validation_split: float | None = None,
                 early_stopping: int | None = None, stop_when_fitted: int | None = 20,
                 bn_statistics: str = "recompute", warm_start: bool = False, device="auto",
                 precision: str = "auto", cuda_graph: bool = True, cudnn_benchmark: bool = True,
                 predict_batch_size: int = 1024, random_state=None, verbose: int = 0,
                 callbacks: Sequence | None = None, checkpoint_dir: str | os.PathLike | None = None,
                 checkpoint_every: int = 10, fused="auto", data_on_device: str | bool = "auto",
                 distributed: bool = False, augmentation="cutmix", average_last_epochs: int | None = None,
                 n_jobs: int | None = None) -> None:
        # Every parameter stored as given, nothing else (scikit-learn's contract).
        vars(self).update({k: v for k, v in locals().items() if k != "self"})

    @classmethod
    def from_preset(cls, name: str, **params) -> "MLSTMFCNClassifier":
        """An estimator configured by a named preset, e.g. the paper's.

        Parameters
        ----------
        name : str
            A preset of :data:`mlstm_fcn.presets.PRESETS`: ``"paper"`` (the
            faithful MLSTM-FCN of Karim et al.) or ``"paper-attention"``
            (MALSTM-FCN).
        **params
            Parameters that override the preset's or add to them
            (``random_state``, ``device``, ...).

        Returns
        -------
        estimator : MLSTMFCNClassifier
            Unfitted.

        Examples
        --------
        >>> clf = MLSTMFCNClassifier.from_preset("paper", random_state=0, epochs=50)
        >>> clf.epochs, clf.lstm_orientation
        (50, 'channels')
        """
        from .presets import get_preset

        return cls(**{**get_preset(name), **params})

    # ------------------------------------------------------------------- fit
    def fit(self, X, y, sample_weight=None) -> "MLSTMFCNClassifier":
        """Train on ``X`` ``(n, C, T)`` (or ``(n, T)``, or a list of ``(C, T_i)``) and labels ``y``.

        With ``warm_start=True`` and a fitted model, training continues
        from where the last fit ended, for up to ``epochs`` more epochs.

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)
            Training series: numpy array or torch tensor; 2D input is taken
            as univariate; a list of arrays or trailing-NaN padding gives
            unequal-length series.
        y : array-like of shape (n_instances,)
            Labels of any type (strings, integers).
        sample_weight : array-like of shape (n_instances,) or None, default=None
            Weight of each series in the loss (times its class weight);
            zero weights are allowed. Weights of 2 make a series count as
            much as two copies of it in every batch it is drawn in, which is
            not quite duplicating it (a copy may land in another batch).

        Returns
        -------
        self : MLSTMFCNClassifier
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

    def partial_fit(self, X, y, classes=None, sample_weight=None) -> "MLSTMFCNClassifier":
        """Train one epoch on ``X``, ``y``, continuing from the previous call (or fit).

        For data that arrives in parts or does not fit in memory at once: each
        call makes one pass over the series given, in mini-batches, with the
        optimizer, learning-rate schedule and random streams carried over
        from the call before. The model keeps the latest weights (not the
        best: losses of different parts are not comparable), and with
        ``bn_statistics="recompute"`` BatchNorm statistics of this call's
        series; :meth:`recompute_bn_statistics` on a representative sample
        sets better ones. ``validation_split``, the stop rules and
        ``checkpoint_dir`` do not apply.

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)
            Series of this part.
        y : array-like of shape (n_instances,)
            Their labels.
        classes : array-like of shape (n_classes,) or None, default=None
            Every class of all calls. Needed on the first call unless that
            call's ``y`` holds every class; later calls may leave it out.
        sample_weight : array-like of shape (n_instances,) or None, default=None
            Weight of each series in the loss.

        Returns
        -------
        self : MLSTMFCNClassifier
        """
        return self._fit_keeping_state(X, y, sample_weight, partial=True, classes=classes)

    # The classifier's part of fitting (see MLSTMFCNBase).
    def _encode_targets(self, y, n: int, *, continuing: bool, partial: bool, classes) -> np.ndarray:
        y = check_y(y, n)
        check_classification_targets(y)  # "Unknown label type: continuous" for regression targets
        if continuing:
            if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
                raise ValueError(f"classes={_labels(np.unique(classes))} differ from the classes of the "
                                 f"first call, {_labels(self.classes_)}.")
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            if unknown.size:
                raise ValueError(f"y has classes not seen before ({_labels(unknown)}); this model was fitted "
                                 f"on {_labels(self.classes_)}. Pass every class in 'classes' on the first "
                                 "partial_fit call.")
            if not partial and not np.array_equal(np.unique(y), self.classes_):
                raise ValueError(f"warm_start can only continue on y with the classes of the previous fit "
                                 f"({_labels(self.classes_)}); this y has {_labels(np.unique(y))}.")
            return np.searchsorted(self.classes_, y)
        if classes is not None:
            classes = np.unique(check_y(classes, len(classes)))
            unknown = np.setdiff1d(np.unique(y), classes)
            if unknown.size:
                raise ValueError(f"y has labels {_labels(unknown)} that are not in classes={_labels(classes)}.")
            self.classes_ = classes
        else:
            self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"y has a single class ({_labels(self.classes_[:1])[0]!r}); a classifier needs at "
                             "least 2, one class is not enough.")
        return np.searchsorted(self.classes_, y)

    def _fit_targets(self, targets: np.ndarray, sample_weight: np.ndarray | None) -> None:
        """Class labels need no statistics (``classes_`` is set with the targets)."""

    def _training_targets(self, targets: np.ndarray) -> np.ndarray:
        return targets

    def _count_seen(self, targets: np.ndarray, sample_weight: np.ndarray | None, first: bool) -> None:
        counts = np.bincount(targets, weights=sample_weight, minlength=len(self.classes_)).astype(np.float64)
        self.class_count_ = counts if first or not hasattr(self, "class_count_") else self.class_count_ + counts

    def _series_weights(self, targets, sample_weight, idx, weight_idx, partial: bool) -> np.ndarray:
        sw = None if sample_weight is None else sample_weight[idx]
        if partial and isinstance(self.class_weight, str):
            per_class = balanced_weights(self.class_count_)  # "balanced" over every series seen so far
        else:
            per_class = class_weights(self.class_weight, self.classes_, targets[weight_idx],
                                      None if sample_weight is None else sample_weight[weight_idx])
        return series_weights(per_class, targets[idx], sw, len(idx))

    def _stratify(self, targets: np.ndarray) -> np.ndarray:
        return targets

    def _n_outputs(self) -> int:
        return len(self.classes_)

    def _run_arrays(self, X_arr, lengths, targets) -> list:
        return [X_arr, lengths, targets, self.classes_]

    def _final_figures(self, loss: float, accuracy: float) -> None:
        self.train_loss_, self.train_accuracy_ = loss, accuracy

    # ----------------------------------------------------------------- predict
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape ``(n_instances, n_classes)``, columns in ``classes_`` order.

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)
            Series with the channels (and length) seen in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_instances, n_classes)
        """
        return inference.predict_proba(self, X)

    def predict(self, X) -> np.ndarray:
        """Predicted labels, shape ``(n_instances,)``, taken from ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)
            Series with the channels (and length) seen in ``fit``.

        Returns
        -------
        labels : ndarray of shape (n_instances,)
        """
        winners = inference.logits(self, X).argmax(axis=1)  # first: an unfitted model says so
        return self.classes_[winners]

    # ------------------------------------------------------------ ONNX export
    def export_onnx(self, path: str | os.PathLike, opset: int | None = None) -> None:
        """Write the fitted model as one ONNX graph, to run without this library (ONNX Runtime, say).

        The graph is all of :meth:`predict_proba` for series of the fitted
        shape: input ``"series"``, raw float32 series of shape
        ``(batch, n_channels_, n_timepoints_)`` (any batch); output
        ``"probabilities"``, float32 ``(batch, n_classes)`` with columns in
        ``classes_`` order. It holds the input scaling (``scaling_``), both
        branches (the attention LSTM too) and, for an ensemble, the mean of
        the networks' probabilities. The model's ``metadata_props`` give, as
        JSON strings, ``classes``, ``n_channels``, ``n_timepoints``,
        ``equal_length``, ``padding`` and ``scaling`` (see
        :func:`mlstm_fcn.io.onnx_export.metadata`). The network runs in float32,
        as ``predict`` runs it on a CPU (a model fitted with bf16 mixed
        precision on a GPU too); scaling and softmax are computed in float64
        as ``predict_proba`` computes them.

        Series length follows ``predict``'s rule. A model fitted on equal
        lengths takes exactly ``n_timepoints_`` steps (the runtime refuses
        others). A model fitted on unequal lengths is exported with its
        masking: its input takes any number of steps, series NaN-padded at
        the end (every channel NaN), as :func:`~mlstm_fcn.datasets.load_uea`
        and lists of series give them to ``predict``; the graph reads the
        lengths from the padding, pads to ``n_timepoints_`` and cuts longer
        series to it (``predict`` warns when that cuts valid steps; the
        graph cannot). What ``predict`` refuses by checking values (NaN
        inside a series, infinity) the graph does not check: NaN in an
        equal-length model's input gives NaN probabilities, and an
        unequal-length model reads NaN inside a series as zero.

        Parameters
        ----------
        path : str or path-like
            The ``.onnx`` file to write, in an existing folder.
        opset : int or None, default=None
            ONNX opset version; None takes the exporter's default.

        Raises
        ------
        NotFittedError
            The estimator is not fitted.
        FileNotFoundError
            The folder of ``path`` does not exist.
        ImportError
            The exporter's packages are missing: ``pip install 'mlstm-fcn[export]'``.
        ValueError
            The installed exporter cannot write the model at ``opset``.
        """
        from .io import onnx_export  # onnx and onnxscript are optional: imported on use only

        onnx_export.export_onnx(self, path, opset)


MLSTMFCNClassifier.__doc__ = classifier_docstring(MLSTMFCNClassifier)

__all__ = ["MLSTMFCNClassifier"]
