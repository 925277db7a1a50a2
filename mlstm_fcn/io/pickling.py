"""Pickling a fitted estimator: weights as CPU tensors, so that a GPU model unpickles anywhere.

``pickle`` and ``joblib`` (scikit-learn's tooling) go through the
estimator's ``__getstate__`` / ``__setstate__``, which call these. The
network travels as its config and a ``torch.save`` of its CPU weights (as
skorch does), read back with ``weights_only=True``. A pickle records the
version of the fitted state (:mod:`mlstm_fcn.io.versions`); parameters
added since it was written take their defaults.
"""

from __future__ import annotations

import io

import torch

from .._runtime.device import usable_device
from .network_state import cpu_weights, rebuild_network
from .versions import FITTED_VERSION, RUN_VERSION, check_fitted_version, fill_missing_params


def pickled_state(state: dict) -> dict:
    """``state`` (an estimator's ``__dict__``) with the network as bytes and the device as a string."""
    state = dict(state)
    network = state.pop("network_", None)
    if network is not None:
        buffer = io.BytesIO()
        torch.save(cpu_weights(network), buffer)
        state["_network_config"] = dict(network.config)
        state["_network_state"] = buffer.getvalue()
    if "device_" in state:
        state["device_"] = str(state["device_"])
    state["_format_version"] = FITTED_VERSION
    return state


def unpickled_state(state: dict, cls) -> dict:
    """Inverse of :func:`pickled_state`, for an estimator of class ``cls`` of this or an earlier version."""
    state = dict(state)
    config = state.pop("_network_config", None)
    weights = state.pop("_network_state", None)
    if "device_" in state:
        state["device_"] = torch.device(state["device_"])
    from .. import __version__

    check_fitted_version(state.pop("_format_version", 1), __version__)
    fill_missing_params(state, cls)  # parameters added since the pickle was written
    if state.get("_runs") is not None and any(r["run"].get("version") != RUN_VERSION for r in state["_runs"]):
        state["_runs"] = None  # runs of another layout cannot be continued: warm_start starts from the weights
    if config is not None:
        tensors = torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True)
        state["network_"] = rebuild_network(config, tensors, usable_device(state["device_"]))
    return state
