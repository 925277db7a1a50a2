"""Helpers for series of unequal length, padded at the end of the time axis.

A *mask* is a float tensor of shape ``(n, 1, t)`` holding 1 on valid steps and
0 on padding; ``None`` means every step is valid, and every helper then takes
the plain (faster) path.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def lengths_to_mask(lengths: Tensor | None, n_timepoints: int, dtype: torch.dtype) -> Tensor | None:
    """Turn per-series lengths ``(n,)`` into a ``(n, 1, t)`` mask, or ``None``."""
    if lengths is None:
        return None
    steps = torch.arange(n_timepoints, device=lengths.device)
    return (steps[None, :] < lengths[:, None]).to(dtype).unsqueeze(1)


def masked_mean(x: Tensor, mask: Tensor | None) -> Tensor:
    """Mean over the last (time) axis, counting valid steps only."""
    if mask is None:
        return x.mean(dim=-1)
    count = mask.sum(dim=-1).clamp_min(1.0)
    return (x * mask).sum(dim=-1) / count


class MaskedBatchNorm1d(nn.BatchNorm1d):
    """``BatchNorm1d`` whose training statistics ignore padded steps.

    Without a mask (or in evaluation mode) it is exactly ``nn.BatchNorm1d``,
    so equal-length data keeps the fused kernel. With a mask, batch mean and
    variance are taken over valid steps only: otherwise the amount of padding
    in a batch would shift the statistics the model learns.
    """

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:  # noqa: D102
        if mask is None or not self.training:
            return super().forward(x)
        count = mask.sum(dim=(0, 2)).clamp_min(2.0)  # per channel: same for all
        mean = (x * mask).sum(dim=(0, 2)) / count
        centred = (x - mean[None, :, None]) * mask
        var = centred.pow(2).sum(dim=(0, 2)) / count
        return self.normalise_with(x, mean, var, count)

    def normalise_with(self, x: Tensor, mean: Tensor, var: Tensor, count: Tensor) -> Tensor:
        """``x`` normalised by batch statistics ``mean``, ``var`` (population) over ``count`` steps per channel.

        Also updates the running statistics (with the unbiased variance), as
        BatchNorm does in training; a layer that takes its statistics
        elsewhere (over several processes, say) calls this with them.
        """
        if self.track_running_stats and self.running_mean is not None:
            with torch.no_grad():
                m = self.momentum if self.momentum is not None else 0.1
                unbiased = var * count / (count - 1.0)
                self.running_mean.lerp_(mean.detach(), m)
                self.running_var.lerp_(unbiased.detach(), m)
                self.num_batches_tracked.add_(1)
        out = (x - mean[None, :, None]) * torch.rsqrt(var[None, :, None] + self.eps)
        if self.affine:
            out = out * self.weight[None, :, None] + self.bias[None, :, None]
        return out
