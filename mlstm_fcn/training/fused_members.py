"""Networks set up for fits of their own, trained as one fused module.

The bridge between a fit's plan and :func:`~mlstm_fcn.training.fused.train_fused`:
it takes each network as :func:`~mlstm_fcn.training.member_setup.set_up_member` made it
(initial weights, batch-order generator, the state its dropout continues
from), the series of every fit at once, and each network's loss weight per
series, and trains them together, each as it would train alone.
"""

from __future__ import annotations

import numpy as np
import torch

from ..nn.fused import FusedMLSTMFCN
from .data import SeriesOnDevice
from .fused import FusedData, FusedResult, train_fused
from .member_setup import MemberSetUp
from .objective import Objective
from .protocol import TrainConfig


def _rows(parts: list[np.ndarray], device: torch.device) -> torch.Tensor:
    return torch.from_numpy(np.stack(parts).astype(np.int64)).to(device)


def train_members_fused(members: list[MemberSetUp], offsets: list[int], series: SeriesOnDevice, weight: np.ndarray,
                        config: TrainConfig, objective: Objective) -> FusedResult:
    """Train ``members`` together; each one's history and its network with the best weights.

    Parameters
    ----------
    members : list of MemberSetUp
        The networks, each set up as its own fit sets it up; their
        ``train_idx`` and ``val_idx`` index their own fit's series.
    offsets : list of int
        Per member, where its fit's series begin in ``series``.
    series : SeriesOnDevice
        The series of every fit, one after the other.
    weight : ndarray of shape (len(members), len(series))
        Each member's loss weight of every series (of its own fit's; the rest are never read).
    config : TrainConfig
    objective : Objective

    Raises
    ------
    ValueError
        When the members do not all train (and validate) on the same number of series.
    """
    rows = [m.train_idx + off for m, off in zip(members, offsets)]
    val_rows = [None if m.val_idx is None else m.val_idx + off for m, off in zip(members, offsets)]
    if len({len(r) for r in rows}) != 1 or len({None if v is None else len(v) for v in val_rows}) != 1:
        raise ValueError("fused networks must train (and validate) on the same number of series")
    device = series.device
    fused = FusedMLSTMFCN.from_members([m.network for m in members])
    if device.type == "cpu":  # dropout masks as each member's own fit draws them
        generators = []
        for m in members:
            generators.append(torch.Generator())
            generators[-1].set_state(m.dropout_state)
        fused.dropout_generators = generators
    data = FusedData(series, _rows(rows, device), torch.tensor(weight, dtype=torch.float32, device=device),
                     None if val_rows[0] is None else _rows(val_rows, device))
    return train_fused(fused, data, config, [m.generator for m in members],
                       rules="device" if device.type == "cuda" and config.augment is None else "host",
                       objective=objective)


__all__ = ["train_members_fused"]
