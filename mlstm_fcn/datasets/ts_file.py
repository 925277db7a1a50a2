"""Reading one ``.ts`` file (the sktime/UEA text format) into a NaN-padded float32 array.

The data lines are parsed by :mod:`mlstm_fcn.datasets.ts_parse` (numpy
only: no sktime). What this module adds: a header check, error messages that
name the file and, where they can, the line, and the cases as one
``(n, C, T)`` array, NaN-padded at the end of the time axis when the series
differ in length.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, overload

import numpy as np

from .._data.padding import pad_series
from .ts_parse import TsSyntaxError, data_lines, parse_data

__all__ = ["load_ts"]

_Y_DTYPES = ("str", "int", "float")


def _read_header(path: Path) -> dict[str, str]:
    """``@key value`` lines before ``@data``, keys lower-cased; ValueError when malformed."""
    header: dict[str, str] = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not line.startswith("@"):
                raise ValueError(f"{path}: line {number} is data before the @data tag; "
                                 "the header is missing or malformed.")
            key, _, value = line[1:].partition(" ")
            if key.lower() == "data":
                if value.strip():
                    raise ValueError(f"{path}: line {number}: @data takes no value.")
                return header
            header[key.lower()] = value.strip()
    raise ValueError(f"{path}: no @data line; not a .ts file or its header is incomplete.")


def _declared_dimensions(header: dict[str, str]) -> int | None:
    """Channels the header declares (``@univariate true`` or ``@dimensions N``), ``None`` if it does not say."""
    if header.get("univariate", "").lower() == "true":
        return 1
    return int(header["dimensions"]) if header.get("dimensions", "").isdigit() else None


def _declares_labels(header: dict[str, str]) -> bool:
    """Whether the header says ``@classLabel true ...`` (in any case, as sktime reads it)."""
    return header.get("classlabel", "").lower().split()[:1] == ["true"]


def declares_targets(header: dict[str, str]) -> bool:
    """Whether the header says ``@targetLabel true``: a regression file, one number per series."""
    return header.get("targetlabel", "").lower().split()[:1] == ["true"]


def _diagnose_data(path: Path, header: dict[str, str], labelled: bool) -> str | None:
    """Say which data line breaks the declared format, for messages that name the line."""
    dims = _declared_dimensions(header)
    for number, line in data_lines(path):
        fields = line.split(":")
        values = fields[:-1] if labelled else fields  # a labelled line ends with ":<label>"
        if dims is not None and len(values) != dims:
            return f"line {number} has {len(values)} dimension(s) but the header declares {dims}"
        for d, field in enumerate(values):
            for v in field.split(","):
                v = v.strip()
                if v in ("?", ""):
                    continue
                try:
                    float(v)
                except ValueError:
                    return f"line {number}, dimension {d}: {v!r} is not a number"
    return None


def _parse(path: Path, header: dict[str, str], labelled: bool) -> tuple[list[list[np.ndarray]], list[str] | None]:
    """Per case, one array per dimension, and the labels as text (``None`` when unlabelled)."""
    if header.get("timestamps", "").lower() == "true":
        raise ValueError(f"Could not read {path}: timestamped .ts files (@timeStamps true) are not supported.")
    try:
        return parse_data(path, labelled)
    except TsSyntaxError as exc:
        where = _diagnose_data(path, header, labelled)
        raise ValueError(f"Could not read {path}: {where or exc}") from None


def _declared_length(header: dict[str, str]) -> tuple[int | None, bool]:
    """The length every series has by the header (``@seriesLength N``, None if unsaid), and whether
    ``@equalLength true`` says they all have one length."""
    value = header.get("serieslength", "")
    return (int(value) if value.isdigit() else None), header.get("equallength", "").lower() == "true"


def _to_array(rows: list[list[np.ndarray]], path: Path, header: dict[str, str]) -> np.ndarray:
    """Cases (one array per dimension) -> NaN-padded float32 ``(n, C, T)``.

    Series must have the length the header declares.
    """
    declared, equal = _declared_length(header)
    series = []
    for i, channels in enumerate(rows):
        if len(channels) != len(rows[0]):
            raise ValueError(f"{path}: case {i} has {len(channels)} dimension(s), case 0 has {len(rows[0])}.")
        lengths = sorted({len(c) for c in channels})
        if len(lengths) > 1:
            # Padding is per series (all channels at once), so a case whose
            # channels differ in length has no faithful array form.
            raise ValueError(f"{path}: case {i} has channels of different lengths {lengths}.")
        if declared is not None and equal and lengths[0] != declared:
            raise ValueError(f"{path}: case {i} has {lengths[0]} steps but the header declares "
                             f"@seriesLength {declared}.")
        if equal and series and lengths[0] != series[0].shape[-1]:
            raise ValueError(f"{path}: case {i} has {lengths[0]} steps, case 0 has {series[0].shape[-1]}, but the "
                             "header declares @equalLength true.")
        series.append(np.stack(channels).astype(np.float32))
    return pad_series(series, dtype=np.float32)


@overload
def load_ts(path: str | os.PathLike, y_dtype: str = ...,
            require_labels: Literal[True] = ...) -> tuple[np.ndarray, np.ndarray]: ...


@overload
def load_ts(path: str | os.PathLike, y_dtype: str = ...,
            require_labels: bool = ...) -> tuple[np.ndarray, np.ndarray | None]: ...


def load_ts(path: str | os.PathLike, y_dtype: str = "str",
            require_labels: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Load one ``.ts`` file (sktime/UEA format) into ``(X, y)``.

    Parameters
    ----------
    path : str or path-like
        A file in sktime's ``.ts`` format, e.g. ``"NATOPS/NATOPS_TRAIN.ts"``.
    y_dtype : {"str", "int", "float"}, default="str"
        Type of the labels; "str" keeps them as written in the file, lower-cased
        (as sktime's reader gives them: archive files disagree with their
        own headers in case).
    require_labels : bool, default=True
        When True, only classification files (``@classLabel true ...``) and
        regression files (``@targetLabel true``) are read. When False, a
        file declaring ``@classLabel false`` (data lines without a trailing
        ``:label``) is read too, and ``y`` is ``None``; labelled files are
        read as with True.

    Returns
    -------
    X : ndarray of shape (n, C, T), float32
        NaN-padded at the end when the series have unequal length; missing
        values (``?``) are NaN (see :mod:`mlstm_fcn.datasets`).
    y : ndarray of shape (n,) or None
        The labels (``y_dtype``), or a regression file's targets (float64,
        whatever ``y_dtype``); ``None`` only for an unlabelled file read with
        ``require_labels=False``.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When the file is malformed (bad header, wrong number of dimensions,
        a non-numeric value...), or declares no class labels while
        ``require_labels`` is True; the message names the file and, where it
        can, the line.

    Examples
    --------
    >>> from mlstm_fcn.datasets import BUNDLED_DIR, load_ts
    >>> X, y = load_ts(BUNDLED_DIR / "BasicMotions" / "BasicMotions_TEST.ts")
    >>> X.shape, len(y)
    ((40, 6, 100), 40)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No .ts file at {path}.")
    if y_dtype not in _Y_DTYPES:
        raise ValueError(f"y_dtype must be one of {_Y_DTYPES}, got {y_dtype!r}.")
    header = _read_header(path)
    if declares_targets(header):
        # A regression file (the TSER archive's format): the value after the last ':' is a number.
        rows, y_raw = _parse(path, header, True)
        try:
            y = np.asarray(y_raw, dtype=str).astype(np.float64)  # 40.1 stays 40.1 (no float32 on the way)
        except ValueError as exc:
            raise ValueError(f"{path}: @targetLabel true, but a target is not a number ({exc}).") from exc
        return _to_array(rows, path, header), y
    labelled = _declares_labels(header)
    if not labelled and require_labels:
        raise ValueError(f"{path}: the header declares neither class labels (@classLabel true ...) "
                         "nor regression targets (@targetLabel true).")
    if not labelled and "classlabel" not in header:
        raise ValueError(f"{path}: the header has no @classLabel line "
                         "(@classLabel true <labels>, or @classLabel false for a file without labels).")
    rows, y_raw = _parse(path, header, labelled)
    # Labels are not checked against @classLabel: archive files disagree with
    # their own headers in case (BasicMotions declares "Standing", uses "standing").
    declared = _declared_dimensions(header)
    if declared is not None and any(len(r) != declared for r in rows):
        where = _diagnose_data(path, header, labelled) or f"cases have {len(rows[0])} dimensions"
        raise ValueError(f"Could not read {path}: {where}")
    if y_raw is None:
        return _to_array(rows, path, header), None
    try:
        y = np.asarray(y_raw).astype({"str": str, "int": np.int64, "float": np.float64}[y_dtype])
    except ValueError as exc:
        raise ValueError(f"{path}: labels cannot be read as {y_dtype} ({exc}); use y_dtype='str'.") from exc
    return _to_array(rows, path, header), y
