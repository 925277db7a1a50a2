"""MLSTM-FCN and MALSTM-FCN for multivariate time series classification (and regression).

Karim, Majumdar, Darabi & Harford, "Multivariate LSTM-FCNs for time series
classification", Neural Networks 116 (2019), as scikit-learn estimators.
"""

from .estimator import MLSTMFCNClassifier
from .models import load_model
from .regressor import MLSTMFCNRegressor
from .preprocessing import ChannelStandardScaler, PadTruncate, Resampler

__version__ = "0.1.0"

__all__ = ["MLSTMFCNClassifier", "MLSTMFCNRegressor", "load_model", "ChannelStandardScaler", "PadTruncate", "Resampler", "__version__"]
