"""PyTorch modules of MLSTM-FCN."""

from .ensemble import MLSTMFCNEnsemble, build_network
from .fcn import ConvBlock, FCNBranch
from .lstm import AttentionLSTM
from .masking import MaskedBatchNorm1d
from .network import MLSTMFCN
from .se import SqueezeExcite1d

__all__ = [
    "MLSTMFCN", "MLSTMFCNEnsemble", "build_network", "SqueezeExcite1d", "FCNBranch", "ConvBlock", "AttentionLSTM",
    "MaskedBatchNorm1d",
]
