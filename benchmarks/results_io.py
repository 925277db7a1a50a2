"""What the accuracy and selection benchmarks share: their CSV rows and how they name a device."""

from __future__ import annotations

import csv
import platform
from pathlib import Path


def read_rows(path: Path) -> list[dict]:
    """Rows of a results CSV (none when the file does not exist yet)."""
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def device_label(clf) -> str:
    """The fitted classifier's device as the results name it: the GPU's name, or the CPU's."""
    import torch

    if clf.device_.type == "cuda":
        return torch.cuda.get_device_name(clf.device_)
    return f"cpu ({platform.processor() or platform.machine()})"
