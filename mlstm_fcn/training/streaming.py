"""Training sets kept on the host and streamed to the device a batch at a time.

When a training set does not fit in device memory (or is a memory-mapped
file larger than RAM), :class:`StreamedSeries` keeps it where it is and
answers the calls of :class:`~mlstm_fcn.training.SeriesOnDevice`
(``take``, ``rows``, ``batches``) by reading rows on demand. An epoch's
batches are double-buffered: a worker thread gathers (and converts, and
scales) the next batch on the host while the current one computes; on CUDA
it lands in one of two pinned staging buffers and is copied to the device
on a side stream, which the compute stream waits for through an event, so
the copy overlaps the previous batch's kernels. Batches follow the same
seeded permutation as resident data, so a streamed fit on the CPU gives
exactly the weights and history of a resident one.

Host memory stays bounded by the batch, not the data: besides the labels,
lengths and the epoch's permutation (8 bytes each per series), at most
:data:`IN_FLIGHT` batches exist at once (the one computing, the one being
prepared), each with the float32 batch and its gathered, converted and
scaled working copies (see :data:`PEAK_BATCHES`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from torch import Tensor

from .data import Batch, SeriesOnDevice, TrainingSeries

#: Batches on the host at once: the one the device computes on and the next one, being prepared.
IN_FLIGHT = 2
#: Peak host memory of a streamed epoch above the data's fixed per-series arrays, in float32 batches:
#: per batch in flight the source rows as read (up to float64: 2), their float32 copy (1) and the
#: scaled result (1, with float64 temporaries of a block: 2 more), and on CUDA its pinned staging copy.
PEAK_BATCHES = IN_FLIGHT * 7
#: "auto" keeps a training set on a GPU when it takes at most this fraction of the free memory: the
#: rest is for activations, gradients, optimizer state and the evaluation passes.
RESIDENT_FRACTION = 0.5


def keep_on_device(data_on_device: str | bool, nbytes: int, device: torch.device, out_of_core: bool) -> bool:
    """Whether a training set of ``nbytes`` float32 bytes goes to ``device`` whole (else it is streamed).

    ``True``/``False`` force the choice. ``"auto"`` streams an out-of-core set
    (a ``numpy.memmap``...) on any device: it is not in memory to begin with,
    and going to a GPU whole it would pass through host memory whole. An
    in-memory set stays resident on the CPU (the host memory it already is
    in) and on CUDA when it takes at most :data:`RESIDENT_FRACTION` of the
    device's free memory.
    """
    if data_on_device != "auto":
        return bool(data_on_device)
    if out_of_core:
        return False
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return nbytes <= RESIDENT_FRACTION * free
    return True


class StreamedSeries:
    """Series kept on the host, read and copied to ``device`` a batch at a time.

    Parameters
    ----------
    source : ndarray or HostSeries of shape (N, C, T)
        Float32 series as the network reads them (padding zero, scaled):
        an array, or a :class:`~mlstm_fcn._data.host_series.HostSeries` that converts
        and scales the rows it reads. Indexing it by sorted indices gives a
        float32 ``(b, C, T)`` array.
    y : ndarray of shape (N,) or (N, n_outputs)
        Targets: class indices (integers), or standardised regression targets.
    lengths : ndarray of shape (N,) or None
        Valid steps per series.
    device : torch.device
        Where batches go.
    rows : ndarray of int or None, default=None
        The series of ``source`` this set holds, in order (a training or
        validation part); ``None``: all.
    weight : ndarray of shape (len(rows),) or None, default=None
        Each held series' weight in the loss (None: all 1).
    """

    def __init__(self, source, y: np.ndarray, lengths: np.ndarray | None, device: torch.device,
                 rows: np.ndarray | None = None, weight: np.ndarray | None = None) -> None:
        self.source = source
        self.index = np.arange(source.shape[0]) if rows is None else np.asarray(rows, dtype=np.int64)
        y = np.asarray(y)[self.index]
        # As SeriesOnDevice holds them: int64 class indices, float32 regression targets.
        self.y = torch.from_numpy(y.astype(np.int64) if y.dtype.kind in "iub" else y.astype(np.float32))
        self.weight = torch.from_numpy(np.ones(len(self.index), dtype=np.float32) if weight is None
                                       else np.asarray(weight, dtype=np.float32))
        self.lengths = None if lengths is None else torch.from_numpy(np.asarray(lengths, dtype=np.int64)[self.index])
        self.device = torch.device(device)
        self._pin = self.device.type == "cuda"

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(n, n_channels, n_timepoints)``."""
        _, c, t = self.source.shape
        return (len(self.index), c, t)

    def __len__(self) -> int:
        return len(self.index)

    def _host(self, positions: np.ndarray) -> tuple[Tensor, Tensor, Tensor | None, Tensor]:
        """The batch at ``positions`` of this set, on the host (pinned on CUDA), in that order."""
        rows = self.index[positions]
        order = np.argsort(rows, kind="stable")
        block = np.asarray(self.source[rows[order]], dtype=np.float32)  # sorted: file order
        x = torch.empty(block.shape, dtype=torch.float32, pin_memory=self._pin)
        x.numpy()[order] = block
        p = torch.from_numpy(positions)
        y = self.y[p]
        lb = None if self.lengths is None else self.lengths[p]
        w = self.weight[p]
        if self._pin:
            y, w = y.pin_memory(), w.pin_memory()
            lb = None if lb is None else lb.pin_memory()
        return x, y, lb, w

    def _to_device(self, batch: tuple[Tensor, Tensor, Tensor | None, Tensor], stream) -> Batch:
        """``batch`` copied to the device; on CUDA asynchronously on ``stream``, which the compute stream waits for.

        PyTorch's pinned-memory allocator keeps a staging buffer from reuse
        until the copy out of it has finished (it records an event on
        ``stream``), so two batches in flight use two buffers in turn.
        """
        if not self._pin:
            return batch
        with torch.cuda.stream(stream):
            moved = tuple(None if t is None else t.to(self.device, non_blocking=True) for t in batch)
            event = torch.cuda.Event()
            event.record(stream)
        current = torch.cuda.current_stream(self.device)
        current.wait_event(event)
        for t in moved:
            if t is not None:  # allocated on the side stream, used on the compute stream
                t.record_stream(current)
        return moved

    def take(self, idx: Tensor) -> Batch:
        """The batch at positions ``idx`` (a tensor on any device), copied to the device."""
        batch = self._host(idx.cpu().numpy())
        return tuple(None if t is None else t.to(self.device, non_blocking=True) for t in batch)

    def rows(self, start: int, stop: int) -> Batch:
        """Series ``start`` to ``stop`` of this set, copied to the device."""
        return self.take(torch.arange(start, stop))

    def batches(self, perm: Tensor, slices: Sequence[tuple[int, int]]) -> Iterator[Batch]:
        """The batches ``perm[start:stop]`` of ``slices``, double-buffered.

        While batch ``k`` computes, a worker thread gathers batch ``k + 1`` on
        the host; on CUDA its copy to the device runs on a side stream that
        the compute stream waits for, so it overlaps batch ``k``'s kernels.
        """
        if not slices:
            return
        order = perm.cpu().numpy()  # the same permutation as resident data: one sync per epoch
        stream = torch.cuda.Stream(self.device) if self._pin else None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlstm-fcn-stream") as pool:
            def prepare(k: int):
                start, stop = slices[k]
                return pool.submit(self._host, order[start:stop])

            # The batch computing and IN_FLIGHT - 1 being prepared, in order.
            ahead = deque(prepare(k) for k in range(min(IN_FLIGHT - 1, len(slices))))
            for k in range(len(slices)):
                host = ahead.popleft().result()
                if k + len(ahead) + 1 < len(slices):
                    ahead.append(prepare(k + len(ahead) + 1))
                yield self._to_device(host, stream)


def training_series(X, y: np.ndarray, lengths: np.ndarray | None, idx: np.ndarray, device: torch.device,
                    on_device: bool, weight: np.ndarray | None = None) -> TrainingSeries:
    """Series ``idx`` of ``X`` for a training pass: copied to ``device`` whole, or streamed from the host.

    ``X`` is a float32 array or an out-of-core :class:`~mlstm_fcn._data.host_series.HostSeries`
    (read whole, block by block, when it goes to the device); ``y`` the
    targets of all of ``X``; ``weight`` the loss weights of the series ``idx``.
    """
    if on_device:
        return SeriesOnDevice.from_numpy(X[idx], y[idx], None if lengths is None else lengths[idx], device, weight)
    return StreamedSeries(X, y, lengths, device, rows=idx, weight=weight)


__all__ = ["IN_FLIGHT", "PEAK_BATCHES", "RESIDENT_FRACTION", "StreamedSeries",
           "keep_on_device", "training_series"]
