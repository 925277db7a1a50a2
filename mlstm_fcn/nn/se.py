"""Squeeze-and-excitation for 1-D feature maps (Hu et al., "Squeeze-and-Excitation Networks")."""

from __future__ import annotations

import math

from torch import Tensor, nn

from .defaults import SE_REDUCTION
from .masking import masked_mean


class SqueezeExcite1d(nn.Module):
    """Rescale each channel of a ``(n, channels, t)`` map by a learned gate.

    squeeze: the time mean of each channel; excitation:
    ``sigmoid(W2 relu(W1 s))`` with ``W1: C -> max(1, C // reduction)`` and
    ``W2`` back to ``C``, both without bias; output: ``x * gate``.

    Parameters
    ----------
    channels : int
        Number of channels ``C`` of the input.
    reduction : int, default=16
        Reduction ratio ``r`` of the bottleneck.
    """

    def __init__(self, channels: int, reduction: int = SE_REDUCTION) -> None:
        super().__init__()
        if channels < 1 or reduction < 1:
            raise ValueError(f"channels and reduction must be >= 1, got {channels} and {reduction}")
        hidden = max(1, channels // reduction)
        self.squeeze_fc = nn.Linear(channels, hidden, bias=False)
        self.excite_fc = nn.Linear(hidden, channels, bias=False)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """He-normal (truncated, as Keras' ``he_normal``) init of both layers."""
        for layer in (self.squeeze_fc, self.excite_fc):
            fan_in = layer.weight.shape[1]
            # Keras divides by the std of a unit normal truncated at +-2 sigma.
            std = math.sqrt(2.0 / fan_in) / 0.87962566103423978
            nn.init.trunc_normal_(layer.weight, std=std, a=-2 * std, b=2 * std)

    def gate(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """Channel gates in (0, 1), shape ``(n, channels)``."""
        squeezed = masked_mean(x, mask)
        return self.excite_fc(self.squeeze_fc(squeezed).relu()).sigmoid()

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:  # noqa: D102
        return x * self.gate(x, mask).unsqueeze(-1)
