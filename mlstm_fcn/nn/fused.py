"""k same-shaped MLSTM-FCNs as one module: horizontally fused networks (HFTA, Wang et al., MLSys 2021).

Members are stacked along the channel axis of the FCN branch, so that one
grouped convolution (``groups=k``) computes every member's convolution and
one BatchNorm over the ``k * filters`` stacked channels keeps each member's
statistics apart (BatchNorm is per channel); the SE excitations and the
heads are batched matmuls with per-member weights (``einsum``). The
recurrent branches stay one module per member, run in turn: that is the
same math as alone for the plain and the attention LSTM and either
orientation.

Each member may read different series (cross-validation folds): the input
is ``(k, n, C, T)``, member ``j`` reading ``x[j]``, and the output is
``(k, n, n_classes)``. :meth:`FusedMLSTMFCN.from_members` and
:meth:`FusedMLSTMFCN.to_members` convert from and to ordinary
:class:`~mlstm_fcn.nn.MLSTMFCN` networks.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .masking import MaskedBatchNorm1d, lengths_to_mask, masked_mean
from .network import MLSTMFCN


def _stack(tensors: Sequence[Tensor]) -> Tensor:
    return torch.cat([t.detach() for t in tensors], dim=0).clone()


class FusedConvBlock(nn.Module):
    """k :class:`~mlstm_fcn.nn.ConvBlock` as one grouped convolution, BatchNorm and batched SE."""

    def __init__(self, blocks: Sequence[nn.Module]) -> None:
        super().__init__()
        k = len(blocks)
        first = blocks[0]
        conv = first.conv
        self.k, self.out_channels = k, conv.out_channels
        kernel = conv.kernel_size[0]
        # "same" padding as ConvBlock places it: (kernel - 1) // 2 zeros before, kernel // 2 after.
        self.pad = (0, 0) if conv.padding[0] else ((kernel - 1) // 2, kernel // 2)
        self.conv = nn.Conv1d(k * conv.in_channels, k * conv.out_channels, kernel, padding=conv.padding[0],
                              groups=k)
        bn = first.bn
        self.bn = MaskedBatchNorm1d(k * conv.out_channels, eps=bn.eps, momentum=bn.momentum)
        with torch.no_grad():
            self.conv.weight.copy_(_stack([b.conv.weight for b in blocks]))
            self.conv.bias.copy_(_stack([b.conv.bias for b in blocks]))
            for name in ("weight", "bias", "running_mean", "running_var"):
                getattr(self.bn, name).copy_(_stack([getattr(b.bn, name) for b in blocks]))
            self.bn.num_batches_tracked.copy_(first.bn.num_batches_tracked)
        self.squeeze = self.excite = None
        if first.se is not None:
            self.squeeze = nn.Parameter(torch.stack([b.se.squeeze_fc.weight.detach() for b in blocks]).clone())
            self.excite = nn.Parameter(torch.stack([b.se.excite_fc.weight.detach() for b in blocks]).clone())

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        """``x`` ``(n, k * C_in, t)`` -> ``(n, k * C_out, t)``; ``mask`` ``(n, k, 1, t)`` or None."""
        if self.pad != (0, 0):
            x = F.pad(x, self.pad)
        x = self.conv(x)
        n, _, t = x.shape
        flat = None if mask is None else mask.expand(n, self.k, self.out_channels, t).reshape(n, -1, t)
        x = self.bn(x, flat).relu()
        if flat is not None:
            x = x * flat  # padded steps stay zero, as in ConvBlock
        if self.squeeze is not None:
            squeezed = masked_mean(x, flat).view(n, self.k, self.out_channels)
            hidden = torch.einsum("nkc,khc->nkh", squeezed, self.squeeze).relu()
            gate = torch.einsum("nkh,kch->nkc", hidden, self.excite).sigmoid()
            x = x * gate.reshape(n, -1, 1)
        return x

    def member_state(self, j: int) -> dict[str, Tensor]:
        """Member ``j``'s state dict, keys as in :class:`~mlstm_fcn.nn.ConvBlock`."""
        c = self.out_channels
        part = slice(j * c, (j + 1) * c)
        state = {"conv.weight": self.conv.weight[part], "conv.bias": self.conv.bias[part]}
        for name in ("weight", "bias", "running_mean", "running_var"):
            state[f"bn.{name}"] = getattr(self.bn, name)[part]
        state["bn.num_batches_tracked"] = self.bn.num_batches_tracked
        if self.squeeze is not None:
            state["se.squeeze_fc.weight"] = self.squeeze[j]
            state["se.excite_fc.weight"] = self.excite[j]
        return state


class FusedMLSTMFCN(nn.Module):
    """k :class:`~mlstm_fcn.nn.MLSTMFCN` of one configuration, trained as one module.

    Build it with :meth:`from_members`. Member ``j`` of the fused module
    computes what member ``j`` computes alone, on its own input ``x[j]``.

    Parameters
    ----------
    members : sequence of MLSTMFCN
        Networks of the same configuration (copied: the fused module shares
        no tensor with them).

    Attributes
    ----------
    k : int
        Number of members.
    config : dict
        The members' configuration.
    dropout_generators : list of torch.Generator or None
        With one CPU generator per member, member ``j``'s dropout masks are
        drawn from generator ``j`` as ``nn.Dropout`` draws them on a CPU,
        so that a fused run reproduces separate runs (the test of the fused
        path); None draws all masks at once from torch's global generator.
    """

    def __init__(self, members: Sequence[MLSTMFCN]) -> None:
        super().__init__()
        if not members:
            raise ValueError("a fused network needs at least one member")
        if len({repr(sorted(m.config.items())) for m in members}) != 1:
            raise ValueError("fused members must share one configuration")
        self.k = len(members)
        self.config: dict[str, Any] = dict(members[0].config)
        self.dropout_p = float(members[0].lstm_branch.dropout.p)
        branches = [copy.deepcopy(m.lstm_branch) for m in members]
        for branch in branches:
            branch.dropout = nn.Identity()  # applied here, per member (see dropout_generators)
        self.lstm_branches = nn.ModuleList(branches)
        n_blocks = len(members[0].fcn_branch.blocks)
        self.blocks = nn.ModuleList(FusedConvBlock([m.fcn_branch.blocks[i] for m in members])
                                    for i in range(n_blocks))
        self.head_weight = nn.Parameter(torch.stack([m.head.weight.detach() for m in members]).clone())
        self.head_bias = nn.Parameter(torch.stack([m.head.bias.detach() for m in members]).clone())
        self.dropout_generators: list[torch.Generator] | None = None

    @classmethod
    def from_members(cls, members: Sequence[MLSTMFCN]) -> "FusedMLSTMFCN":
        """The fused module of ``members`` (on their device, in training mode)."""
        device = next(members[0].parameters()).device
        return cls(members).to(device)

    def _dropout(self, features: list[Tensor]) -> Tensor:
        stacked = torch.stack(features)  # (k, n, hidden)
        if not self.training or self.dropout_p == 0:
            return stacked
        if self.dropout_generators is None:
            return F.dropout(stacked, self.dropout_p, training=True)
        keep = 1.0 - self.dropout_p
        # What nn.Dropout does on a CPU: a Bernoulli(1 - p) draw of the input's shape, divided by 1 - p.
        masks = [torch.empty_like(f).bernoulli_(keep, generator=g).div_(keep)
                 for f, g in zip(features, self.dropout_generators)]
        return stacked * torch.stack(masks)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Logits ``(k, n, n_classes)`` of ``x`` ``(k, n, C, T)``; ``lengths`` ``(k, n)`` or None."""
        k, n, c, t = x.shape
        recurrent = self._dropout([branch(x[j], None if lengths is None else lengths[j])
                                   for j, branch in enumerate(self.lstm_branches)])
        mask = None
        if lengths is not None:
            mask = lengths_to_mask(lengths.reshape(-1), t, x.dtype).view(k, n, 1, t).transpose(0, 1)
        h = x.transpose(0, 1).reshape(n, k * c, t)
        for block in self.blocks:
            h = block(h, mask)
        flat_mask = None if mask is None else mask.expand(n, k, h.shape[1] // k, t).reshape(n, -1, t)
        pooled = masked_mean(h, flat_mask).view(n, k, -1).transpose(0, 1)  # (k, n, filters)
        features = torch.cat([recurrent.to(pooled.dtype), pooled], dim=-1)
        return torch.einsum("knd,kcd->knc", features, self.head_weight) + self.head_bias[:, None, :]

    def member_state_dict(self, j: int) -> dict[str, Tensor]:
        """Member ``j``'s weights and buffers under :class:`~mlstm_fcn.nn.MLSTMFCN`'s keys (views)."""
        state = {f"lstm_branch.{key}": v for key, v in self.lstm_branches[j].state_dict().items()}
        for i, block in enumerate(self.blocks):
            state.update({f"fcn_branch.blocks.{i}.{key}": v for key, v in block.member_state(j).items()})
        state["head.weight"] = self.head_weight[j]
        state["head.bias"] = self.head_bias[j]
        return state

    def member_state(self) -> dict[str, Tensor]:
        """Every member's state at once: name -> tensor ``(k, ...)``, row ``j`` member ``j``'s (a copy).

        The layout in which per-member best weights are kept and chosen
        between with one ``torch.where`` per tensor.
        """
        per_member = [self.member_state_dict(j) for j in range(self.k)]
        return {name: torch.stack([s[name].detach() for s in per_member]) for name in per_member[0]}

    def load_member_state(self, state: dict[str, Tensor]) -> None:
        """Write a :meth:`member_state` (e.g. the best weights kept) back into this module."""
        with torch.no_grad():
            for j in range(self.k):
                for name, target in self.member_state_dict(j).items():
                    target.copy_(state[name][j])

    def to_members(self, state: dict[str, Tensor] | None = None) -> list[MLSTMFCN]:
        """k ordinary :class:`~mlstm_fcn.nn.MLSTMFCN` with the weights of ``state`` (default: the current).

        Parameters
        ----------
        state : dict, optional
            A :meth:`member_state`, such as the best weights a fused run kept.

        Returns
        -------
        members : list of MLSTMFCN
            On this module's device, in evaluation mode.
        """
        state = self.member_state() if state is None else state
        device = self.head_weight.device
        members = []
        with torch.random.fork_rng(devices=[]):  # building initialises weights: leave the caller's RNG alone
            for j in range(self.k):
                member = MLSTMFCN(**self.config).to(device)
                member.load_state_dict({name: v[j] for name, v in state.items()}, strict=True)
                members.append(member.eval())
        return members


__all__ = ["FusedConvBlock", "FusedMLSTMFCN"]
