"""Series fitted to the length a model was trained on, which ``predict`` and the interpretation functions
need alike (:func:`to_trained_length`)."""

from __future__ import annotations

import numpy as np

from .._warnings import warn
from .host_series import HostSeries

def is_2d(X) -> bool:
    """Whether ``X`` came as a 2D array (univariate series, one column per time step)."""
    if hasattr(X, "ndim"):
        return X.ndim == 2
    if isinstance(getattr(X, "shape", None), tuple):  # out-of-core array-likes: read nothing
        return len(X.shape) == 2
    try:
        return np.asarray(X).ndim == 2  # __array__ only: array-likes may refuse numpy's functions
    except (ValueError, TypeError):  # a ragged list of series
        return False


def to_trained_length(X, X_arr: np.ndarray, lengths: np.ndarray | None, *, n_channels: int, n_timepoints: int,
                      equal_length: bool, estimator: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Checked series ``X_arr`` (of input ``X``) fitted to what a model was trained on.

    A model trained on equal-length series takes exactly that length. One
    trained on unequal lengths takes shorter series (padded, masked) and cuts
    longer ones to its longest, with a warning when that cuts valid steps.

    Raises
    ------
    ValueError
        Another channel count, or another length for an equal-length model.
    """
    n, c, t = X_arr.shape
    if c != n_channels:
        raise ValueError(f"X has {c} channels, but {estimator} was fitted on {n_channels} channels.")
    if equal_length:
        if t != n_timepoints or lengths is not None:
            got = t if lengths is None else f"{lengths.min()}-{t}"
            # A 2D X holds univariate series, one time step per column: say it in
            # scikit-learn's words too, as its n_features_in_ check expects.
            sk = (f"X has {t} features, but {estimator} is expecting {n_timepoints} features as "
                  "input (2D X: one column per time step). " if is_2d(X) else "")
            raise ValueError(f"{sk}X has series of length {got}, but {estimator} was fitted on "
                             f"series of length {n_timepoints}; resample or pad them first.")
        return X_arr, None
    if lengths is None:
        lengths = np.full(n, t, dtype=np.int64)
    if t > n_timepoints:
        longest = int(lengths.max())
        if longest > n_timepoints:  # columns of padding alone are cut silently
            warn(f"X has series up to {longest} steps, longer than the longest seen in fit ({n_timepoints}); "
                 f"they are truncated to {n_timepoints} steps.", UserWarning)
        lengths = np.minimum(lengths, n_timepoints)
    if isinstance(X_arr, HostSeries):  # cut or padded as each block is read
        return X_arr.with_length(n_timepoints, lengths), lengths
    if t > n_timepoints:
        X_arr = np.ascontiguousarray(X_arr[:, :, :n_timepoints])
    elif t < n_timepoints:
        X_arr = np.pad(X_arr, ((0, 0), (0, 0), (0, n_timepoints - t)))
    return X_arr, lengths
