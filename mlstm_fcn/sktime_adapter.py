"""MLSTM-FCN for sktime: :class:`MLSTMFCNSktime` (a classifier) and :class:`MLSTMFCNRegressorSktime`.

This module imports sktime at its top, so it is not imported by
``mlstm_fcn/__init__.py``; import it explicitly::

    from mlstm_fcn.sktime_adapter import MLSTMFCNRegressorSktime, MLSTMFCNSktime

The adapters only convert sktime's data containers; network and training
are :class:`~mlstm_fcn.MLSTMFCNClassifier`'s and
:class:`~mlstm_fcn.MLSTMFCNRegressor`'s, which they build in ``_fit`` with
the same parameters.
"""

from __future__ import annotations

import inspect

import numpy as np

try:
    from sktime.classification.base import BaseClassifier
    from sktime.regression.base import BaseRegressor
except ImportError as exc:  # sktime is an optional extra: nothing else in mlstm-fcn needs it
    raise ImportError("mlstm_fcn.sktime_adapter needs sktime, an optional extra: pip install 'mlstm-fcn[sktime]' "
                      f"(or pip install sktime) ({exc}).") from exc

from .classifier import MLSTMFCNClassifier
from .io.upgrade import fill_missing_params
from .regressor import MLSTMFCNRegressor


def _to_estimator_input(X):
    """numpy3D passes through; nested_univ (one pd.Series per instance and channel) becomes a
    list of ``(channels, time)`` arrays, the estimators' unequal-length input."""
    if isinstance(X, np.ndarray):
        return X
    return [np.stack([np.asarray(cell, dtype=np.float64) for cell in row]) for row in X.itertuples(index=False)]


#: Tags both adapters declare.
_TAGS = {
    "authors": ["mlstm-fcn developers"],
    "maintainers": ["mlstm-fcn developers"],
    "python_dependencies": "torch",
    # numpy3D input stays as it is; sktime converts any other mtype to the first
    # listed, so that one must hold unequal-length series: nested_univ.
    "X_inner_mtype": ["nested_univ", "numpy3D"],
    "y_inner_mtype": "numpy1D",
    "capability:multivariate": True,
    "capability:unequal_length": True,
    "capability:missing_values": False,
    "capability:random_state": True,
    "property:randomness": "derandomized",
}


class _WrapsEstimator:
    """The parameters of the wrapped estimator ``_ESTIMATOR``: its names, defaults and order.

    A subclass sets ``_ESTIMATOR`` and calls :func:`_take_signature` on itself,
    so that sktime and scikit-learn see the same named parameters, defaults
    included, without a copy of the list.
    """

    _ESTIMATOR: type
    _PARAMETERS: list[inspect.Parameter]

    def __init__(self, *args, **params) -> None:
        names = [p.name for p in self._PARAMETERS]
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes at most {len(names)} positional parameters.")
        given = dict(zip(names, args))
        twice = set(given) & set(params)
        unknown = set(params) - set(names)
        if twice or unknown:
            raise TypeError(f"{type(self).__name__} got unexpected or repeated parameters "
                            f"{sorted(twice | unknown)}.")
        given.update(params)
        for p in self._PARAMETERS:
            setattr(self, p.name, given.get(p.name, p.default))
        super().__init__()

    def __setstate__(self, state: dict) -> None:
        # An adapter pickled by an earlier version lacks the newer parameters: what that version did.
        fill_missing_params(state, self._ESTIMATOR)
        parent = getattr(super(), "__setstate__", None)
        if parent is not None:
            parent(state)
        else:
            self.__dict__.update(state)

    def _estimator_params(self) -> dict:
        return {p.name: getattr(self, p.name) for p in self._PARAMETERS}

    def _fit(self, X, y):
        self.estimator_ = self._ESTIMATOR(**self._estimator_params()).fit(_to_estimator_input(X), y)
        return self

    def _predict(self, X) -> np.ndarray:
        return self.estimator_.predict(_to_estimator_input(X))

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Tiny configurations for sktime's test suite (seconds per fit on a CPU).

        Parameters
        ----------
        parameter_set : str, default="default"
            Ignored; the same sets serve every purpose.

        Returns
        -------
        params : list of dict
        """
        tiny = dict(epochs=2, filters=(4, 4, 4), kernel_sizes=(3, 3, 3), se_reduction=2, lstm_units=2,
                    batch_size=16, device="cpu", random_state=0)
        other = {**tiny, "attention": True, "lstm_orientation": "time", "scaling": "instance", "n_estimators": 2}
        if "class_weight" in inspect.signature(cls._ESTIMATOR).parameters:
            other["class_weight"] = None
        return [tiny, other]


def _take_signature(cls: type) -> type:
    """Give the adapter ``cls`` the parameters of its ``_ESTIMATOR`` (signature and list)."""
    cls._PARAMETERS = [p for p in inspect.signature(cls._ESTIMATOR.__init__).parameters.values()
                       if p.name != "self"]

    def __init__(self, *args, **params) -> None:
        _WrapsEstimator.__init__(self, *args, **params)

    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + cls._PARAMETERS)
    __init__.__doc__ = f"The parameters of {cls._ESTIMATOR.__name__}, with the same meaning and defaults."
    cls.__init__ = __init__
    return cls


@_take_signature
class MLSTMFCNSktime(_WrapsEstimator, BaseClassifier):
    """MLSTM-FCN (Karim et al., 2019) for sktime: multivariate, unequal length, probabilities.

    Accepts every sktime Panel mtype (``numpy3D``, ``nested_univ``,
    ``pd-multiindex``, ...); equal-length data reach the network as a numpy
    array ``(n, C, T)``, unequal-length data as a list of series that the
    network masks. The parameters are those of
    :class:`~mlstm_fcn.MLSTMFCNClassifier`, with the same meaning and defaults.

    Attributes
    ----------
    estimator_ : MLSTMFCNClassifier
        The fitted scikit-learn estimator doing the work.
    classes_ : ndarray
        Class labels (set by sktime's ``BaseClassifier``).

    Examples
    --------
    >>> from mlstm_fcn.sktime_adapter import MLSTMFCNSktime
    >>> from sktime.datasets import load_basic_motions
    >>> X, y = load_basic_motions(split="train", return_type="numpy3D")
    >>> clf = MLSTMFCNSktime(epochs=5, random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).shape
    (2,)
    """

    _ESTIMATOR = MLSTMFCNClassifier
    # n_jobs sets the threads of its fit and predictions (sktime states the tag for classifiers only).
    _tags = {**_TAGS, "capability:predict_proba": True, "capability:class_weight": True,
             "capability:multithreading": True}

    def _predict_proba(self, X) -> np.ndarray:
        # Columns follow estimator_.classes_ = np.unique(y), as sktime's classes_ do.
        return self.estimator_.predict_proba(_to_estimator_input(X))


@_take_signature
class MLSTMFCNRegressorSktime(_WrapsEstimator, BaseRegressor):
    """MLSTM-FCN as an sktime regressor (time series extrinsic regression).

    Accepts every sktime Panel mtype, as :class:`MLSTMFCNSktime` does. The
    parameters are those of :class:`~mlstm_fcn.MLSTMFCNRegressor`, with the
    same meaning and defaults.

    Attributes
    ----------
    estimator_ : MLSTMFCNRegressor
        The fitted scikit-learn estimator doing the work.

    Examples
    --------
    >>> from mlstm_fcn.sktime_adapter import MLSTMFCNRegressorSktime
    >>> from sktime.datasets import load_tecator
    >>> X, y = load_tecator(split="train", return_type="numpy3D")
    >>> reg = MLSTMFCNRegressorSktime(epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _ESTIMATOR = MLSTMFCNRegressor
    _tags = dict(_TAGS)


__all__ = ["MLSTMFCNRegressorSktime", "MLSTMFCNSktime"]
