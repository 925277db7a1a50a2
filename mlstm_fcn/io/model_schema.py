"""What a model file may hold, checked in full before anything is built from it.

The SHA-256 in a model file is a checksum, not a signature: anyone can edit
the JSON description and recompute it. So the loader trusts nothing it
reads: :func:`check_model` checks the description against a schema (types,
required keys, the fitted attributes an estimator has, sizes bounded by the
tensors the file holds) and the network description against the stored
tensors and classes, and refuses anything else with a ``ValueError`` that
says what is wrong. Only then is an estimator or a network built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch

from .._data.scaling import SCALINGS
from ..nn.ensemble import COMBINE
from ..nn.lstm import ORIENTATIONS
from .json_codec import decode, decode_array

#: Longest text of a file echoed in a message (a file may hold megabytes in a version string).
ECHO_LIMIT = 80

#: Keys of the JSON description; the first set must be there.
_REQUIRED_KEYS = {"format", "format_version", "params", "fitted", "network_config"}
_OPTIONAL_KEYS = {"package_version", "torch_version", "estimator", "classes"}

#: Keys of a network description: those of one network, and those an ensemble adds.
_NETWORK_KEYS = {"n_channels", "n_timepoints", "n_classes", "lstm_units", "attention", "filters", "kernel_sizes",
                 "se_reduction", "dropout", "lstm_orientation"}
_NETWORK_REQUIRED = {"n_channels", "n_timepoints", "n_classes"}
_ENSEMBLE_KEYS = {"n_members", "combine"}

_MEMBER = re.compile(r"^members\.(\d+)\.")


def short(value: Any) -> str:
    """``repr(value)``, cut to :data:`ECHO_LIMIT` characters: what a message may quote of a file."""
    try:
        text = repr(value)
    except RecursionError:
        return f"<a {type(value).__name__} nested too deeply to show>"
    return text if len(text) <= ECHO_LIMIT else f"{text[:ECHO_LIMIT]}... ({len(text)} characters)"


def _fail(what: str) -> ValueError:
    return ValueError(f"the model description is malformed: {what.rstrip('.')}.")


def _is_int(v: Any, low: int | None = None) -> bool:
    return isinstance(v, Integral) and not isinstance(v, (bool, np.bool_)) and (low is None or v >= low)


def _is_real(v: Any) -> bool:
    return isinstance(v, Real) and not isinstance(v, (bool, np.bool_))


def _is_float_array(v: Any, size: int | None = None) -> bool:
    return (isinstance(v, np.ndarray) and v.dtype.kind == "f" and (size is None or v.size == size)
            and bool(np.isfinite(v).all()))


def _is_history(v: Any) -> bool:
    return (isinstance(v, dict) and all(isinstance(k, str) for k in v)
            and all(isinstance(s, list) and all(_is_real(x) for x in s) for s in v.values()))


def _is_int_list(v: Any) -> bool:
    return isinstance(v, list) and all(_is_int(x) for x in v)


#: The fitted attributes a model file may set, each with the test its value must pass
#: (counts are compared with the network further down).
FITTED_SCHEMA: dict[str, Any] = {
    "n_channels_": lambda v: _is_int(v, 1),
    "n_timepoints_": lambda v: _is_int(v, 1),
    "n_features_in_": lambda v: _is_int(v, 1),
    "equal_length_": lambda v: isinstance(v, bool),
    "scaling_": lambda v: (v is None or isinstance(v, str)) and v in SCALINGS,
    "input_mean_": lambda v: v is None or _is_float_array(v),
    "input_scale_": lambda v: v is None or _is_float_array(v),
    "device_": lambda v: isinstance(v, torch.device) and v.type in ("cpu", "cuda"),
    "autocast_dtype_": lambda v: v is None or isinstance(v, torch.dtype) and v in (torch.bfloat16, torch.float16),
    "data_on_device_": lambda v: isinstance(v, bool),
    "used_cuda_graph_": lambda v: isinstance(v, bool),
    "history_": _is_history,
    "histories_": lambda v: isinstance(v, list) and all(_is_history(h) for h in v),
    "best_epoch_": _is_int,
    "best_epochs_": _is_int_list,
    "n_epochs_": lambda v: _is_int(v, 0),
    "converged_": lambda v: v is None or isinstance(v, bool),
    "train_loss_": _is_real,
    "train_accuracy_": _is_real,
    "class_count_": lambda v: _is_float_array(v) and bool((v >= 0).all()),
    "n_outputs_": lambda v: _is_int(v, 1),
    "y_1d_": lambda v: isinstance(v, bool),
    "y_mean_": _is_float_array,
    "y_scale_": lambda v: _is_float_array(v) and bool((v > 0).all()),
}
#: What a model file must hold at the least (predict reads them).
_FITTED_REQUIRED = {"n_channels_", "n_timepoints_", "device_", "history_"}
#: What predict reads beside them, per estimator.
_OWN_FITTED_REQUIRED = {"MLSTMFCNRegressor": {"n_outputs_", "y_1d_", "y_mean_", "y_scale_"}}


@dataclass
class CheckedModel:
    """A model file's description, decoded and checked: what the loader builds the estimator from."""

    params: dict
    fitted: dict
    classes: np.ndarray | None
    network_config: dict


def _decoded(value: Any, what: str) -> Any:
    try:
        return decode(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise _fail(f"{what}: {exc}") from None
    except RecursionError:  # nesting that JSON parsing took but decoding, a level deeper, does not
        raise _fail(f"{what} is nested too deeply") from None


def _check_network_config(config: Any) -> dict:
    if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
        raise _fail(f"network_config must be an object, got {short(config)}")
    unknown = set(config) - _NETWORK_KEYS - _ENSEMBLE_KEYS
    if unknown:
        raise _fail(f"network_config has unknown keys {short(sorted(unknown))}")
    missing = _NETWORK_REQUIRED - set(config)
    if missing:
        raise _fail(f"network_config lacks {sorted(missing)}")
    checks = {
        "n_channels": lambda v: _is_int(v, 1), "n_timepoints": lambda v: _is_int(v, 1),
        "n_classes": lambda v: _is_int(v, 1), "lstm_units": lambda v: _is_int(v, 1),
        "attention": lambda v: isinstance(v, bool),
        "filters": lambda v: isinstance(v, tuple) and len(v) > 0 and all(_is_int(x, 1) for x in v),
        "kernel_sizes": lambda v: isinstance(v, tuple) and len(v) > 0 and all(_is_int(x, 1) for x in v),
        "se_reduction": lambda v: v is None or _is_int(v, 1),
        "dropout": lambda v: _is_real(v) and 0 <= v < 1,
        "lstm_orientation": lambda v: isinstance(v, str) and v in ORIENTATIONS,
        "n_members": lambda v: _is_int(v, 1), "combine": lambda v: isinstance(v, str) and v in COMBINE,
    }
    for key, value in config.items():
        if not checks[key](value):
            raise _fail(f"network_config[{key!r}] = {short(value)} is not valid")
    if len(config.get("filters", (0,))) != len(config.get("kernel_sizes", (0,))):
        raise _fail("network_config has filters and kernel_sizes of different lengths")
    return config


def _check_fitted(fitted: Any, estimator: str) -> dict:
    if not isinstance(fitted, dict):
        raise _fail(f"'fitted' must be an object, got {short(fitted)}")
    unknown = [k for k in fitted if k not in FITTED_SCHEMA]
    if unknown:
        # Only the names of fitted attributes: a file must not set a method (predict) on the instance.
        raise _fail(f"unknown fitted attributes {short(sorted(map(str, unknown)))}")
    missing = (_FITTED_REQUIRED | _OWN_FITTED_REQUIRED.get(estimator, set())) - set(fitted)
    if missing:
        raise _fail(f"'fitted' lacks {sorted(missing)}")
    decoded = {k: _decoded(v, f"fitted attribute {k!r}") for k, v in fitted.items()}
    for k, v in decoded.items():
        if not FITTED_SCHEMA[k](v):
            raise _fail(f"fitted attribute {k!r} = {short(v)} is not valid")
    return decoded


def _check_classes(value: Any) -> np.ndarray:
    try:
        classes = decode_array(value)
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise _fail(f"classes: {exc}") from None
    if classes.ndim != 1 or len(classes) < 2:
        raise _fail(f"classes must be a list of at least 2 labels, got shape {classes.shape}")
    try:
        ordered = bool((np.unique(classes) == classes).all()) and len(np.unique(classes)) == len(classes)
    except TypeError:
        ordered = False
    if not ordered:  # labels are found by binary search: sorted and unique, as np.unique leaves them
        raise _fail("classes must be unique and sorted")
    return classes


def _member_count(tensors: dict[str, torch.Tensor]) -> int | None:
    """How many ensemble members the stored tensors hold (None: one network, not an ensemble)."""
    indices = {int(m.group(1)) for m in map(_MEMBER.match, tensors) if m}
    if not indices:
        return None
    if indices != set(range(len(indices))) or any(not _MEMBER.match(k) for k in tensors):
        raise _fail("the stored tensors are not those of an ensemble's members 0..n-1")
    return len(indices)


def _check_against_tensors(config: dict, tensors: dict[str, torch.Tensor]) -> None:
    """The network of ``config`` has exactly the stored tensors' names, shapes and dtypes.

    One network is built, on the meta device (shapes only: no memory, no random draws), and an
    ensemble's members are compared with it one by one: the work grows with what the file holds,
    never with the sizes it claims.
    """
    from ..nn import build_network

    members = _member_count(tensors)
    if config.get("n_members") != members:
        raise _fail(f"network_config says n_members={short(config.get('n_members'))}, the tensors hold "
                    f"{'one network' if members is None else f'{members} members'}")
    one = {k: v for k, v in config.items() if k not in _ENSEMBLE_KEYS}
    with torch.device("meta"):
        try:
            member = build_network(one).to(torch.float32).state_dict()
        except (ValueError, TypeError, RuntimeError) as exc:
            raise _fail(f"network_config describes no network ({exc})") from None
    if len(tensors) != len(member) * (members or 1):
        raise _fail(f"the weights do not match the network description ({len(tensors)} tensors, "
                    f"{len(member) * (members or 1)} expected)")
    prefixes = [""] if members is None else [f"members.{i}." for i in range(members)]
    expected = {p + k: t for p in prefixes for k, t in member.items()}  # as many as the file holds
    if expected.keys() != tensors.keys():
        missing = [k for k in expected if k not in tensors][:3]
        extra = [k for k in tensors if k not in expected][:3]
        raise _fail(f"the weights do not match the network description (missing {short(missing)}, "
                    f"unexpected {short(extra)})")
    for name, t in expected.items():
        if tuple(t.shape) != tuple(tensors[name].shape) or t.dtype != tensors[name].dtype:
            raise _fail(f"weight {name!r} is {tensors[name].dtype} {tuple(tensors[name].shape)}, the network "
                        f"description needs {t.dtype} {tuple(t.shape)}")


def check_model(meta: Any, tensors: dict[str, torch.Tensor], estimator: str) -> CheckedModel:
    """Check a model file's JSON description ``meta`` and its ``tensors`` for estimator class ``estimator``.

    Parameters
    ----------
    meta : object
        The parsed JSON description (format and versions already checked).
    tensors : dict of str to Tensor
        The stored weights.
    estimator : str
        Name of the estimator class the file is loaded as.

    Returns
    -------
    CheckedModel
        Parameters (decoded, not yet checked against the estimator's
        constraints), fitted attributes, classes and network description.

    Raises
    ------
    ValueError
        Saying what is malformed: a missing or unknown key, a value of the
        wrong type, a fitted attribute the estimator does not have, a network
        description that does not match the tensors, the classes or the
        fitted shapes.
    """
    if not isinstance(meta, dict):
        raise _fail(f"it must be a JSON object, got {type(meta).__name__}")
    missing = _REQUIRED_KEYS - set(meta)
    if missing:
        raise _fail(f"it lacks {sorted(missing)}")
    unknown = set(meta) - _REQUIRED_KEYS - _OPTIONAL_KEYS
    if unknown:
        raise _fail(f"unknown keys {short(sorted(unknown))}")
    if not isinstance(meta["params"], dict):
        raise _fail(f"'params' must be an object, got {short(meta['params'])}")
    params = {k: _decoded(v, f"parameter {k!r}") for k, v in meta["params"].items()}
    fitted = _check_fitted(meta["fitted"], estimator)
    config = _check_network_config(_decoded(meta["network_config"], "network_config"))
    _check_against_tensors(config, tensors)
    classes = None
    if estimator == "MLSTMFCNClassifier" or "classes" in meta:
        if "classes" not in meta:
            raise _fail("a classifier's file lacks its classes")
        classes = _check_classes(meta["classes"])
        if len(classes) != config["n_classes"]:
            raise _fail(f"{len(classes)} classes but the network has {config['n_classes']} outputs")
    if "n_outputs_" in fitted and fitted["n_outputs_"] != config["n_classes"]:
        raise _fail(f"n_outputs_={fitted['n_outputs_']} but the network has {config['n_classes']} outputs")
    for attr in ("y_mean_", "y_scale_"):
        if attr in fitted and fitted[attr].size != config["n_classes"]:
            raise _fail(f"{attr} has {fitted[attr].size} values for {config['n_classes']} outputs")
    for attr, key in (("n_channels_", "n_channels"), ("n_timepoints_", "n_timepoints")):
        if fitted[attr] != config[key]:
            raise _fail(f"{attr}={fitted[attr]} but the network was built for {key}={config[key]}")
    for attr in ("input_mean_", "input_scale_"):
        if fitted.get(attr) is not None and fitted[attr].size != config["n_channels"]:
            raise _fail(f"{attr} has {fitted[attr].size} values for {config['n_channels']} channels")
    if fitted.get("input_scale_") is not None and not (fitted["input_scale_"] > 0).all():
        raise _fail("input_scale_ must be positive")
    if "class_count_" in fitted and fitted["class_count_"].size != config["n_classes"]:
        raise _fail(f"class_count_ has {fitted['class_count_'].size} counts for {config['n_classes']} classes")
    n_members = config.get("n_members", 1)
    for attr in ("histories_", "best_epochs_"):
        if attr in fitted and len(fitted[attr]) != n_members:
            raise _fail(f"{attr} has {len(fitted[attr])} entries for {n_members} networks")
    return CheckedModel(params, fitted, classes, config)


__all__ = ["ECHO_LIMIT", "FITTED_SCHEMA", "CheckedModel", "check_model", "short"]
