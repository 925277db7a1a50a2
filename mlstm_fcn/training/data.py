"""Series a training pass reads, resident on the training device, and how an epoch cuts them into batches.

Every pass (the epochs, validation, BatchNorm statistics, the final figures)
reads its data through three calls: ``take(idx)`` (a batch by sample
indices), ``rows(start, stop)`` (a contiguous block) and ``batches(perm,
slices)`` (an epoch's batches in order, which lets a streamed set copy the
next batch while the current one computes). :class:`SeriesOnDevice` holds the
whole set on the device; :class:`mlstm_fcn.training.streaming.StreamedSeries`
keeps it on the host and answers the same calls.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import torch
from torch import Tensor

#: One batch on the device: series ``(b, C, T)``, targets (``(b,)`` class indices or ``(b, n_outputs)``),
#: lengths ``(b,)`` or None, and each series' loss weight ``(b,)``.
Batch = tuple[Tensor, Tensor, "Tensor | None", Tensor]


@runtime_checkable
class TrainingSeries(Protocol):
    """What a training pass reads: :class:`SeriesOnDevice`, and the sets kept elsewhere that answer alike.

    :class:`~mlstm_fcn.training.streaming.StreamedSeries` (kept on the host,
    streamed a batch at a time) and
    :class:`~mlstm_fcn.training.data_parallel.ShardedSeries` (this rank's
    shard of every batch) implement it; the loop, the epoch, the evaluation
    passes and the BatchNorm statistics take any of them.
    """

    @property
    def device(self) -> torch.device: ...

    @property
    def shape(self) -> tuple[int, int, int]: ...

    def __len__(self) -> int: ...

    def take(self, idx: Tensor) -> Batch: ...

    def rows(self, start: int, stop: int) -> Batch: ...

    def batches(self, perm: Tensor, slices: Sequence[tuple[int, int]]) -> Iterator[Batch]: ...


@dataclass
class SeriesOnDevice:
    """Padded series, targets, lengths and loss weights, as tensors on one device.

    The training part of a fit, its validation part, or any set a pass
    after training reads (BatchNorm statistics, the final figures). Targets
    are class indices (int64) for a classifier and standardised values
    ``(n, n_outputs)`` (float32) for a regressor; ``weight`` is each series'
    weight in the loss (class weight times sample weight).
    """

    X: Tensor
    y: Tensor
    lengths: Tensor | None = None
    weight: Tensor | None = None

    @classmethod
    def from_numpy(cls, X: np.ndarray, y: np.ndarray, lengths: np.ndarray | None,
                   device: torch.device, weight: np.ndarray | None = None) -> "SeriesOnDevice":
        """Copy ``X`` (float32), targets ``y``, ``lengths`` and ``weight`` (float32; None: all 1) to ``device``.

        Integer targets become int64 class indices, floating ones float32 values.
        """
        y = y.astype(np.int64) if y.dtype.kind in "iub" else y.astype(np.float32)
        weight = np.ones(X.shape[0], dtype=np.float32) if weight is None else weight.astype(np.float32)
        return cls(torch.from_numpy(X).to(device), torch.from_numpy(y).to(device),
                   None if lengths is None else torch.from_numpy(lengths).to(device),
                   torch.from_numpy(weight).to(device))

    @property
    def device(self) -> torch.device:
        """Where the batches are."""
        return self.X.device

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(n, n_channels, n_timepoints)``."""
        return tuple(self.X.shape)

    def __len__(self) -> int:
        return self.X.shape[0]

    def take(self, idx: Tensor) -> Batch:
        """The batch at indices ``idx`` (a gather on the device, no host copy)."""
        lengths = None if self.lengths is None else self.lengths[idx]
        return self.X[idx], self.y[idx], lengths, self._weight()[idx]

    def rows(self, start: int, stop: int) -> Batch:
        """Series ``start`` to ``stop`` (views, no copy)."""
        lengths = None if self.lengths is None else self.lengths[start:stop]
        return self.X[start:stop], self.y[start:stop], lengths, self._weight()[start:stop]

    def _weight(self) -> Tensor:
        # A set built by hand without weights weighs every series 1.
        if self.weight is None:
            self.weight = torch.ones(self.X.shape[0], device=self.X.device)
        return self.weight

    def batches(self, perm: Tensor, slices: Sequence[tuple[int, int]]) -> Iterator[Batch]:
        """The batches ``perm[start:stop]`` of ``slices``, in order, each gathered when it is asked for."""
        for start, stop in slices:
            yield self.take(perm[start:stop])


def batch_slices(n: int, batch_size: int) -> list[tuple[int, int]]:
    """Start/stop of each batch; a last batch of one sample joins the one before.

    A batch of one breaks batch normalisation when the series has one step,
    and gives a very noisy step in any case.
    """
    bounds = [(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        bounds[-2] = (bounds[-2][0], n)
        bounds.pop()
    return bounds
