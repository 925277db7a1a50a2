"""Halving the batch when it does not fit in GPU memory: training, inference and the passes after fit."""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral

import numpy as np
import torch

from .._warnings import warn


def smaller_batch(batch_size: int, error: BaseException, what: str) -> int:
    """Half of ``batch_size`` after an out-of-memory ``error``, with a warning.

    Re-raises ``error`` when the batch is already a single series: nothing
    smaller can be tried.
    """
    if batch_size <= 1:
        raise error
    if torch.cuda.is_available():
        torch.cuda.empty_cache()  # release the failed batch's blocks before retrying
    new = batch_size // 2
    warn(f"Out of GPU memory in {what} with batches of {batch_size} series; retrying with batches of {new}.",
         RuntimeWarning)
    return new


def checked_batch_size(batch_size, name: str = "batch_size") -> int:
    """``batch_size`` as an int, refusing what is not a whole number of at least 1.

    Below 1, batching would never advance (a loop without end); ``name`` says
    which parameter was wrong.

    Raises
    ------
    ValueError
        When ``batch_size`` is not an integer >= 1.
    """
    if isinstance(batch_size, (bool, np.bool_)) or not isinstance(batch_size, Integral) or batch_size < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {batch_size!r}.")
    return int(batch_size)


class BatchSizer:
    """A batch size that halves on GPU out-of-memory and stays halved for later passes.

    Passes that follow one another over the same data (the BatchNorm
    statistics, layer by layer, then the final figures) share one, so that
    the halving is found, and said, once.
    """

    def __init__(self, batch_size: int, name: str = "batch_size") -> None:
        self.batch_size = checked_batch_size(batch_size, name)

    def map(self, fn: Callable[[int, int], object], n: int, what: str) -> list:
        """``[fn(start, stop) for each batch]`` over ``range(n)``, halving batches on out-of-memory.

        A batch that fails is retried whole at the smaller size; the smaller
        size then holds for the remaining batches and later calls.
        """
        out = []
        start = 0
        while start < n:
            stop = min(start + self.batch_size, n)
            try:
                out.append(fn(start, stop))
            except torch.cuda.OutOfMemoryError as exc:
                self.batch_size = smaller_batch(self.batch_size, exc, what)
                continue
            start = stop
        return out


def as_sizer(batch_size: "int | BatchSizer") -> BatchSizer:
    """``batch_size`` itself when it is a :class:`BatchSizer`, else a new one of that size."""
    return batch_size if isinstance(batch_size, BatchSizer) else BatchSizer(batch_size)
