"""Falling back to smaller batches when a batch does not fit in GPU memory."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch


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
    warnings.warn(f"Out of GPU memory in {what} with batches of {batch_size} series; "
                  f"retrying with batches of {new}.", RuntimeWarning, stacklevel=3)
    return new


def map_batches(fn: Callable[[int, int], object], n: int, batch_size: int, what: str) -> list:
    """``[fn(start, stop) for each batch]`` over ``range(n)``, halving batches on out-of-memory.

    A batch that fails is retried whole at the smaller size; the smaller size
    then holds for the remaining batches.
    """
    out = []
    start = 0
    while start < n:
        stop = min(start + batch_size, n)
        try:
            out.append(fn(start, stop))
        except torch.cuda.OutOfMemoryError as exc:
            batch_size = smaller_batch(batch_size, exc, what)
            continue
        start = stop
    return out
