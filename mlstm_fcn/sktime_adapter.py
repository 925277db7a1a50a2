"""MLSTM-FCN as an sktime classifier: :class:`MLSTMFCNSktime`.

This module imports sktime at its top, so it is not imported by
``mlstm_fcn/__init__.py``; import it explicitly::

    from mlstm_fcn.sktime_adapter import MLSTMFCNSktime

The adapter only converts sktime's data containers; network and training
are :class:`~mlstm_fcn.MLSTMFCNClassifier`'s, which it builds in ``_fit`` with
the same parameters.
"""

from __future__ import annotations

import inspect

import numpy as np
from sktime.classification.base import BaseClassifier

from .estimator import MLSTMFCNClassifier
from .io.upgrade import fill_missing_params


def _to_estimator_input(X):
    """numpy3D passes through; nested_univ (one pd.Series per instance and channel) becomes a
    list of ``(channels, time)`` arrays, the classifier's unequal-length input."""
    if isinstance(X, np.ndarray):
        return X
    return [np.stack([np.asarray(cell, dtype=np.float64) for cell in row]) for row in X.itertuples(index=False)]


class MLSTMFCNSktime(BaseClassifier):
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

    _tags = {
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
        "capability:predict_proba": True,
        "capability:class_weight": True,
        "capability:random_state": True,
        "property:randomness": "derandomized",
    }

    #: The parameters: MLSTMFCNClassifier's, names, defaults and order (see the signature below).
    _PARAMETERS = [p for p in inspect.signature(MLSTMFCNClassifier.__init__).parameters.values()
                   if p.name != "self"]

    def __init__(self, *args, **params) -> None:
        # The signature is MLSTMFCNClassifier's (set below), so that sktime and scikit-learn see
        # the same named parameters, defaults included, without a copy of the list here.
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

    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + _PARAMETERS)

    def __setstate__(self, state: dict) -> None:
        # An adapter pickled by an earlier version lacks the newer parameters: what that version did.
        fill_missing_params(state, MLSTMFCNClassifier)
        parent = getattr(super(), "__setstate__", None)
        if parent is not None:
            parent(state)
        else:
            self.__dict__.update(state)

    def _estimator_params(self) -> dict:
        return {p.name: getattr(self, p.name) for p in self._PARAMETERS}

    def _fit(self, X, y) -> "MLSTMFCNSktime":
        self.estimator_ = MLSTMFCNClassifier(**self._estimator_params()).fit(_to_estimator_input(X), y)
        return self

    def _predict(self, X) -> np.ndarray:
        return self.estimator_.predict(_to_estimator_input(X))

    def _predict_proba(self, X) -> np.ndarray:
        # Columns follow estimator_.classes_ = np.unique(y), as sktime's classes_ do.
        return self.estimator_.predict_proba(_to_estimator_input(X))

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
        return [tiny, {**tiny, "attention": True, "class_weight": None, "lstm_orientation": "time",
                       "scaling": "instance", "n_estimators": 2}]
