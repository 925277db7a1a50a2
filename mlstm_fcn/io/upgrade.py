"""Reading what earlier versions wrote: model files, pickles and checkpoints, one step per version.

Each file records the version of its layout; reading one of an earlier
version applies the steps from its version to the current one in turn
(``v1 -> v2``, then ``v2 -> v3`` when there is one), each filling in what the
newer layout records and the older one lacked, with the values that
reproduce the older behaviour, so that an old model predicts exactly as it
did and an old checkpoint resumes where it stood.

Two layouts have versions of their own:

*The fitted state*, shared by model files (``format_version``, see
:data:`mlstm_fcn.io.model_file.FORMAT_VERSION`) and pickles (``_format_version``
in the pickled state; pickles written before it had none and are version 1):

1. Parameters and fitted records as the estimator had them when written.
   Histories counted epochs from 0 until the change to counting from 1, and
   from 1 after it, under the same version number; :func:`_fitted_v1_to_v2`
   tells the two apart by the first epoch, the one place that still looks
   at content, and it retires with version 1.
2. Every parameter and fitted record of an estimator of December 2026
   (``stop_when_fitted``, ``distributed``, ``fused`` on the regressor,
   ``converged_``, ``class_count_``, ``histories_`` ...); epochs from 1.

*A training run* (checkpoint files and the runs an estimator keeps for
``warm_start`` and ``partial_fit``; ``version`` in the payload, see
:data:`mlstm_fcn.training.checkpoint.CHECKPOINT_VERSION`):

1. Epochs counted from 0: ``epoch`` is the index of the last finished epoch,
   ``best_epoch`` and the history's epochs count from 0.
2. Epochs counted from 1, as the estimator's ``history_``: ``epoch`` is the
   number of epochs finished.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

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
    # Before min_epochs: every fit trained up to its epochs (unless another stop rule ended it).
    "min_epochs": None,
    # Before augmentation: batches as they are (its default; listed so that run ids leave it out).
    "augmentation": None,
}


def fill_missing_params(params: dict, cls) -> None:
    """Parameters of ``cls`` that ``params`` (of an older version) lacks, set to what that version did."""
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name != "self" and name not in params:
            params[name] = LEGACY_PARAMS.get(name, param.default)


def _one_based_epochs(history: dict, best_epoch: int) -> tuple[dict, int]:
    """A version-1 history and best epoch counted from 1 (that version counted from 0, then from 1)."""
    epochs = history.get("epoch") or []
    if epochs and epochs[0] == 0:
        history = {**history, "epoch": [e + 1 for e in epochs]}
        best_epoch = best_epoch + 1 if best_epoch >= 0 else best_epoch
    return history, best_epoch


# ------------------------------------------------------------------ fitted state (model files, pickles)
def _fitted_v1_to_v2(params: dict, fitted: dict, cls) -> None:
    """Version 1 -> 2: the parameters and records added since, at what version 1 did; epochs from 1."""
    fill_missing_params(params, cls)
    if "history_" not in fitted:  # not fitted: nothing to upgrade
        return
    if "histories_" in fitted:
        best = fitted.get("best_epochs_", [-1] * len(fitted["histories_"]))
        pairs = [_one_based_epochs(h, b) for h, b in zip(fitted["histories_"], best)]
        fitted["histories_"] = [h for h, _ in pairs]
        fitted["best_epochs_"] = [b for _, b in pairs]
    fitted["history_"], fitted["best_epoch_"] = _one_based_epochs(fitted["history_"], fitted.get("best_epoch_", -1))
    fitted.setdefault("histories_", [fitted["history_"]])  # one network
    fitted.setdefault("best_epochs_", [fitted["best_epoch_"]])
    fitted.setdefault("scaling_", None)  # no input scaling
    fitted.setdefault("converged_", None)  # not judged before the convergence rule existed
    fitted.setdefault("input_mean_", None)
    fitted.setdefault("input_scale_", None)
    fitted.setdefault("autocast_dtype_", None)  # float32, all that models before mixed precision used


#: ``_FITTED_STEPS[v]`` turns the fitted state of version ``v`` into that of version ``v + 1``.
_FITTED_STEPS: dict[int, Callable[[dict, dict, Any], None]] = {1: _fitted_v1_to_v2}
#: The version of the fitted state that this package writes.
FITTED_VERSION = max(_FITTED_STEPS) + 1


def upgrade_fitted(params: dict, fitted: dict, cls, version: int) -> None:
    """Bring the parameters and fitted records of a ``cls`` of layout ``version`` to the current one, in place.

    For a pickle, ``params`` and ``fitted`` are the same dict (the estimator's state).
    """
    for step in range(version, FITTED_VERSION):
        _FITTED_STEPS[step](params, fitted, cls)


# ------------------------------------------------------------------ training runs (checkpoints, kept runs)
def _run_v1_to_v2(payload: dict) -> dict:
    """Version 1 -> 2: epochs counted from 1 (``epoch`` becomes the number of epochs finished); the
    first epoch of this call (``call_start``, which the first version-1 files lack) 0."""
    history, best_epoch = _one_based_epochs(payload["history"], payload["best_epoch"])
    return {"call_start": 0, **payload, "version": 2, "epoch": payload["epoch"] + 1, "history": history,
            "best_epoch": best_epoch}


#: ``_RUN_STEPS[v]`` turns a run payload of version ``v`` into one of version ``v + 1``.
_RUN_STEPS: dict[int, Callable[[dict], dict]] = {1: _run_v1_to_v2}
#: The version of the run payload that this package writes.
RUN_VERSION = max(_RUN_STEPS) + 1


def upgrade_run(payload: dict) -> dict:
    """A run payload of any version up to :data:`RUN_VERSION`, as the current version (a new dict; the
    argument is left as it was)."""
    for step in range(payload["version"], RUN_VERSION):
        payload = _RUN_STEPS[step](payload)
    return payload
