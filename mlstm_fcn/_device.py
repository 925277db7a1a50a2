"""Resolving the ``device`` parameter, skorch-style: strings in, torch.device out."""

from __future__ import annotations

import re

import torch

_DEVICE_RE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def resolve_device(device) -> torch.device:
    """Map ``'auto'``, ``'cpu'``, ``'cuda'``, ``'cuda:N'`` or a torch.device to a usable device.

    Raises
    ------
    ValueError
        For an unknown name, or a CUDA device that this machine does not have.
    """
    if isinstance(device, torch.device):
        name = str(device)
    elif isinstance(device, str):
        name = device.strip().lower()
    else:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}.")
    if not _DEVICE_RE.match(name):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}.")
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
