"""Pickling a fitted estimator: weights as CPU tensors, so that a GPU model unpickles anywhere.

``pickle`` and ``joblib`` (scikit-learn's tooling) go through the
estimator's ``__getstate__`` / ``__setstate__``, which call these. The
network travels as its config and a ``torch.save`` of its CPU weights (as
skorch does), read back with ``weights_only=True``; older pickles get the
parameters and records added since (:mod:`mlstm_fcn.io.upgrade`), by the version of the fitted
state that the pickle records (1 for pickles written before it did).
"""

from __future__ import annotations

import io

import torch

from .._runtime import usable_device
from .network_state import cpu_weights, rebuild_network
from .upgrade import FITTED_VERSION, fill_missing_params, upgrade_fitted, upgrade_run


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
    upgrade_fitted(state, state, cls, state.pop("_format_version", 1))
    # Parameters added after the pickle was written within its version (n_jobs): what fill_missing_params says.
    fill_missing_params(state, cls)
    if state.get("_runs") is not None:  # the runs kept to continue training have versions of their own
        state["_runs"] = [{**r, "run": upgrade_run(r["run"])} for r in state["_runs"]]
    if config is not None:
        tensors = torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True)
        state["network_"] = rebuild_network(config, tensors, usable_device(state["device_"]))
    return state
