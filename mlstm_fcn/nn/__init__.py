"""PyTorch modules of MLSTM-FCN."""

from .ensemble import MLSTMFCNEnsemble, build_network
from .fcn import ConvBlock, FCNBranch
from .lstm import AttentionLSTM, AttentionLSTMBranch, LSTMBranch, RecurrentBranch
from .masking import MaskedBatchNorm1d, lengths_to_mask, masked_mean
from .network import MLSTMFCN
from .se import SqueezeExcite1d

__all__ = [
    "MLSTMFCN", "MLSTMFCNEnsemble", "build_network", "SqueezeExcite1d", "FCNBranch", "ConvBlock", "LSTMBranch", "AttentionLSTM",
    "AttentionLSTMBranch", "RecurrentBranch", "MaskedBatchNorm1d", "lengths_to_mask", "masked_mean",
]
