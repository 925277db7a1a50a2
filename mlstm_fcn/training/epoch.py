"""One epoch of mini-batch training, and the evaluation pass over a set of series."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from .._runtime.batch_halving import BatchSizer, as_sizer, smaller_batch
from .._runtime.device import autocast_context
from .data import Batch, TrainingSeries, batch_slices
from .loss import weighted_loss
from .objective import Classification, Objective


@torch.no_grad()
def evaluate(network: nn.Module, data: TrainingSeries, batch_size: int | BatchSizer,
             autocast_dtype: torch.dtype | None = None, what: str = "validation",
             objective: Objective = Classification()) -> tuple[float, float]:
    """Weighted loss and accuracy of ``network`` (in eval mode) on ``data`` (accuracy NaN for regression).

    Each series' loss is weighted by ``data.weight``. An integer
    ``batch_size`` is raised to at least 1024 (no gradients are kept, so
    evaluation affords larger batches than training); a
    :class:`~mlstm_fcn._runtime.batch_halving.BatchSizer` is used as it is.
    """
    was_training = network.training
    network.eval()
    n = len(data)

    def batch(start: int, stop: int) -> tuple[Tensor, Tensor]:
        xb, yb, lb, wb = data.rows(start, stop)
        with autocast_context(xb.device, autocast_dtype):
            output = network(xb, lb)
        return weighted_loss(output, yb, wb, objective) * (stop - start), objective.correct(output, yb)

    sizer = batch_size if isinstance(batch_size, BatchSizer) else as_sizer(max(batch_size, 1024))
    parts = sizer.map(batch, n, what)
    loss = torch.stack([p[0] for p in parts]).sum()
    correct = torch.stack([p[1] for p in parts]).sum().to(loss.dtype)
    network.train(was_training)
    loss_v, correct_v = torch.stack([loss, correct]).tolist()
    return loss_v / n, (correct_v / n if objective.counts_accuracy else float("nan"))


class EpochRunner:
    """One epoch of mini-batch training, eagerly: the reference the CUDA-graph path replays.

    Accumulates the epoch's summed loss and correct count in device tensors,
    so that the epoch needs no host synchronisation.
    """

    def __init__(self, network: nn.Module, optimizer: torch.optim.Optimizer, data: TrainingSeries,
                 batch_size: int, autocast_dtype: torch.dtype | None,
                 objective: Objective = Classification(), augment: Callable | None = None,
                 generator: torch.Generator | None = None) -> None:
        self.network = network
        # Each batch is augmented with the run's own generator, after the epoch's permutation:
        # a resumed run draws what the uninterrupted one drew.
        self.augment, self.generator = augment, generator
        self.optimizer = optimizer
        self.data = data
        self.objective = objective
        self.batch_size = batch_size
        self.slices = batch_slices(len(data), batch_size)
        self.autocast_dtype = autocast_dtype
        device = data.device
        self.loss_sum = torch.zeros((), device=device)
        self.correct = torch.zeros((), device=device)

    def step(self, idx: Tensor, batch: Batch | None = None) -> None:
        """One optimizer step on the samples at ``idx`` (``batch``: those samples, fetched already)."""
        batch = self.data.take(idx) if batch is None else batch
        if self.augment is not None:
            batch = self.augment(*batch, self.generator)
        self.train_on(*batch)

    def train_on(self, xb: Tensor, yb: Tensor, lb: Tensor | None, wb: Tensor) -> None:
        """One optimizer step on the batch ``xb`` (targets ``yb``, lengths ``lb``, loss weights ``wb``)."""
        with autocast_context(xb.device, self.autocast_dtype):
            output = self.network(xb, lb)
            loss = weighted_loss(output, yb, wb, self.objective)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.loss_sum += loss.detach() * xb.shape[0]
        if self.objective.counts_accuracy:  # a regressor's count stays zero without a kernel per step
            self.correct += self.objective.correct(output, yb)

    def body(self, perm: Tensor, retry_oom: bool = True) -> None:
        """All steps of an epoch over the permutation ``perm``.

        A batch that runs out of GPU memory is redone, with the rest of the
        epoch, in batches half as large (and so are later epochs).
        """
        self.loss_sum.zero_()
        self.correct.zero_()
        slices, i = self.slices, 0
        # The data hands out the batches in order (a streamed set copies the next one meanwhile).
        feed = self.data.batches(perm, slices)
        while i < len(slices):
            start, stop = slices[i]
            try:
                self.step(perm[start:stop], next(feed))
            except torch.cuda.OutOfMemoryError as exc:
                if not retry_oom:
                    raise
                self.batch_size = smaller_batch(self.batch_size, exc, "training")
                rest = batch_slices(len(self.data) - start, self.batch_size)
                slices = slices[:i] + [(start + a, start + b) for a, b in rest]
                feed = self.data.batches(perm, slices[i:])
                # Later epochs in the smaller batches (rebuilt only then, not once per epoch).
                self.slices = batch_slices(len(self.data), self.batch_size)
                continue
            i += 1

    def run(self, perm: Tensor) -> tuple[Tensor, Tensor]:
        """Train one epoch; return (summed loss, correct count) as device tensors."""
        self.body(perm)
        return self.loss_sum, self.correct
