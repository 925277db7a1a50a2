"""Loading a model file whichever estimator wrote it."""

from __future__ import annotations

import os

from .classifier import MLSTMFCNClassifier
from .io.model_file import estimator_name
from .regressor import MLSTMFCNRegressor

#: The estimators a model file can hold, by the class name it records.
ESTIMATORS = {cls.__name__: cls for cls in (MLSTMFCNClassifier, MLSTMFCNRegressor)}


def load_model(path: str | os.PathLike) -> MLSTMFCNClassifier | MLSTMFCNRegressor:
    """The fitted classifier or regressor saved in ``path`` (by its ``save``); the file runs no code.

    Parameters
    ----------
    path : str or path-like
        A model file.

    Returns
    -------
    estimator : MLSTMFCNClassifier or MLSTMFCNRegressor

    Raises
    ------
    ValueError
        If the file is not an mlstm-fcn model file, is damaged, or holds an
        estimator this version does not know.
    """
    name = estimator_name(path)
    if name not in ESTIMATORS:
        raise ValueError(f"{os.fspath(path)!r} holds a {name[:80]}, which this mlstm-fcn cannot load "
                         f"(it knows {', '.join(ESTIMATORS)}).")
    return ESTIMATORS[name].load(path)
