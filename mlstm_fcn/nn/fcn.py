"""The fully convolutional branch of MLSTM-FCN."""

from __future__ import annotations

from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor, nn

from .defaults import FILTERS, KERNEL_SIZES, SE_REDUCTION
from .masking import MaskedBatchNorm1d, masked_mean
from .se import SqueezeExcite1d


class ConvBlock(nn.Module):
    """Conv1d ("same" padding) -> BatchNorm -> ReLU, optionally followed by SE."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 se_reduction: int | None) -> None:
        super().__init__()
        # "same" padding as Keras and PyTorch place it: (k - 1) // 2 zeros before, k // 2 after.
        # Odd kernels pad symmetrically inside the convolution (no copy); for even ones
        # PyTorch's padding="same" would copy the input with a warning on every call, so the
        # block pads explicitly instead: the same one copy, of the block's input only.
        self._pad = None if kernel_size % 2 else ((kernel_size - 1) // 2, kernel_size // 2)
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size,
                              padding=0 if self._pad else kernel_size // 2)
        self.bn = MaskedBatchNorm1d(out_channels, eps=1e-3, momentum=0.01)  # Keras' defaults
        self.se = SqueezeExcite1d(out_channels, se_reduction) if se_reduction else None
        nn.init.kaiming_uniform_(self.conv.weight, nonlinearity="relu")  # Keras he_uniform
        nn.init.zeros_(self.conv.bias)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:  # noqa: D102
        if self._pad is not None:
            x = F.pad(x, self._pad)
        x = self.bn(self.conv(x), mask).relu()
        if mask is not None:
            # Padded steps must stay zero so that the next convolution sees
            # exactly the zeros that "same" padding gives an unpadded series.
            x = x * mask
        if self.se is not None:
            x = self.se(x, mask)
        return x


class FCNBranch(nn.Module):
    """Stack of :class:`ConvBlock` followed by global average pooling over time.

    Parameters
    ----------
    in_channels : int
        Channels of the input series.
    filters, kernel_sizes : sequence of int
        Filters and kernel size of each block (the paper: 128/256/128, 8/5/3).
    se_reduction : int or None, default=16
        Reduction of the SE blocks that follow every block but the last;
        ``None`` drops them (LSTM-FCN).
    """

    def __init__(self, in_channels: int, filters: Sequence[int] = FILTERS,
                 kernel_sizes: Sequence[int] = KERNEL_SIZES, se_reduction: int | None = SE_REDUCTION) -> None:
        super().__init__()
        if len(filters) != len(kernel_sizes) or not filters:
            raise ValueError("filters and kernel_sizes must be non-empty and of equal length")
        blocks = []
        channels = in_channels
        for i, (f, k) in enumerate(zip(filters, kernel_sizes)):
            last = i == len(filters) - 1
            blocks.append(ConvBlock(channels, f, k, None if last else se_reduction))
            channels = f
        self.blocks = nn.ModuleList(blocks)
        self.out_features = channels

    def feature_maps(self, x: Tensor, mask: Tensor | None = None) -> list[Tensor]:
        """Output of every block, shape ``(n, filters[i], t)`` each."""
        maps = []
        for block in self.blocks:
            x = block(x, mask)
            maps.append(x)
        return maps

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:  # noqa: D102
        for block in self.blocks:
            x = block(x, mask)
        return masked_mean(x, mask)

    def se_blocks(self) -> list[SqueezeExcite1d]:
        """The squeeze-and-excitation blocks, in order."""
        return [b.se for b in self.blocks if b.se is not None]
