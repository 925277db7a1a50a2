"""The data section of a ``.ts`` file, parsed: per case, one array per dimension, and the labels as text.

The format (sktime's and the UEA/UCR archives'): after ``@data``, one line
per case; its dimensions separated by ``:``, the values of each by ``,``,
``?`` for a missing value; a labelled file ends each line with ``:<label>``.
Parsed here with numpy alone, so that reading the archive needs no sktime
(whose import alone takes seconds). What is wrong with a line is said by the
caller (:func:`mlstm_fcn.datasets.ts_file._diagnose_data` knows the header).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

__all__ = ["TsSyntaxError", "data_lines", "parse_data"]


class TsSyntaxError(ValueError):
    """A data line that does not parse (the caller says where, from the header it has)."""


def _dimension(field: str) -> np.ndarray:
    if not field.strip():
        return np.empty(0)
    # numpy parses "nan" (and the archive's "NaN"), not the format's "?".
    return np.array(field.replace("?", "nan").split(","), dtype=np.float64)


def data_lines(path) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of each data line of a ``.ts`` file: after ``@data``, stripped, no blanks or comments."""
    in_data = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not in_data:
                in_data = line.lower().startswith("@data")
                continue
            if line and not line.startswith("#"):
                yield number, line


def parse_data(path: Path, labelled: bool) -> tuple[list[list[np.ndarray]], list[str] | None]:
    """Cases of the data section of ``path``: per case, a float64 array per dimension; labels (or None).

    Labels are lower-cased (see below).

    A ``:`` ending every line of a file without labels (as sktime's
    ``write_ndarray_to_tsfile`` writes them) gives no extra, empty dimension.

    Raises
    ------
    TsSyntaxError
        A line that does not parse: a value that is not a number, a labelled
        line without ``:``, or no data at all.
    """
    rows: list[list[np.ndarray]] = []
    labels: list[str] | None = [] if labelled else None
    for number, line in data_lines(path):
        if labels is not None:
            line, sep, label = line.rpartition(":")
            if not sep:
                raise TsSyntaxError(f"line {number} has no ':<label>' at its end")
            # Lower-cased, as sktime's reader (which read these files before) gives them: archive
            # files disagree with their own headers in case (BasicMotions: "Standing", "standing").
            labels.append(label.strip().lower())
        fields = line.split(":")
        if labels is None and len(fields) > 1 and not fields[-1].strip():
            fields.pop()  # sktime's writer ends unlabelled lines with ':'
        try:
            rows.append([_dimension(field) for field in fields])
        except ValueError as exc:
            raise TsSyntaxError(f"line {number}: {exc}") from None
    if not rows:
        raise TsSyntaxError("the file has a header but no data")
    return rows, labels
