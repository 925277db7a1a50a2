"""Several MLSTM-FCNs of the same shape, averaged in probability."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from .network import MLSTMFCN


class MLSTMFCNEnsemble(nn.Module):
    """Members trained apart, predicting together: the mean of their class probabilities.

    The forward pass returns the *logarithm* of the members' mean softmax
    probabilities, so that a softmax of the output is exactly that mean and
    the module can stand wherever an :class:`MLSTMFCN`'s logits are used.

    Parameters
    ----------
    members : sequence of MLSTMFCN
        Networks of the same configuration.
    """

    def __init__(self, members: Sequence[MLSTMFCN]) -> None:
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        configs = {repr(sorted(m.config.items())) for m in members}
        if len(configs) != 1:
            raise ValueError("ensemble members must share one configuration")
        self.members = nn.ModuleList(members)
        self.config: dict[str, Any] = dict(members[0].config, n_members=len(members))

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Log mean probability ``(n, n_classes)`` over the members."""
        log_probs = torch.stack([m(x, lengths).float().log_softmax(dim=-1) for m in self.members])
        return torch.logsumexp(log_probs, dim=0) - math.log(len(self.members))


def build_network(config: dict[str, Any]) -> MLSTMFCN | MLSTMFCNEnsemble:
    """Rebuild a network (untrained) from its ``config``, an ensemble's included."""
    config = dict(config)
    n_members = config.pop("n_members", None)
    if n_members is None:
        return MLSTMFCN(**config)
    return MLSTMFCNEnsemble([MLSTMFCN(**config) for _ in range(int(n_members))])


__all__ = ["MLSTMFCNEnsemble", "build_network"]
