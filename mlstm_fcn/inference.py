"""The one batched forward pass of a fitted estimator, classifier or regressor.

``predict``, ``predict_proba``, the interpretation functions and the command
line all run a fitted network over series the same way, here: the series are
checked and fitted to the trained length and scaling (:func:`prepare`), then
fed in batches of ``predict_batch_size`` on the model's device, under the
precision of fit, on ``n_jobs`` CPU threads, without autograd; a batch that
does not fit in GPU memory is retried in halves, and results go back to the
host batch by batch, so GPU memory stays bounded for any number of series.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from ._data.inputs import check_X
from ._data.scaling import apply_scaling
from ._data.trained_length import to_trained_length
from ._runtime.batch_halving import BatchSizer, checked_batch_size
from ._runtime.device import autocast_context, usable_device
from ._runtime.threads import check_n_jobs, cpu_threads


@dataclass
class PreparedSeries:
    """Series as a fitted network reads them, and where and how it runs.

    Attributes
    ----------
    X : ndarray or HostSeries of shape (n, n_channels, n_timepoints), float32
        Checked, padded or cut to the trained length, scaled as in fit (an
        out-of-core input as a :class:`~mlstm_fcn._data.host_series.HostSeries` that
        does so to each batch as it is read).
    lengths : ndarray of shape (n,) or None
        Valid steps per series (None: all of them).
    device : torch.device
        Where the network runs (the fit's device, or the CPU where that is missing).
    autocast_dtype : torch.dtype or None
        Mixed precision of fit on a GPU, else None (float32).
    batch_size : int
        Series per forward pass (``predict_batch_size``).
    n_jobs : int or None
        The model's ``n_jobs``: the CPU threads of the passes (:func:`mlstm_fcn._runtime.threads.cpu_threads`).
    """

    X: np.ndarray
    lengths: np.ndarray | None
    device: torch.device
    autocast_dtype: torch.dtype | None
    batch_size: int
    n_jobs: int | None

    def __len__(self) -> int:
        return self.X.shape[0]


def prepare(model, X) -> PreparedSeries:
    """``X`` made ready for fitted estimator ``model``, whose network is moved to its device.

    Raises
    ------
    NotFittedError
        When ``model`` is not fitted.
    ValueError
        Input that ``model`` cannot read (other channels, another length for an
        equal-length model, invalid values).
    """
    check_is_fitted(model, "network_")
    batch_size = checked_batch_size(model.predict_batch_size, "predict_batch_size")  # set_params does not check
    check_n_jobs(model.n_jobs)  # nor this
    X_arr, lengths = check_X(X, out_of_core=True)  # a memmap stays on disk: read a batch at a time
    X_arr, lengths = to_trained_length(X, X_arr, lengths, n_channels=model.n_channels_,
                                       n_timepoints=model.n_timepoints_, equal_length=model.equal_length_,
                                       estimator=type(model).__name__)
    X_arr = apply_scaling(X_arr, lengths, model.scaling_, {"mean": model.input_mean_, "scale": model.input_scale_})
    device = usable_device(model.device_)
    model.network_.to(device).eval()
    dtype = model.autocast_dtype_ if device.type == "cuda" else None
    return PreparedSeries(X_arr, lengths, device, dtype, batch_size, model.n_jobs)


@torch.inference_mode()
def run_batches(fn: Callable[[torch.Tensor, torch.Tensor | None], object], series: PreparedSeries,
                what: str = "predict", progress: bool = False) -> list:
    """``[fn(x, lengths) for each batch]``, on the device, under the fit's precision and on ``n_jobs`` threads.

    ``fn`` gets a batch ``x`` ``(b, C, T)`` and its ``lengths`` (or None) as
    device tensors and should return host (CPU) results. ``progress`` shows
    a bar over the series when there are several batches.
    """
    n = len(series)
    bar = tqdm(total=n, desc=what, unit="series", disable=not progress or n <= 3 * series.batch_size)

    def batch(start: int, stop: int):
        xb = torch.from_numpy(series.X[start:stop]).to(series.device, non_blocking=True)
        lb = None if series.lengths is None else torch.from_numpy(series.lengths[start:stop]).to(series.device)
        with autocast_context(series.device, series.autocast_dtype):
            out = fn(xb, lb)
        bar.update(stop - start)
        return out

    try:
        with cpu_threads(series.n_jobs):
            return BatchSizer(series.batch_size).map(batch, n, what)
    finally:
        bar.close()


def logits(model, X, progress: bool = False) -> np.ndarray:
    """The fitted network's output for ``X``, ``(n, n_outputs)`` float32.

    A classifier's class scores (an ensemble's: log mean probability), a
    regressor's standardised predictions.
    """
    series = prepare(model, X)
    network = model.network_
    parts = run_batches(lambda xb, lb: network(xb, lb).float().cpu(), series, progress=progress)
    out = torch.cat(parts).numpy()
    finite = np.isfinite(out).all(axis=1)
    if not finite.all():
        # NaN or infinite outputs give no probability and no label: say which series, never return them.
        rows = np.flatnonzero(~finite)
        shown = ", ".join(map(str, rows[:10])) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
        raise ValueError(f"The network's output is NaN or infinite for {len(rows)} series (rows {shown}); their "
                         "values are probably far outside the range of the training series (overflow in float32).")
    return out


def predict_proba(clf, X, progress: bool = False) -> np.ndarray:
    """A fitted classifier's class probabilities ``(n, n_classes)`` in ``clf.classes_`` order, as float64."""
    z = logits(clf, X, progress).astype(np.float64)
    z -= z.max(axis=1, keepdims=True)
    proba = np.exp(z)
    return proba / proba.sum(axis=1, keepdims=True)


__all__ = ["PreparedSeries", "logits", "predict_proba", "prepare", "run_batches"]
