"""One epoch of every member of a fused network, its evaluation, and the members' own batch orders and best weights.

What :mod:`mlstm_fcn.training.fused` (decisions on the host) and
:mod:`mlstm_fcn.training.fused_block` (decisions on the device) both run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch
from torch import Tensor

from .._runtime.device import autocast_context
from ..nn.fused import FusedMLSTMFCN
from .data import SeriesOnDevice, batch_slices
from .loss import weighted_loss
from .member_adam import MemberAdam
from .objective import Classification, Objective


def member_losses(objective: Objective):
    """``f(outputs (k, b, ...), targets (k, b, ...), weights (k, b)) -> (k,)``: each member's weighted loss."""
    return torch.func.vmap(partial(weighted_loss, objective=objective))


def _member_correct(objective: Objective, outputs: Tensor, targets: Tensor) -> Tensor | None:
    # Each member's count of right answers (k,), or None where the objective counts none.
    return torch.func.vmap(objective.correct)(outputs, targets) if objective.counts_accuracy else None


def _augment_members(augment: Callable, generators: list[torch.Generator], xb: Tensor, yb: Tensor,
                     lb: Tensor | None, wb: Tensor) -> tuple[Tensor, Tensor, Tensor | None, Tensor]:
    """Each member's batch (the first axis) augmented with its own generator, stacked again."""
    parts = [augment(xb[j], yb[j], None if lb is None else lb[j], wb[j], g) for j, g in enumerate(generators)]
    lengths = None if parts[0][2] is None else torch.stack([p[2] for p in parts])
    return (torch.stack([p[0] for p in parts]), torch.stack([p[1] for p in parts]), lengths,
            torch.stack([p[3] for p in parts]))


@dataclass
class FusedData:
    """The series of a fused run and which rows each member reads.

    Attributes
    ----------
    data : SeriesOnDevice
        All series, once.
    train_idx : Tensor of shape (k, n_train), int64
        Row ``j``: the series member ``j`` trains on.
    weight : Tensor of shape (k, n)
        Row ``j``: the loss weight of every series of ``data`` for member ``j``
        (its class weight among member ``j``'s training rows, times its sample weight).
    val_idx : Tensor of shape (k, n_val) or None
        Each member's validation series (monitored instead of the training loss).
    """

    data: SeriesOnDevice
    train_idx: Tensor
    weight: Tensor
    val_idx: Tensor | None = None

    def take(self, rows: Tensor) -> tuple[Tensor, Tensor, Tensor | None, Tensor]:
        """Batches ``(k, b, C, T)``, targets, lengths ``(k, b)`` and each member's weights ``(k, b)`` of the rows."""
        xb, yb, lb, _ = self.data.take(rows)  # the weights differ by member: from ``weight``
        return xb, yb, lb, self.weight.gather(1, rows)


class FusedEpoch:
    """One epoch of every member, eagerly (the reference a CUDA graph captures).

    Sums each member's loss and correct count (zero for an objective that
    counts none) in device tensors ``(k,)``.
    """

    def __init__(self, network: FusedMLSTMFCN, optimizer: MemberAdam, data: FusedData, batch_size: int,
                 autocast_dtype: torch.dtype | None, objective: Objective = Classification(),
                 augment: Callable | None = None, generators: list[torch.Generator] | None = None) -> None:
        self.network, self.optimizer, self.data = network, optimizer, data
        # Each member's batch is augmented with that member's generator, as its own fit would.
        self.augment, self.generators = augment, generators
        self.autocast_dtype = autocast_dtype
        self.objective = objective
        self.losses = member_losses(objective)
        k, n = data.train_idx.shape
        self.n = n
        self.slices = batch_slices(n, batch_size)
        device = data.train_idx.device
        self.loss_sum = torch.zeros(k, device=device)
        self.correct = torch.zeros(k, device=device)

    def step(self, positions: Tensor) -> None:
        """One optimizer step; ``positions`` ``(k, b)`` index each member's ``train_idx`` row."""
        xb, yb, lb, wb = self.data.take(self.data.train_idx.gather(1, positions))
        if self.augment is not None:
            xb, yb, lb, wb = _augment_members(self.augment, self.generators, xb, yb, lb, wb)
        with autocast_context(xb.device, self.autocast_dtype):
            outputs = self.network(xb, lb)
            losses = self.losses(outputs, yb, wb)
        self.optimizer.zero_grad()
        losses.sum().backward()
        self.optimizer.step()
        self.loss_sum += losses.detach() * positions.shape[1]
        correct = _member_correct(self.objective, outputs.detach(), yb)
        if correct is not None:
            self.correct += correct

    def body(self, perms: Tensor) -> None:
        """All steps of an epoch; ``perms`` ``(k, n)`` is each member's permutation."""
        self.loss_sum.zero_()
        self.correct.zero_()
        for start, stop in self.slices:
            self.step(perms[:, start:stop])


@torch.no_grad()
def fused_evaluate(network: FusedMLSTMFCN, data: FusedData, batch_size: int, autocast_dtype: torch.dtype | None,
                   objective: Objective = Classification()) -> tuple[Tensor, Tensor]:
    """Each member's weighted loss and accuracy on its ``val_idx`` rows, in eval mode: two ``(k,)`` tensors.

    In batches of at least 1024, as :func:`~mlstm_fcn.training.evaluate` does.
    """
    was_training = network.training
    network.eval()
    idx = data.val_idx
    n = idx.shape[1]
    loss = torch.zeros(idx.shape[0], device=idx.device)
    correct = torch.zeros(idx.shape[0], device=idx.device)
    losses = member_losses(objective)
    for start, stop in batch_slices(n, max(batch_size, 1024)):
        xb, yb, lb, wb = data.take(idx[:, start:stop])
        with autocast_context(xb.device, autocast_dtype):
            outputs = network(xb, lb)
        loss += losses(outputs, yb, wb) * (stop - start)
        right = _member_correct(objective, outputs, yb)
        if right is not None:
            correct += right
    network.train(was_training)
    # float64, as the host loop divides the summed figures with Python floats.
    return loss.to(torch.float64) / n, correct.to(torch.float64) / n


def member_perms(generators: list[torch.Generator], n: int, device: torch.device) -> Tensor:
    """Each member's own permutation ``(k, n)``, drawn exactly as the single-network loop draws it."""
    return torch.stack([torch.randperm(n, device=device, generator=g) for g in generators])


def keep_best(best: dict[str, Tensor], current: dict[str, Tensor], improved: Tensor) -> None:
    """Rows of ``best`` of the improved members replaced by ``current``'s, in place."""
    for name, kept in best.items():
        mask = improved.view(-1, *([1] * (kept.dim() - 1)))
        kept.copy_(torch.where(mask, current[name], kept))


__all__ = ["FusedData", "FusedEpoch", "fused_evaluate", "keep_best", "member_losses", "member_perms"]
