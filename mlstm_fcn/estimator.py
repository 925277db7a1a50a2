"""The classifier's former home, kept so that earlier code and pickles find it.

The classifier lives in :mod:`mlstm_fcn.classifier` (beside :mod:`mlstm_fcn.regressor`).
``from mlstm_fcn.estimator import MLSTMFCNClassifier`` keeps working, and so do
pickles written before the move: they name the class by this module's path.
"""

from .classifier import MLSTMFCNClassifier

__all__ = ["MLSTMFCNClassifier"]
