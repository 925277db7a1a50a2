"""Copies of a network's weights kept during training: the best epoch's, and the window of weight averaging.

Weight averaging: a fit that ends with the mean of its last epochs' weights.

Stochastic weight averaging (Izmailov et al., 2018) averages the weights a
run passes through near its end; the mean lies in a flatter part of the loss
surface than any one of them, which tends to generalise better where a network
overfits a small training set, at the cost of one network.

``torch.optim.swa_utils.AveragedModel`` keeps a running mean from an epoch
fixed in advance. Here the end of a fit is not known in advance (the stop
rules end it), so the window is the last ``k`` epochs, whenever they come: a
ring of ``k`` copies of the weights, refreshed in place after every epoch, and
averaged once when the run ends. A checkpoint keeps the ring (oldest first),
so a resumed run averages the same weights as one never interrupted.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class WeightSnapshot:
    """Copies of a network's weights and buffers, refreshed in place.

    Keeping the best epoch's weights is a copy at nearly every epoch early in
    training; one fused copy into the same buffers costs a few kernel launches
    instead of one allocation and launch per tensor.
    """

    def __init__(self, network: nn.Module) -> None:
        state = network.state_dict()
        self.names = list(state)
        self.live = [t.detach() for t in state.values()]  # updated in place by training

    def take(self, previous: dict[str, Tensor] | None) -> dict[str, Tensor]:
        """The current weights, written into ``previous``'s tensors when it has them."""
        if (previous is None or list(previous) != self.names
                or any(p.device != t.device for p, t in zip(previous.values(), self.live))):
            return {k: t.clone() for k, t in zip(self.names, self.live)}
        torch._foreach_copy_(list(previous.values()), self.live)
        return previous


class RecentWeights:
    """The weights and buffers after each of a run's last ``size`` epochs.

    Parameters
    ----------
    network : torch.nn.Module
        The network being trained; its ``state_dict`` tensors are read after
        every epoch.
    size : int
        How many epochs the window holds.
    states : list of dict, optional
        The window so far, oldest first (restored from a checkpoint); its
        tensors, on the network's device, are taken over and refreshed in place.
    """

    def __init__(self, network: nn.Module, size: int, states: list[dict[str, Tensor]] | None = None) -> None:
        self.snapshot = WeightSnapshot(network)
        self.size = size
        self.states = list(states or [])[-size:]

    def push(self) -> None:
        """Add the network's current weights to the window, dropping the oldest when it is full."""
        # The oldest copy's tensors are reused: no allocation once the window is full.
        oldest = self.states.pop(0) if len(self.states) >= self.size else None
        self.states.append(self.snapshot.take(oldest))

    def average(self) -> dict[str, Tensor] | None:
        """The mean of the window's weights (None while it is empty).

        Floating-point tensors are averaged (in float64, then cast back);
        integer buffers (BatchNorm's batch count) are the latest epoch's.
        """
        if not self.states:
            return None
        latest = self.states[-1]
        mean = {}
        for name, value in latest.items():
            if value.is_floating_point():
                total = torch.stack([s[name].double() for s in self.states]).mean(dim=0)
                mean[name] = total.to(value.dtype)
            else:
                mean[name] = value.clone()
        return mean


__all__ = ["RecentWeights", "WeightSnapshot"]
