"""Several MLSTM-FCNs of the same shape, averaged: in probability (classifiers) or in output (regressors)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from .network import MLSTMFCN


#: How an ensemble combines its members: "probability" (classifiers) or "mean" (regressors).
COMBINE = ("probability", "mean")


class MLSTMFCNEnsemble(nn.Module):
    """Members trained apart, predicting together: the mean of their probabilities or outputs.

    With ``combine="probability"`` (classifiers) the forward pass returns the
    *logarithm* of the members' mean softmax probabilities, so that a softmax
    of the output is exactly that mean and the module can stand wherever an
    :class:`MLSTMFCN`'s logits are used. With ``combine="mean"``
    (regressors) it returns the mean of the members' outputs.

    Parameters
    ----------
    members : sequence of MLSTMFCN
        Networks of the same configuration.
    combine : {"probability", "mean"}, default="probability"
        How the members' outputs are averaged.
    """

    def __init__(self, members: Sequence[MLSTMFCN], combine: str = "probability") -> None:
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        if combine not in COMBINE:
            raise ValueError(f"combine must be one of {COMBINE}, got {combine!r}")
        configs = {repr(sorted(m.config.items())) for m in members}
        if len(configs) != 1:
            raise ValueError("ensemble members must share one configuration")
        self.members = nn.ModuleList(members)
        self.combine = combine
        self.config: dict[str, Any] = dict(members[0].config, n_members=len(members))
        if combine != "probability":  # configs of earlier versions, without the key, mean probability
            self.config["combine"] = combine

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Log mean probability, or mean output, ``(n, n_outputs)`` over the members."""
        outputs = [m(x, lengths).float() for m in self.members]
        if self.combine == "mean":
            return torch.stack(outputs).mean(dim=0)
        log_probs = torch.stack([o.log_softmax(dim=-1) for o in outputs])
        return torch.logsumexp(log_probs, dim=0) - math.log(len(self.members))


def build_network(config: dict[str, Any]) -> MLSTMFCN | MLSTMFCNEnsemble:
    """Rebuild a network (untrained) from its ``config``, an ensemble's included."""
    config = dict(config)
    n_members = config.pop("n_members", None)
    combine = config.pop("combine", "probability")
    if n_members is None:
        return MLSTMFCN(**config)
    return MLSTMFCNEnsemble([MLSTMFCN(**config) for _ in range(int(n_members))], combine)


__all__ = ["COMBINE", "MLSTMFCNEnsemble", "build_network"]
