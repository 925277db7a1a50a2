"""Unequal-length series as one array: trailing NaN padding, written and read in one place.

The convention everywhere (loaders, input checks, the command line): a
dataset of series of different lengths is a float array ``(n, C, T)`` whose
series are padded at the end of the time axis with NaN, in every channel at
once. A step is padding when every channel is NaN there and at every later
step; a NaN anywhere else is a missing value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def trailing_padding(X: np.ndarray) -> np.ndarray:
    """Boolean ``(n, T)``: the steps of each series that are trailing NaN padding."""
    all_nan_step = np.isnan(X).all(axis=1)
    return np.flip(np.logical_and.accumulate(np.flip(all_nan_step, axis=1), axis=1), axis=1)


def series_lengths(X: np.ndarray) -> np.ndarray:
    """Valid steps of each series of a NaN-padded ``(n, C, T)`` array."""
    return X.shape[2] - trailing_padding(X).sum(axis=1)


def pad_series(series: Sequence[np.ndarray], dtype=np.float32) -> np.ndarray:
    """Series ``(C, T_i)`` (the same ``C``) as one ``(n, C, max T_i)`` array, NaN-padded at the end."""
    longest = max((a.shape[1] for a in series), default=0)
    channels = series[0].shape[0] if len(series) else 0
    out = np.full((len(series), channels, longest), np.nan, dtype=dtype)
    for i, a in enumerate(series):
        out[i, :, : a.shape[1]] = a
    return out
