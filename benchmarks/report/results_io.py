"""The result files the benchmarks write and the reports read: CSV rows, appended whole, and device names."""

from __future__ import annotations

import contextlib
import csv
import platform
from collections.abc import Iterator
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


@contextlib.contextmanager
def appending(path: Path, fields: list[str]) -> Iterator[tuple[csv.DictWriter, object]]:
    """``(writer, file)`` appending rows to a results CSV, with the header when the file is new.

    Rows already there stay: the benchmarks resume by skipping what they find.
    """
    new_file = not path.exists()
    with path.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        if new_file:
            writer.writeheader()
        yield writer, fh
