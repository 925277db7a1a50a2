"""MLSTM-FCN: the FCN branch and the (attention) LSTM branch side by side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from .defaults import DROPOUT, FILTERS, KERNEL_SIZES, LSTM_ORIENTATION, LSTM_UNITS, SE_REDUCTION
from .fcn import FCNBranch
from .lstm import AttentionLSTMBranch, LSTMBranch
from .masking import lengths_to_mask


class MLSTMFCN(nn.Module):
    """Multivariate LSTM-FCN (Karim et al., 2019); returns class logits.

    Parameters
    ----------
    n_channels : int
        Channels ``C`` of the input ``(n, C, T)``.
    n_timepoints : int
        Length ``T`` (the LSTM's input size after the dimension shuffle).
    n_classes : int
        Number of output logits.
    lstm_units : int, default=8
        Cells of the LSTM branch.
    attention : bool, default=False
        Use the attention LSTM (MALSTM-FCN).
    filters, kernel_sizes : sequence of int
        Convolution blocks of the FCN branch.
    se_reduction : int or None, default=16
        Reduction ratio of the squeeze-and-excitation blocks (None: no SE).
    dropout : float, default=0.8
        Dropout on the LSTM branch's output.
    lstm_orientation : {"channels", "time"}, default="channels"
        What the LSTM steps over: the channels, each step one channel's
        whole series (the paper's dimension shuffle), or the time steps.
    """

    def __init__(self, n_channels: int, n_timepoints: int, n_classes: int, *,
                 lstm_units: int = LSTM_UNITS, attention: bool = False,
                 filters: Sequence[int] = FILTERS, kernel_sizes: Sequence[int] = KERNEL_SIZES,
                 se_reduction: int | None = SE_REDUCTION, dropout: float = DROPOUT,
                 lstm_orientation: str = LSTM_ORIENTATION) -> None:
        super().__init__()
        self.config: dict[str, Any] = dict(
            n_channels=n_channels, n_timepoints=n_timepoints, n_classes=n_classes,
            lstm_units=lstm_units, attention=attention, filters=tuple(filters),
            kernel_sizes=tuple(kernel_sizes), se_reduction=se_reduction, dropout=dropout,
            lstm_orientation=lstm_orientation)
        branch = AttentionLSTMBranch if attention else LSTMBranch
        input_size = n_timepoints if lstm_orientation == "channels" else n_channels
        self.lstm_branch = branch(input_size, lstm_units, dropout, lstm_orientation)
        self.fcn_branch = FCNBranch(n_channels, filters, kernel_sizes, se_reduction)
        self.head = nn.Linear(self.lstm_branch.out_features + self.fcn_branch.out_features, n_classes)
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Logits ``(n, n_classes)`` for ``x`` ``(n, C, T)``, zero-padded past ``lengths``."""
        mask = lengths_to_mask(lengths, x.shape[-1], x.dtype)
        return self.head(torch.cat([self.lstm_branch(x, lengths), self.fcn_branch(x, mask)], dim=1))
