"""Reading what earlier versions wrote: pickles, model files and checkpoints.

Each upgrade fills in what a newer version records and an older one lacked,
with the values that reproduce the older behaviour, so that an old model
predicts exactly as it did.
"""

from __future__ import annotations

import inspect
from typing import Any

#: Parameters whose default changed after they were added, with the value that an
#: estimator saved before they existed behaved as (its constructor default applies otherwise).
LEGACY_PARAMS: dict[str, Any] = {
    # Before exact statistics (0.1 models): prediction used BatchNorm's running averages.
    "bn_statistics": "running",
    # Before the stop rule: every fit trained all its epochs (unless early_stopping said otherwise).
    "stop_when_fitted": None,
    # Before data-parallel fits: one process (its default; listed so that run ids of single-process
    # runs leave it out and checkpoints of earlier versions keep their names).
    "distributed": False,
}


def fill_missing_params(params: dict, cls) -> None:
    """Parameters of ``cls`` that ``params`` (of an older version) lacks, set to what that version did."""
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name != "self" and name not in params:
            params[name] = LEGACY_PARAMS.get(name, param.default)


def one_based_epochs(history: dict, best_epoch: int) -> tuple[dict, int]:
    """A history and best epoch counted from 1; earlier versions counted from 0."""
    epochs = history.get("epoch") or []
    if epochs and epochs[0] == 0:
        history = {**history, "epoch": [e + 1 for e in epochs]}
        best_epoch = best_epoch + 1 if best_epoch >= 0 else best_epoch
    return history, best_epoch


def zero_based_epochs(history: dict) -> dict:
    """``history`` with its epochs counted from 0, as checkpoint files hold them."""
    return {**history, "epoch": [e - 1 for e in history.get("epoch", [])]}


def upgrade_fitted_state(state: dict) -> None:
    """Fitted records that models of earlier versions lack: one network, no input scaling, epochs from 1."""
    if "history_" not in state:
        return
    if "histories_" in state:
        best = state.get("best_epochs_", [-1] * len(state["histories_"]))
        pairs = [one_based_epochs(h, b) for h, b in zip(state["histories_"], best)]
        state["histories_"] = [h for h, _ in pairs]
        state["best_epochs_"] = [b for _, b in pairs]
    state["history_"], state["best_epoch_"] = one_based_epochs(state["history_"], state.get("best_epoch_", -1))
    state.setdefault("histories_", [state["history_"]])
    state.setdefault("best_epochs_", [state["best_epoch_"]])
    state.setdefault("scaling_", None)
    state.setdefault("converged_", None)  # not judged before the convergence rule existed
    state.setdefault("input_mean_", None)
    state.setdefault("input_scale_", None)
    state.setdefault("autocast_dtype_", None)  # float32, all that models before mixed precision used
