"""MLSTM-FCN and MALSTM-FCN for multivariate time series classification.

Karim, Majumdar, Darabi & Harford, "Multivariate LSTM-FCNs for time series
classification", Neural Networks 116 (2019), as a scikit-learn estimator.
"""

from .estimator import MLSTMFCNClassifier
from .preprocessing import ChannelStandardScaler, PadTruncate, Resampler

__version__ = "0.1.0"

__all__ = ["MLSTMFCNClassifier", "ChannelStandardScaler", "PadTruncate", "Resampler", "__version__"]
