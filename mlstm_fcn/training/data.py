"""Series already on the training device, and how an epoch cuts them into batches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor


@dataclass
class SeriesOnDevice:
    """Padded series, label indices and lengths, as tensors on one device.

    The training part of a fit, its validation part, or any set a pass
    after training reads (BatchNorm statistics, the final figures).
    """

    X: Tensor
    y: Tensor
    lengths: Tensor | None = None

    @classmethod
    def from_numpy(cls, X: np.ndarray, y: np.ndarray, lengths: np.ndarray | None,
                   device: torch.device) -> "SeriesOnDevice":
        """Copy ``X`` (float32), label indices ``y`` and ``lengths`` to ``device``."""
        return cls(torch.from_numpy(X).to(device), torch.from_numpy(y.astype(np.int64)).to(device),
                   None if lengths is None else torch.from_numpy(lengths).to(device))

    def __len__(self) -> int:
        return self.X.shape[0]

    def take(self, idx: Tensor) -> tuple[Tensor, Tensor, Tensor | None]:
        """The batch at indices ``idx`` (a gather on the device, no host copy)."""
        lengths = None if self.lengths is None else self.lengths[idx]
        return self.X[idx], self.y[idx], lengths


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
