"""Where and with what arithmetic a fit runs: device, precision and cuDNN's flag.

Everything here decides *where* or *with what arithmetic* training runs,
never *what* is trained; the estimator reads its ``device``, ``precision``
and ``cudnn_benchmark`` parameters through these functions.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import torch

_DEVICE_RE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")

#: Values of the ``precision`` parameter.
PRECISIONS = ("auto", "fp32", "bf16")


# -------------------------------------------------------------------- device
def check_device_name(device) -> str:
    """``device`` as a lower-case name, if it is one of ``'auto'``, ``'cpu'``, ``'cuda'``, ``'cuda:N'``.

    Whether this machine has that device is :func:`resolve_device`'s question.

    Raises
    ------
    ValueError
        For anything else.
    """
    if isinstance(device, torch.device):
        name = str(device)
    elif isinstance(device, str):
        name = device.strip().lower()
    else:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}.")
    if not _DEVICE_RE.match(name):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}.")
    return name


def resolve_device(device) -> torch.device:
    """Map ``'auto'``, ``'cpu'``, ``'cuda'``, ``'cuda:N'`` or a torch.device to a usable device.

    Raises
    ------
    ValueError
        For an unknown name, or a CUDA device that this machine does not have.
    """
    name = check_device_name(device)
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(name)
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} was asked for, but CUDA is not available on this machine; "
                             "use device='cpu' or 'auto'.")
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        if index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r}: this machine has {torch.cuda.device_count()} CUDA device(s).")
        dev = torch.device("cuda", index)
    return dev


def usable_device(fitted: torch.device) -> torch.device:
    """Where a model fitted on ``fitted`` predicts on this machine.

    A model fitted on a GPU predicts on the CPU where there is none, and on
    the current GPU where its own (``cuda:1``, say) does not exist.
    """
    if fitted.type == "cuda" and not torch.cuda.is_available():
        return torch.device("cpu")
    if fitted.type == "cuda" and (fitted.index or 0) >= torch.cuda.device_count():
        return torch.device("cuda", torch.cuda.current_device())
    return fitted


# ----------------------------------------------------------------- precision
def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype of ``precision`` on ``device``: ``torch.bfloat16``, or None for float32.

    Raises
    ------
    ValueError
        ``precision="bf16"`` on a CPU or on a GPU without bfloat16.
    """
    if precision == "fp32":
        return None
    if precision == "bf16":
        if device.type != "cuda":
            # oneDNN's LSTM has no bf16 kernel on most CPUs: it would fail deep in torch.
            raise ValueError("precision='bf16' needs a CUDA GPU; use precision='fp32' or 'auto' on a CPU.")
        if not torch.cuda.is_bf16_supported():
            raise ValueError("precision='bf16' was asked for, but this GPU does not support bfloat16.")
        return torch.bfloat16
    return torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else None


def autocast_context(device: torch.device, dtype: torch.dtype | None):
    """Mixed-precision context for ``dtype``, or a no-op for float32."""
    if dtype is None:
        return contextlib.nullcontext()
    # The weight-cast cache must be off for CUDA-graph capture, and buys
    # nothing here anyway (weights change at every step).
    return torch.autocast(device.type, dtype=dtype, cache_enabled=False)


@contextlib.contextmanager
def cudnn_benchmark(enabled: bool) -> Iterator[None]:
    """Set cuDNN's benchmark flag for the duration of a fit, then restore the caller's."""
    previous = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = enabled or previous
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = previous
