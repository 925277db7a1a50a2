"""Parameters and fitted records as JSON, rebuilt exactly: the metadata of a model file."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch

# JSON has no tuples, numpy scalars or non-string dict keys; parameters use
# all three (filters=(128, 256, 128), class_weight={1: 2.0}), so values are
# written with small tags and rebuilt exactly.

def encode(value: Any, where: str) -> Any:
    """``value`` as plain JSON, tagged where JSON has no such type; ``where`` names it in errors."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, where) for v in value]}
    if isinstance(value, list):
        return [encode(v, where) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, where), encode(v, where)] for k, v in value.items()]}
    if isinstance(value, torch.device):
        return {"__device__": str(value)}
    if isinstance(value, torch.dtype):
        return {"__torch_dtype__": str(value).removeprefix("torch.")}
    if isinstance(value, np.ndarray):
        return {"__array__": encode_array(value, where)}
    raise TypeError(f"Cannot save {where}: values of type {type(value).__name__} are not supported.")


def decode(value: Any) -> Any:
    """Inverse of :func:`encode`; refuses unknown tags (a name only, never code)."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__dict__" in value:
            return {decode(k): decode(v) for k, v in value["__dict__"]}
        if "__device__" in value:
            return torch.device(value["__device__"])
        if "__torch_dtype__" in value:
            dtype = getattr(torch, str(value["__torch_dtype__"]), None)
            if not isinstance(dtype, torch.dtype):  # a name only, never code: refuse the unknown
                raise ValueError(f"Unknown torch dtype in model file: {value['__torch_dtype__']!r}.")
            return dtype
        if "__array__" in value:
            return decode_array(value["__array__"])
        raise ValueError(f"Unknown JSON object in model file: keys {sorted(value)}.")
    return value


def encode_array(a: np.ndarray, where: str = "an array") -> dict:
    """JSON form of a 1D label array that rebuilds the same dtype and values exactly."""
    a = np.asarray(a)
    kind = a.dtype.kind
    if kind in "biufU":
        # Python's float repr, which json uses, round-trips float64 exactly;
        # narrower floats widen to float64 and back without loss.
        return {"dtype": a.dtype.str, "values": a.tolist()}
    if kind == "O" and all(isinstance(v, (str, bool, int, float, np.generic)) for v in a.ravel()):
        return {"dtype": "object", "values": [encode(v, where) for v in a.tolist()]}
    raise TypeError(f"Cannot save {where}: arrays of dtype {a.dtype} are not supported "
                    "(str, int, float and bool are).")


def decode_array(d: dict) -> np.ndarray:
    """Inverse of :func:`encode_array`."""
    dtype = object if d["dtype"] == "object" else np.dtype(d["dtype"])
    values = d["values"]
    if dtype is object:
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    return np.array(values, dtype=dtype)
