"""Series that need not fit in memory, read a block at a time (:class:`HostSeries`).

An out-of-core input (a ``numpy.memmap``, or any array-like with ``shape``,
``dtype`` and slicing: h5py, zarr) stays where it is; fit, predict and the
scaling statistics read it :func:`block_rows` series at a time, each block
converted to float32 and zero-padded only when it is asked for. The input
checks that turn such an input into a ``HostSeries`` are
:func:`mlstm_fcn._data.inputs.check_X`'s.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Bytes of float64 working copy that a block-by-block pass over out-of-core series
#: (checks, scaling statistics) reads at a time.
BLOCK_BYTES = 8 * 2**20


def block_rows(n_channels: int, n_timepoints: int) -> int:
    """Series per block of a block-by-block pass: :data:`BLOCK_BYTES` of float64, one series at least."""
    return max(1, BLOCK_BYTES // (8 * n_channels * n_timepoints))


def is_out_of_core(X) -> bool:
    """Whether ``X`` is read block by block: a ``numpy.memmap``, or an array-like (not a numpy array,
    list or tensor) with ``shape``, ``dtype`` and slicing, of 2 or 3 dimensions."""
    if isinstance(X, np.memmap):
        return X.ndim in (2, 3)
    if isinstance(X, (np.ndarray, list, tuple)) or type(X).__module__.split(".")[0] in ("torch", "pandas"):
        return False
    shape = getattr(X, "shape", None)
    return (hasattr(X, "dtype") and hasattr(X, "__getitem__") and isinstance(shape, tuple)
            and len(shape) in (2, 3))


class HostSeries:
    """Series read a block at a time from an array-like that need not fit in memory.

    Indexing by a slice or by integer indices returns those series as a new
    float32 array ``(b, n_channels, n_timepoints)``: NaN padding replaced by
    zeros, padded with zeros or cut to ``n_timepoints``, then passed through
    ``transform`` (the estimator's scaling) when one is set. Nothing else is
    held in memory but the lengths.

    Parameters
    ----------
    source : array-like of shape (n, C, T) or (n, T)
        Checked series (see :func:`~mlstm_fcn._data.inputs.check_X`); 2D is univariate.
    lengths : ndarray of shape (n,) or None
        Valid steps per series, after fitting to ``n_timepoints``.
    n_timepoints : int or None, default=None
        Length the series are read at (``None``: ``T``).
    transform : callable or None, default=None
        ``transform(block, block_lengths) -> block`` applied to every block read.
    """

    dtype = np.dtype(np.float32)
    ndim = 3

    def __init__(self, source, lengths: np.ndarray | None, n_timepoints: int | None = None,
                 transform: Callable[[np.ndarray, np.ndarray | None], np.ndarray] | None = None) -> None:
        self.source = source
        self.lengths = lengths
        self.n_timepoints = int(source.shape[-1] if n_timepoints is None else n_timepoints)
        self.transform = transform

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(n, n_channels, n_timepoints)`` as read."""
        s = self.source.shape
        return (s[0], 1 if len(s) == 2 else s[1], self.n_timepoints)

    def __len__(self) -> int:
        return self.source.shape[0]

    def raw(self, key) -> np.ndarray:
        """Series ``key`` (slice or indices) as float32 ``(b, C, T)`` copies, as stored (NaN kept, full ``T``)."""
        if isinstance(key, slice):
            block = self.source[key]
        else:
            # Sorted unique indices: what h5py and zarr require, and reads in file order.
            wanted, back = np.unique(np.asarray(key), return_inverse=True)
            block = np.asarray(self.source[wanted])[back]
        block = np.array(block, dtype=np.float32, copy=True)  # a copy: never write into the source
        return block[:, None, :] if block.ndim == 2 else block

    def __getitem__(self, key) -> np.ndarray:
        block = self.raw(key)
        block[np.isnan(block)] = 0.0
        t = self.n_timepoints
        if block.shape[2] > t:
            block = np.ascontiguousarray(block[:, :, :t])
        elif block.shape[2] < t:
            block = np.pad(block, ((0, 0), (0, 0), (0, t - block.shape[2])))
        if self.transform is not None:
            lengths = None if self.lengths is None else self.lengths[key]
            block = self.transform(block, lengths)
        return block

    def blocks(self):
        """``(slice, block)`` over all series, a block of :func:`block_rows` series at a time."""
        n, c, t = self.shape
        step = block_rows(c, t)
        for start in range(0, n, step):
            rows = slice(start, min(start + step, n))
            yield rows, self[rows]

    def with_length(self, n_timepoints: int, lengths: np.ndarray | None) -> "HostSeries":
        """The same series read at ``n_timepoints`` steps, with ``lengths``."""
        return HostSeries(self.source, lengths, n_timepoints, self.transform)

    def with_transform(self, transform: Callable[[np.ndarray, np.ndarray | None], np.ndarray]) -> "HostSeries":
        """The same series, each block passed through ``transform`` as it is read."""
        return HostSeries(self.source, self.lengths, self.n_timepoints, transform)

    def update_hash(self, h) -> None:
        """Feed ``h`` (a hashlib object) the bytes the whole float32 array would give, a block at a time."""
        h.update(f"{self.dtype.str}{self.shape}".encode())
        for _, block in self.blocks():
            h.update(np.ascontiguousarray(block).tobytes())
