"""MLSTM-FCN and MALSTM-FCN for multivariate time series classification (and regression).

Karim, Majumdar, Darabi & Harford, "Multivariate LSTM-FCNs for time series
classification", Neural Networks 116 (2019), as scikit-learn estimators.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._warnings import LayoutWarning, LongTableWarning

#: The version of mlstm-fcn, stated here only (the packaging reads it; ``CITATION.cff`` repeats it,
#: checked by the tests).
__version__ = "0.1.0"

#: Public name -> the module defining it. Imported on first use: the estimators pull in torch,
#: scikit-learn and scipy (seconds), which ``import mlstm_fcn`` alone, or the command line's
#: ``--help``, should not pay for.
_LAZY = {
    "MLSTMFCNClassifier": ".classifier",
    "MLSTMFCNRegressor": ".regressor",
    "load_model": ".loading",
    "ChannelStandardScaler": ".preprocessing",
    "PadTruncate": ".preprocessing",
    "Resampler": ".preprocessing",
}

if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names load lazily
    from .classifier import MLSTMFCNClassifier
    from .loading import load_model
    from .preprocessing import ChannelStandardScaler, PadTruncate, Resampler
    from .regressor import MLSTMFCNRegressor


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = ["MLSTMFCNClassifier", "MLSTMFCNRegressor", "load_model", "ChannelStandardScaler", "PadTruncate",
           "Resampler", "LayoutWarning", "LongTableWarning", "__version__"]
