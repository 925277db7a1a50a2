"""An estimator's parameters: the constraints both estimators share, and their checks (before a fit,
and on parameters read from a model file)."""

from __future__ import annotations

import os
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import InvalidParameterError, Interval, StrOptions

from .._data.scaling import SCALINGS
from .._runtime.device import PRECISIONS, check_device_name, resolve_device
from ..augmentation import check_augmentation
from ..nn.lstm import ORIENTATIONS

#: Values of ``bn_statistics``.
BN_STATISTICS = ("recompute", "running")

_POSITIVE_INT = [Interval(Integral, 1, None, closed="left")]
_POSITIVE_REAL = [Interval(Real, 0, None, closed="neither")]

#: The constraints of the parameters both estimators have (scikit-learn's ``_parameter_constraints``).
SHARED_CONSTRAINTS: dict = {
    "lstm_units": _POSITIVE_INT,
    "attention": ["boolean"],
    "lstm_orientation": [StrOptions(set(ORIENTATIONS))],
    "filters": [tuple, list],
    "kernel_sizes": [tuple, list],
    "se_reduction": _POSITIVE_INT,
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "scaling": [StrOptions(set(SCALINGS)), None],
    "n_estimators": _POSITIVE_INT,
    "epochs": _POSITIVE_INT,
    "min_epochs": [Interval(Integral, 1, None, closed="left"), None],
    "batch_size": _POSITIVE_INT,
    "learning_rate": _POSITIVE_REAL,
    "min_learning_rate": _POSITIVE_REAL,
    "lr_patience": _POSITIVE_INT,
    "validation_split": [Interval(Real, 0, 1, closed="neither"), None],
    "early_stopping": [Interval(Integral, 1, None, closed="left"), None],
    "bn_statistics": [StrOptions(set(BN_STATISTICS))],
    "warm_start": ["boolean"],
    "device": [str, torch.device],
    "precision": [StrOptions(set(PRECISIONS))],
    "cuda_graph": ["boolean"],
    "cudnn_benchmark": ["boolean"],
    "predict_batch_size": _POSITIVE_INT,
    "data_on_device": [StrOptions({"auto"}), "boolean"],
    "distributed": ["boolean"],
    "fused": [StrOptions({"auto"}), "boolean"],
    "random_state": [Interval(Integral, None, None, closed="neither"), np.random.RandomState,
                     np.random.Generator, None],
    "verbose": ["verbose"],
    "callbacks": [list, tuple, None],
    "checkpoint_dir": [str, os.PathLike, None],
    "checkpoint_every": _POSITIVE_INT,
    # A name, a callable or a list of them: checked by check_augmentation (below).
    "augmentation": [str, callable, list, tuple, None],
    "average_last_epochs": [Interval(Integral, 1, None, closed="left"), None],
    # 0 threads means nothing (joblib refuses it too); negative counts from the cores, -1 all of them.
    "n_jobs": [Interval(Integral, 1, None, closed="left"), Interval(Integral, None, -1, closed="right"), None],
}


def check_params(estimator, *, device_must_exist: bool = True) -> None:
    """scikit-learn's checks of ``estimator._parameter_constraints``, then what they cannot say.

    ``device_must_exist=False`` checks the device's name only: a model fitted
    on a GPU loads (and predicts on the CPU) on a machine without one.

    Raises
    ------
    InvalidParameterError
        A parameter outside its constraints (a ``ValueError``).
    ValueError
        A device this machine does not have (with ``device_must_exist``).
    """
    estimator._validate_params()
    name = type(estimator).__name__
    for p, constraints in estimator._parameter_constraints.items():
        numeric = any(isinstance(c, Interval) for c in constraints)
        if numeric and isinstance(getattr(estimator, p), (bool, np.bool_)):
            # True and False are numbers to Python, never a count, a rate or a seed.
            raise InvalidParameterError(f"The {p!r} parameter of {name} must be a number, "
                                        f"got {getattr(estimator, p)!r}.")
    for p in ("filters", "kernel_sizes"):
        v = getattr(estimator, p)
        if not v or any(isinstance(k, (bool, np.bool_)) or not isinstance(k, Integral) or k < 1 for k in v):
            raise InvalidParameterError(f"The {p!r} parameter of {name} must be a non-empty sequence of "
                                        f"positive integers, got {v!r}.")
    if len(estimator.filters) != len(estimator.kernel_sizes):
        raise InvalidParameterError(f"filters and kernel_sizes must have the same length, got "
                                    f"{len(estimator.filters)} and {len(estimator.kernel_sizes)}.")
    if estimator.callbacks is not None and not all(callable(c) for c in estimator.callbacks):
        raise InvalidParameterError(f"callbacks must be None or a list of callables, got {estimator.callbacks!r}.")
    class_weight = getattr(estimator, "class_weight", None)  # a classifier's only
    if isinstance(class_weight, dict):
        check_class_weight(class_weight)
    try:
        check_augmentation(estimator.augmentation)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(str(exc)) from None
    if estimator.checkpoint_dir is not None and not str(estimator.checkpoint_dir).strip():
        # "" would write checkpoints into the working directory, which nobody means.
        raise InvalidParameterError(f"checkpoint_dir must name a folder or be None, got {estimator.checkpoint_dir!r}.")
    try:
        resolve_device(estimator.device) if device_must_exist else check_device_name(estimator.device)
    except ValueError as exc:
        raise ValueError(str(exc)) from None


def check_class_weight(class_weight: dict) -> None:
    """Refuse class weights that are not numbers, are negative, NaN or infinite, or are all zero.

    The rule :func:`mlstm_fcn._data.targets.check_sample_weight` applies to sample weights.

    (Weights that are zero for every class of ``y`` are refused when the classes are
    known: :func:`mlstm_fcn.training.loss.class_weights`.)

    Raises
    ------
    InvalidParameterError
        Naming the first class whose weight is wrong.
    """
    for label, w in class_weight.items():
        if isinstance(w, (bool, np.bool_)) or not isinstance(w, Real) or not np.isfinite(w) or w < 0:
            raise InvalidParameterError(f"class_weight of class {label!r} is {w!r}; class weights must be finite, "
                                        "non-negative numbers.")
