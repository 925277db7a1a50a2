"""Exact BatchNorm statistics for the weights a fit keeps ("precise BN").

During training each BatchNorm normalises with its batch's own statistics
and keeps a running average for prediction. With Keras' momentum (0.99, i.e.
PyTorch ``momentum=0.01``) and the one to three batches per epoch of a small
UEA dataset, that average after a few hundred updates is still dominated by
early weights and by its initial values, so the network that ``predict``
runs is not the one whose training figures the history shows. Recomputing
the statistics once for the kept weights fixes that (Wu & Johnson,
"Rethinking 'Batch' in BatchNorm", 2021; ``torch.optim.swa_utils.update_bn``
does the same for SWA).

Here the statistics are exact: layer by layer, in forward order, each
BatchNorm gets the mean and (population) variance over all valid steps of
the training series of the input it sees in evaluation mode, that is with
the layers before it already using their new statistics. The result does not
depend on how the data is batched, and on a training set that fits in one
batch the evaluation-mode network equals the training-mode one without
dropout.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .._runtime.batch_halving import BatchSizer, as_sizer
from .._runtime.device import autocast_context


class _Collected(Exception):
    """Raised by the collecting hook: the rest of the forward pass is not needed."""


def batchnorm_layers(network: nn.Module) -> list[nn.BatchNorm1d]:
    """The network's BatchNorm layers that keep running statistics, in registration (forward) order."""
    return [m for m in network.modules()
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)) and m.track_running_stats]


class _Moments:
    """Per-channel count, sum and sum of squares of a layer's input, in float64.

    Sums are taken about a shift (the first batch's channel means), which keeps
    ``E[x^2] - E[x]^2`` accurate when the mean is large against the spread.
    """

    def __init__(self) -> None:
        self.shift: Tensor | None = None
        self.count: Tensor | None = None
        self.s1: Tensor | None = None
        self.s2: Tensor | None = None

    def add(self, x: Tensor, mask: Tensor | None) -> None:
        x = x.detach().double()
        dims = [d for d in range(x.dim()) if d != 1]  # every axis but the channels
        if mask is None:
            weight = None
            count = torch.full((x.shape[1],), x.numel() / x.shape[1], dtype=torch.float64, device=x.device)
        else:
            weight = mask.double().expand_as(x)
            count = weight.sum(dim=dims)
        if self.shift is None:
            self.shift = (x.sum(dim=dims) if weight is None else (x * weight).sum(dim=dims)) / count.clamp_min(1)
            self.count = torch.zeros_like(count)
            self.s1 = torch.zeros_like(count)
            self.s2 = torch.zeros_like(count)
        shape = [1] * x.dim()
        shape[1] = -1
        d = x - self.shift.view(shape)
        if weight is not None:
            d = d * weight  # padded steps add nothing (weight 0)
        # Both sums first, then the totals: a batch that runs out of memory half way (and is
        # retried smaller) must leave them as they were.
        s1, s2 = d.sum(dim=dims), d.square().sum(dim=dims)
        self.count += count
        self.s1 += s1
        self.s2 += s2

    def mean_var(self) -> tuple[Tensor, Tensor]:
        n = self.count.clamp_min(1)
        m = self.s1 / n
        return self.shift + m, (self.s2 / n - m * m).clamp_min(0.0)


@torch.no_grad()
def recompute_batchnorm_statistics(network: nn.Module, X, lengths: Tensor | None = None, *,
                                   batch_size: int | BatchSizer = 1024,
                                   autocast_dtype: torch.dtype | None = None) -> None:
    """Set every BatchNorm's running statistics to their exact values on ``X``.

    Parameters
    ----------
    network : torch.nn.Module
        A trained network taking ``(x, lengths)`` (an :class:`~mlstm_fcn.nn.MLSTMFCN`
        or an ensemble of them); its weights are left as they are and it is
        left in evaluation mode.
    X : torch.Tensor of shape (n, n_channels, n_timepoints), or series data
        The series the network was trained on, on the network's device
        (zero-padded past ``lengths``); or a set that hands out blocks by
        ``rows(start, stop)`` (a :class:`~mlstm_fcn.training.SeriesOnDevice`
        or a streamed :class:`~mlstm_fcn.training.streaming.StreamedSeries`,
        whose lengths it holds: ``lengths`` is then ignored).
    lengths : torch.Tensor of shape (n,) or None, default=None
        Valid steps per series; padding is left out of the statistics, as
        the masked BatchNorm leaves it out in training.
    batch_size : int or BatchSizer, default=1024
        Series per forward pass (halved on GPU out-of-memory, once for all
        layers): memory stays bounded, and the result does not depend on it.
    autocast_dtype : torch.dtype or None, default=None
        Mixed-precision dtype the network predicts with (``None``: float32),
        so that the statistics are those of the inputs prediction sees.
    """
    layers = batchnorm_layers(network)
    sizer = as_sizer(batch_size)
    network.eval()
    n = len(X)
    if not layers or n == 0:
        return
    for layer in layers:
        moments = _Moments()

        def collect(module: nn.Module, args: tuple) -> None:
            moments.add(args[0], args[1] if len(args) > 1 else None)
            raise _Collected

        def run(start: int, stop: int) -> None:
            if isinstance(X, Tensor):
                xb = X[start:stop]
                lb = None if lengths is None else lengths[start:stop]
            else:
                xb, _, lb, _ = X.rows(start, stop)
            with autocast_context(xb.device, autocast_dtype):
                try:
                    network(xb, lb)
                except _Collected:
                    pass

        handle = layer.register_forward_pre_hook(collect)
        try:
            sizer.map(run, n, "batch-norm statistics")
        finally:
            handle.remove()
        mean, var = moments.mean_var()
        layer.running_mean.copy_(mean.to(layer.running_mean.dtype))
        layer.running_var.copy_(var.to(layer.running_var.dtype))


__all__ = ["batchnorm_layers", "recompute_batchnorm_statistics"]
