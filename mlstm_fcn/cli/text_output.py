"""What the command line prints: aligned text tables and key-value lists, or JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np


def plain(value):
    """JSON-friendly version of numpy scalars and arrays."""
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def one_line(exc: BaseException) -> str:
    """An error's message as one line (messages may span lines; the user gets one)."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def fmt(value) -> str:
    """A cell: floats to four decimals, None as empty."""
    if isinstance(value, (float, np.floating)):
        return f"{value:.4f}"
    return "" if value is None else str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence]) -> str:
    """Rows as an aligned text table; numbers right-aligned."""
    cells = [[fmt(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], (int, float, np.number)) and not isinstance(row[i], bool)
                   for row in rows) and bool(rows) for i in range(len(headers))]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def pairs(items: Sequence[tuple[str, object]]) -> str:
    """``key  value`` lines, keys padded to one width."""
    width = max(len(k) for k, _ in items)
    return "\n".join(f"{k.ljust(width)}  {fmt(v)}" for k, v in items)


def emit(as_json: bool, payload: dict, text: str) -> None:
    """Print ``payload`` as JSON, or ``text``."""
    if as_json:
        print(json.dumps(plain(payload), indent=2))
    else:
        print(text)
