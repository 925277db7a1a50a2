"""Series already on the training device, and how an epoch cuts them into batches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor


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

    def __len__(self) -> int:
        return self.X.shape[0]

    def take(self, idx: Tensor) -> tuple[Tensor, Tensor, Tensor | None, Tensor]:
        """The batch at indices ``idx``: series, targets, lengths, weights (a gather on the device)."""
        lengths = None if self.lengths is None else self.lengths[idx]
        weight = torch.ones(idx.shape[0], device=self.X.device) if self.weight is None else self.weight[idx]
        return self.X[idx], self.y[idx], lengths, weight


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
