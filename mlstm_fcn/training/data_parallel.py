"""Data-parallel training with ``torch.distributed``: one model, every rank a shard of every batch.

Every rank holds (or streams) the same training set and draws the same
seeded permutation; each global batch ``perm[start:stop]`` is split in
``world_size`` contiguous parts and rank ``r`` trains on part ``r``. The
network runs under :class:`~torch.nn.parallel.DistributedDataParallel`
(gradients averaged by all-reduce), and its masked BatchNorm layers
normalise with the statistics of the whole global batch (sums all-reduced,
differentiably, in two passes as the single-process layer computes them),
so one step on ``world_size`` ranks is the step one process takes on the
global batch, up to the order of float32 sums. PyTorch's ``SyncBatchNorm``
does not apply: it knows nothing of the padding mask.

The loss of a rank is scaled so that DDP's average of the ranks' gradients
is the gradient of the global batch's mean loss; the epoch's loss sum and
correct count are all-reduced before the history sees them. Passes that
read the whole set (validation, the BatchNorm statistics, final figures)
run on every rank alike. Only rank 0 writes checkpoints.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel

from .._runtime.device import autocast_context
from ..nn.masking import MaskedBatchNorm1d
from .bookkeeping import TrainResult
from .data import Batch
from .epoch import EpochRunner
from .loop import train
from .loss import weighted_loss
from .protocol import TrainConfig


class _SummedOverRanks(torch.autograd.Function):
    """Sum of a tensor over all ranks; the gradient of each rank's input is the sum of the ranks' gradients."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:  # noqa: D102
        out = x.clone()
        dist.all_reduce(out)
        return out

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:  # noqa: D102
        grad = grad.clone()
        dist.all_reduce(grad)
        return grad


def summed_over_ranks(x: Tensor) -> Tensor:
    """``x`` summed over every rank of the process group, differentiably."""
    return _SummedOverRanks.apply(x)


class SyncMaskedBatchNorm1d(MaskedBatchNorm1d):
    """:class:`~mlstm_fcn.nn.masking.MaskedBatchNorm1d` whose training statistics span every rank's batch.

    The same state as the layer it stands in for (it only swaps the class of
    the layers during a distributed fit), so weights and files do not change.
    """

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:  # noqa: D102
        if not self.training:
            return super().forward(x, mask)
        weight = torch.ones_like(x[:, :1, :]) if mask is None else mask
        count = summed_over_ranks(weight.sum(dim=(0, 2)).expand(x.shape[1]).contiguous())
        if mask is not None:
            count = count.clamp_min(2.0)  # as the single-process masked layer
        mean = summed_over_ranks((x * weight).sum(dim=(0, 2))) / count
        centred = (x - mean[None, :, None]) * weight
        var = summed_over_ranks(centred.pow(2).sum(dim=(0, 2))) / count
        return self.normalise_with(x, mean, var, count)


@contextmanager
def synchronised_batchnorm(network: nn.Module):
    """Inside the block, the network's masked BatchNorm layers synchronise their statistics across ranks."""
    layers = [m for m in network.modules() if type(m) is MaskedBatchNorm1d]
    for layer in layers:
        layer.__class__ = SyncMaskedBatchNorm1d
    try:
        yield network
    finally:
        for layer in layers:
            layer.__class__ = MaskedBatchNorm1d


class ShardedSeries:
    """A training set of which this rank trains on its shard of every batch.

    ``len`` and the permutation are global (every rank draws the same one);
    ``batches`` hands out this rank's part of each global batch. ``take`` and
    ``rows`` read the whole set, for the passes every rank runs alike.
    """

    def __init__(self, data, rank: int, world_size: int) -> None:
        self.data, self.rank, self.world_size = data, rank, world_size

    @property
    def device(self) -> torch.device:
        """Where the batches are."""
        return self.data.device

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(n, n_channels, n_timepoints)`` of the whole set."""
        return self.data.shape

    def __len__(self) -> int:
        return len(self.data)

    def take(self, idx: Tensor) -> Batch:
        """The batch at ``idx`` (all of it)."""
        return self.data.take(idx)

    def rows(self, start: int, stop: int) -> Batch:
        """Series ``start`` to ``stop`` (all of them)."""
        return self.data.rows(start, stop)

    def shard(self, idx: Tensor) -> Tensor:
        """This rank's contiguous part of the global batch ``idx``."""
        if idx.shape[0] < self.world_size:
            raise ValueError(f"A batch of {idx.shape[0]} series cannot be split over {self.world_size} ranks; "
                             "use a batch_size of at least the number of processes.")
        return torch.tensor_split(idx, self.world_size)[self.rank]

    def batches(self, perm: Tensor, slices: Sequence[tuple[int, int]]) -> Iterator[Batch]:
        """This rank's part of each global batch ``perm[start:stop]``, in order."""
        parts = [self.shard(perm[start:stop]) for start, stop in slices]
        local_slices, offset = [], 0
        for p in parts:
            local_slices.append((offset, offset + p.shape[0]))
            offset += p.shape[0]
        local_perm = torch.cat(parts) if parts else perm[:0]
        return self.data.batches(local_perm, local_slices)


class ShardedEpochRunner(EpochRunner):
    """:class:`~mlstm_fcn.training.EpochRunner` of one rank: its shard of each batch, global figures."""

    def train_on(self, xb: Tensor, yb: Tensor, lb: Tensor | None, wb: Tensor) -> None:
        """One step on this rank's shard ``xb``; the gradient is that of the global batch's mean loss."""
        world = dist.get_world_size()
        size = torch.tensor([float(xb.shape[0])], device=xb.device)
        dist.all_reduce(size)  # the global batch
        with autocast_context(xb.device, self.autocast_dtype):
            output = self.network(xb, lb)
            loss = weighted_loss(output, yb, wb, self.objective)
        # DDP averages the ranks' gradients: each rank's mean loss, weighted by its share of
        # the global batch and multiplied by the world size, averages to the global mean loss.
        scaled = loss * (xb.shape[0] * world) / size[0]
        self.optimizer.zero_grad(set_to_none=True)
        scaled.backward()
        self.optimizer.step()
        self.loss_sum += loss.detach() * xb.shape[0]
        if self.objective.counts_accuracy:
            self.correct += self.objective.correct(output, yb)

    def run(self, perm: Tensor) -> tuple[Tensor, Tensor]:
        """Train one epoch; return the global (summed loss, correct count), the same on every rank."""
        self.body(perm)
        totals = torch.stack([self.loss_sum, self.correct.to(self.loss_sum.dtype)])
        dist.all_reduce(totals)
        return totals[0], totals[1]


def check_same_data(shape: tuple[int, ...], n_outputs: int) -> None:
    """Raise the same ``ValueError`` on every rank when the ranks see differently shaped training data."""
    seen = [None] * dist.get_world_size()
    dist.all_gather_object(seen, (tuple(int(v) for v in shape), int(n_outputs)))
    if len(set(seen)) > 1:
        described = "; ".join(f"rank {r}: {s[0][0]} series x {s[0][1]} channels x {s[0][2]} steps, {s[1]} outputs"
                              for r, s in enumerate(seen))
        raise ValueError(f"The ranks of a distributed fit see different training data ({described}). Every rank "
                         "must load the same data set: each trains on its shard of every batch.")


def train_data_parallel(network: nn.Module, train_data, config: TrainConfig, generator: torch.Generator,
                        **kwargs) -> TrainResult:
    """:func:`~mlstm_fcn.training.train` over the initialised ``torch.distributed`` process group.

    Takes :func:`~mlstm_fcn.training.train`'s arguments. Every rank calls it
    with the same data, configuration, seed and handlers; it returns with the
    same weights on every rank. Each handler runs as its
    :meth:`~mlstm_fcn.training.handlers.EpochHandler.for_rank` says: rank 0
    alone writes checkpoints and shows progress. Dropout draws differ
    between ranks (rank ``r`` reseeds with the run's seed plus ``r``), as
    their samples do.

    Raises
    ------
    RuntimeError
        When no process group is initialised.
    ValueError
        When the ranks see training data of different shapes or classes, or
        a run is to be continued (``start``, ``keep_run``).
    """
    if not (dist.is_available() and dist.is_initialized()):
        raise RuntimeError("A distributed fit needs an initialised torch.distributed process group: launch "
                           "with torchrun (python -m torch.distributed.run ... -m mlstm_fcn.distributed).")
    rank = dist.get_rank()
    if kwargs.get("start") is not None or kwargs.get("keep_run"):
        raise ValueError("A distributed fit trains a fresh run: warm_start and partial_fit are not supported.")
    check_same_data(train_data.shape, network.head.out_features)
    device = train_data.device
    kwargs["handlers"] = [h.for_rank(rank) for h in kwargs.get("handlers", ())]
    with synchronised_batchnorm(network):
        # Parameters (and buffers) are broadcast from rank 0 as DDP starts.
        ddp = DistributedDataParallel(network, device_ids=[device.index] if device.type == "cuda" else None)
        if rank > 0:
            torch.manual_seed(torch.initial_seed() + rank)
        result = train(ddp, ShardedSeries(train_data, rank, dist.get_world_size()), config, generator,
                       runner_type=ShardedEpochRunner, **kwargs)
    network.eval()
    return result


__all__ = ["ShardedEpochRunner", "ShardedSeries", "SyncMaskedBatchNorm1d", "check_same_data", "summed_over_ranks",
           "synchronised_batchnorm", "train_data_parallel"]
