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
    """Inverse of :func:`encode`; refuses unknown or malformed tags (a name only, never code).

    Raises
    ------
    ValueError
        For a tag it does not know, or one whose content is malformed.
    """
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(decode(v) for v in _tagged_list(value, "__tuple__"))
        if "__dict__" in value:
            pairs = _tagged_list(value, "__dict__")
            if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
                raise ValueError("a __dict__ in the model file is not a list of [key, value] pairs.")
            keys = [decode(k) for k, _ in pairs]
            if not all(k is None or isinstance(k, (str, int, float, bool, tuple)) for k in keys):
                raise ValueError("a __dict__ in the model file has keys that cannot be dict keys.")
            try:
                return {k: decode(v) for k, (_, v) in zip(keys, pairs)}
            except TypeError:  # a tuple key holding a list
                raise ValueError("a __dict__ in the model file has keys that cannot be dict keys.") from None
        if "__device__" in value:
            name = value["__device__"]
            try:
                return torch.device(name)
            except (RuntimeError, TypeError, ValueError):
                raise ValueError(f"Unknown device in model file: {str(name)[:80]!r}.") from None
        if "__torch_dtype__" in value:
            dtype = getattr(torch, str(value["__torch_dtype__"]), None)
            if not isinstance(dtype, torch.dtype):  # a name only, never code: refuse the unknown
                raise ValueError(f"Unknown torch dtype in model file: {str(value['__torch_dtype__'])[:80]!r}.")
            return dtype
        if "__array__" in value:
            return decode_array(value["__array__"])
        raise ValueError(f"Unknown JSON object in model file: keys {sorted(value)[:10]}.")
    return value


def _tagged_list(value: dict, tag: str) -> list:
    content = value[tag]
    if not isinstance(content, list):
        raise ValueError(f"a {tag} in the model file does not hold a list.")
    return content


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


#: Widest string label a model file may declare (in characters); wider ones are refused, not allocated.
MAX_LABEL_CHARS = 4096

_LABEL_SCALARS = (str, bool, int, float, np.bool_, np.integer, np.floating)


def label_problem(labels: np.ndarray) -> str | None:
    """Why class labels ``labels`` could not be saved in a model file and read back (None: they can).

    The rule :func:`decode_array` applies to a file, asked before the work that
    would end in such a file: bool, int, float or str labels (in an array of
    that dtype or of objects), strings of at most :data:`MAX_LABEL_CHARS`
    characters.
    """
    labels = np.asarray(labels)
    kind = labels.dtype.kind
    if kind in "biuf":
        return None
    if kind == "U":
        strings = labels.ravel()
    elif kind == "O" and all(isinstance(v, _LABEL_SCALARS) for v in labels.ravel()):
        strings = [v for v in labels.ravel() if isinstance(v, str)]
    else:
        bad = labels.dtype.name if kind != "O" else next(type(v).__name__ for v in labels.ravel()
                                                     if not isinstance(v, _LABEL_SCALARS))
        return f"labels of type {bad} cannot be saved in a model file (str, int, float and bool can)"
    longest = max((len(v) for v in strings), default=0)
    if longest > MAX_LABEL_CHARS:
        return (f"a label of {longest} characters is longer than a model file takes ({MAX_LABEL_CHARS}); "
                "the model could be saved but never loaded")
    return None


def decode_array(d: dict) -> np.ndarray:
    """Inverse of :func:`encode_array`.

    Raises
    ------
    ValueError
        When ``d`` is not such a description: no dtype or values, a dtype
        other than bool, int, float, str or object (or a str dtype wider
        than :data:`MAX_LABEL_CHARS`), values that do not fit it.
    """
    if not isinstance(d, dict) or not isinstance(d.get("dtype"), str) or not isinstance(d.get("values"), list):
        raise ValueError("an array in the model file is not {'dtype': str, 'values': list}.")
    values = d["values"]
    if d["dtype"] == "object":
        if not all(v is None or isinstance(v, (str, bool, int, float)) for v in values):
            raise ValueError("an object array in the model file holds values other than str, int, float, bool.")
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    try:
        dtype = np.dtype(d["dtype"])
    except (TypeError, ValueError):
        raise ValueError(f"Unknown array dtype in model file: {d['dtype'][:80]!r}.") from None
    if dtype.kind not in "biufU" or (dtype.kind == "U" and dtype.itemsize // 4 > MAX_LABEL_CHARS):
        raise ValueError(f"Array dtype {d['dtype'][:80]!r} in a model file is not allowed.")
    try:
        return np.array(values, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"an array in the model file does not hold {dtype} values ({str(exc)[:80]}).") from None
