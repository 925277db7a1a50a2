"""One network's run, set up the one way that a fit alone and a fused fit share.

What a network trains is fixed by the order in which its random draws are
made: the seed, then the validation split, then the network's initial
weights, then the generator of its batch order; dropout masks continue the
global stream from where building the network left it. :func:`set_up_member`
makes the draws in that order, so that a network trained alone
(:meth:`~mlstm_fcn._estimator.base.MLSTMFCNBase.fit`) and the same network trained as a
member of a fused module (:mod:`mlstm_fcn.training.fused_members`) start
from the same state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .._runtime.seeds import seed_torch


@dataclass
class MemberSetUp:
    """A network ready to train, and the draws that make its run its own.

    Attributes
    ----------
    seed : int
    train_idx, val_idx : ndarray
        The series it trains on, and those held out (None: none).
    network : torch.nn.Module
        Freshly initialised, float32, on the device.
    generator : torch.Generator
        Its batch order (on the device).
    dropout_state : Tensor or None
        On a CPU, the global generator's state after the network was built:
        where its dropout masks continue (a fused member gets a generator of
        its own in that state).
    """

    seed: int
    train_idx: np.ndarray
    val_idx: np.ndarray | None
    network: nn.Module
    generator: torch.Generator
    dropout_state: torch.Tensor | None


def set_up_member(seed: int, device: torch.device, split: Callable[[int], tuple[np.ndarray, np.ndarray | None]],
                  build: Callable[[], nn.Module]) -> MemberSetUp:
    """Seed, split, build and make the batch-order generator of one network, in that order.

    Parameters
    ----------
    seed : int
        The network's seed (see :func:`mlstm_fcn._runtime.seeds.member_seeds`).
    device : torch.device
    split : callable
        ``split(seed) -> (train_idx, val_idx)``.
    build : callable
        ``build() -> nn.Module``, drawing its initial weights from torch's global generator.
    """
    seed_torch(seed, device)
    train_idx, val_idx = split(seed)
    # float32 whatever the caller's default dtype (torch.set_default_dtype).
    network = build().to(device=device, dtype=torch.float32)
    dropout_state = torch.default_generator.get_state() if device.type == "cpu" else None
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    return MemberSetUp(seed, train_idx, val_idx, network, generator, dropout_state)


__all__ = ["MemberSetUp", "set_up_member"]
