"""Pickling a fitted estimator: weights as CPU tensors, so that a GPU model unpickles anywhere.

``pickle`` and ``joblib`` (scikit-learn's tooling) go through the
estimator's ``__getstate__`` / ``__setstate__``, which call these. The
network travels as its config and a ``torch.save`` of its CPU weights (as
skorch does), read back with ``weights_only=True``; older pickles get the
parameters and records added since (:mod:`mlstm_fcn.io.upgrade`).
"""

from __future__ import annotations

import io

import torch

from .._runtime import usable_device
from .network_state import cpu_weights, rebuild_network
from .upgrade import fill_missing_params, upgrade_fitted_state


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
    return state


def unpickled_state(state: dict, cls) -> dict:
    """Inverse of :func:`pickled_state`, for an estimator of class ``cls`` of this or an earlier version."""
    state = dict(state)
    config = state.pop("_network_config", None)
    weights = state.pop("_network_state", None)
    if "device_" in state:
        state["device_"] = torch.device(state["device_"])
    fill_missing_params(state, cls)
    upgrade_fitted_state(state)
    if config is not None:
        tensors = torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True)
        state["network_"] = rebuild_network(config, tensors, usable_device(state["device_"]))
    return state
