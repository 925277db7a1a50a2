"""Saving and loading fitted estimators in a format that cannot run code when read.

One file, a standard safetensors file: the network's weights (CPU copies) as
tensors, and everything else (parameters, classes, history, format and
package versions) as JSON in the safetensors metadata header. Loading parses
that header and the raw tensor bytes only: there is no pickle anywhere, so a
crafted file cannot execute code; it can at worst be refused.

Integrity: the header records the SHA-256 of the JSON description plus the
tensor bytes, checked before anything is built. This catches truncation and
corruption (and naive edits); it is not a signature, so it does not prove
who wrote the file.

Layout of a safetensors file: 8 bytes little-endian header length ``N``,
``N`` bytes of JSON header (tensor names -> dtype/shape/offsets, plus
``"__metadata__"``: a str -> str map), then the tensor bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from .._estimator.param_checks import check_params
from .._runtime.device import usable_device
from .._warnings import warn
from ..augmentation.augmenter import storable as storable_augmentation
from .atomic import atomic_write
from .json_codec import encode, encode_array
from .model_schema import check_model, short
from .network_state import cpu_weights, rebuild_network
from .versions import FITTED_VERSION, check_fitted_version, fill_missing_params

#: Version of the file layout written by :func:`save_model`: that of the fitted state, which pickles share
#: (see :mod:`mlstm_fcn.io.versions`).
FORMAT_VERSION = FITTED_VERSION
_FORMAT_NAME = "mlstm-fcn"
#: Headers larger than this are refused before parsing (a real one is a few hundred kB at most).
_MAX_HEADER = 64 * 2**20


def _package_version() -> str:
    from .. import __version__

    return __version__


# ------------------------------------------------------------------ save/load
def _digest(meta_json: str, data: bytes) -> str:
    h = hashlib.sha256()
    h.update(meta_json.encode("utf-8"))
    h.update(b"\x00")
    h.update(data)
    return h.hexdigest()


def _data_section(blob: bytes) -> tuple[dict, bytes]:
    """Parse a safetensors blob into (header dict, tensor bytes), refusing anything malformed."""
    if len(blob) < 8:
        raise ValueError("not an mlstm-fcn model file: too short (truncated?).")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > _MAX_HEADER or 8 + n > len(blob):
        raise ValueError("not an mlstm-fcn model file, or a truncated one: bad header length.")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"not an mlstm-fcn model file: unreadable header ({exc}).") from None
    if not isinstance(header, dict):
        raise ValueError("not an mlstm-fcn model file: the header is not a JSON object.")
    return header, blob[8 + n:]


def save_model(estimator, path: str | os.PathLike) -> None:
    """Write a fitted estimator to ``path`` (weights: safetensors; the rest: JSON).

    The file is written to a temporary name beside ``path`` and moved into
    place, so an interrupted save never leaves a half-written model.

    Parameters
    ----------
    estimator : MLSTMFCNClassifier or MLSTMFCNRegressor
        A fitted estimator.
    path : str or path-like
        Destination; the suffix is up to the caller (the command line writes ``.model``).
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "network_")
    network = estimator.network_
    tensors = cpu_weights(network)
    params = estimator.get_params(deep=False)
    encoded_params = {}
    for k, v in params.items():
        if k == "random_state" and isinstance(v, (np.random.RandomState, np.random.Generator)):
            v = None  # a generator object only matters for refitting; its state is not kept
        if k == "callbacks":
            v = None  # functions are code, which a model file never holds; they only act during fit
        if k == "augmentation":
            v = storable_augmentation(v)  # names kept; callables, code, only act during fit
        encoded_params[k] = encode(v, f"parameter {k!r}")
    fitted = {k: encode(v, f"attribute {k!r}") for k, v in vars(estimator).items()
              if k.endswith("_") and not k.startswith("_") and k not in ("network_", "classes_")}
    meta = {
        "format": _FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "package_version": _package_version(),
        "torch_version": torch.__version__,
        "estimator": type(estimator).__name__,
        "params": encoded_params,
        "fitted": fitted,
        "network_config": encode(dict(network.config), "network config"),
    }
    if hasattr(estimator, "classes_"):  # a classifier's labels keep their exact dtype
        meta["classes"] = encode_array(estimator.classes_, "classes_")
    meta_json = json.dumps(meta, sort_keys=True)
    # Serialise once without the digest to learn the tensor bytes, then again with it:
    # the tensor section does not depend on the metadata.
    _, data = _data_section(st_save(tensors, metadata={"mlstm_fcn": meta_json}))
    blob = st_save(tensors, metadata={"mlstm_fcn": meta_json, "sha256": _digest(meta_json, data)})
    atomic_write(path, lambda f: f.write(blob))


def _parse_meta(meta_json: Any) -> Any:
    """The JSON description, or a ValueError (not a RecursionError for a deeply nested one)."""
    if not isinstance(meta_json, str):
        raise ValueError("not an mlstm-fcn model file (the model metadata is not text).")
    try:
        return json.loads(meta_json)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"not an mlstm-fcn model file: unreadable model metadata ({str(exc)[:80]}).") from None


def estimator_name(path: str | os.PathLike) -> str:
    """The class name of the estimator in a model file (``"MLSTMFCNClassifier"`` for files of 0.1).

    Reads the header only; the file is checked in full by :func:`load_model`.

    Raises
    ------
    ValueError
        If the file is not an mlstm-fcn model file.
    """
    with open(path, "rb") as f:
        head = f.read(8)
        n = struct.unpack("<Q", head)[0] if len(head) == 8 else -1
        if not 0 < n <= _MAX_HEADER:
            raise ValueError(f"{os.fspath(path)!r} is not an mlstm-fcn model file: bad header length.")
        blob = head + f.read(n)
    header, _ = _data_section(blob)
    metadata = header.get("__metadata__")
    try:
        meta = _parse_meta(metadata.get("mlstm_fcn") if isinstance(metadata, dict) else None)
    except ValueError:
        meta = None
    name = meta.get("estimator", "MLSTMFCNClassifier") if isinstance(meta, dict) else None
    if not isinstance(name, str):
        raise ValueError(f"{os.fspath(path)!r} is not an mlstm-fcn model file (no model metadata).")
    return name


def load_model(cls, path: str | os.PathLike):
    """Read a model written by :func:`save_model`; no code in the file is ever run.

    Everything the file describes is checked (:func:`~mlstm_fcn.io.model_schema.check_model`,
    then the estimator's own parameter checks) before an estimator or a
    network is built from it, and the network is built without drawing from
    torch's random generators.

    Raises
    ------
    ValueError
        If the file is not an mlstm-fcn model file, is truncated or altered
        (checksum mismatch), was written by a newer, incompatible format, or
        describes a model that is malformed or inconsistent with its weights.
    OSError
        If the file cannot be read.
    """
    blob = Path(path).read_bytes()
    try:
        return _load(cls, blob)
    except ValueError as exc:
        raise ValueError(f"{os.fspath(path)!r}: {exc}") from None


def _load(cls, blob: bytes):
    header, data = _data_section(blob)
    metadata = header.get("__metadata__")
    if (not isinstance(metadata, dict) or not isinstance(metadata.get("mlstm_fcn"), str)
            or not isinstance(metadata.get("sha256"), str)):
        raise ValueError("not an mlstm-fcn model file (no model metadata).")
    meta_json = metadata["mlstm_fcn"]
    if _digest(meta_json, data) != metadata["sha256"]:
        raise ValueError("failed its integrity check (SHA-256 mismatch): the file is corrupted, truncated or "
                         "was modified.")
    meta = _parse_meta(meta_json)
    if not isinstance(meta, dict) or meta.get("format") != _FORMAT_NAME:
        raise ValueError("not an mlstm-fcn model file.")
    version = meta.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"not an mlstm-fcn model file (format version {short(version)}).")
    check_fitted_version(version, _package_version())
    written_by = meta.get("estimator", cls.__name__)
    if written_by != cls.__name__:
        written_by = str(written_by)[:80]
        raise ValueError(f"holds a fitted {written_by}, not a {cls.__name__}; load it with {written_by}.load "
                         "(or mlstm_fcn.load_model, which reads either).")
    if meta.get("package_version") != _package_version():
        warn(f"Model saved with mlstm-fcn {short(meta.get('package_version'))}, loaded with {_package_version()}.",
             UserWarning)
    try:
        tensors = st_load(blob)
    except SafetensorError as exc:
        raise ValueError(f"unreadable weights ({str(exc)[:200]}).") from None

    checked = check_model(meta, tensors, cls.__name__)
    params, fitted = dict(checked.params), checked.fitted
    fill_missing_params(params, cls)  # parameters added since the file was written
    try:
        estimator = cls(**params)
    except TypeError as exc:
        raise ValueError(f"holds parameters that {cls.__name__} does not accept ({exc}).") from None
    try:
        check_params(estimator, device_must_exist=False)  # the constraints that fit checks
    except ValueError as exc:
        raise ValueError(f"holds invalid parameters: {exc}") from None
    for k, v in fitted.items():
        setattr(estimator, k, v)
    if checked.classes is not None:
        estimator.classes_ = checked.classes
    try:
        estimator.network_ = rebuild_network(checked.network_config, tensors, usable_device(estimator.device_))
    except RuntimeError as exc:  # checked above; kept so that no torch error escapes as such
        raise ValueError(f"weights do not match the network description ({str(exc)[:200]}).") from None
    return estimator
