"""Named configurations shared by the accuracy benchmark and the CV selection.

Each is a dict of :class:`~mlstm_fcn.MLSTMFCNClassifier` parameters. Each
starts from one of two roots, the paper preset or ``defaults`` (the
estimator's defaults as the recipe study started from them), and
changes one thing, from a root or from another candidate (``valsplit_es`` is
``valsplit`` with early stopping), so that cross-validation on training data
(``select_config.py``) says what each change is worth.

A value may be a *rule* of the training set instead of a number: a string
key of :data:`RULES` (e.g. ``"batch_size": "n/10, 2 to 16"``), turned into
the number for each fit by :func:`resolve`. Results rows store the rule, so
a rerun resumes them whatever the fold sizes.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from mlstm_fcn.presets import get_preset

PAPER = get_preset("paper")
#: Part of TRAIN the validation candidates hold out.
VALIDATION_SPLIT = 0.25
#: Early stopping of those candidates: two plateaus of the schedule (patience 100) without improvement.
EARLY_STOPPING = 2 * PAPER["lr_patience"]

CONFIGS: dict[str, dict] = {
    # The paper's protocol, as the "paper" preset.
    "paper": PAPER,
    # The same in float32 on a GPU, to show that bf16 mixed precision costs no accuracy.
    "paper_fp32": {**PAPER, "precision": "fp32"},
    # Candidates for better defaults, one change each.
    "scaling_channel": {**PAPER, "scaling": "channel"},
    "scaling_instance": {**PAPER, "scaling": "instance"},
    "lstm64": {**PAPER, "lstm_units": 64},
    "lstm128": {**PAPER, "lstm_units": 128},
    "attention": {**PAPER, "attention": True},
    "time_lstm": {**PAPER, "lstm_orientation": "time"},
    "epochs1000": {**PAPER, "epochs": 1000},
    "ensemble5": {**PAPER, "n_estimators": 5},
    # Selection and the plateau schedule on a stratified part of TRAIN held out (on data
    # the network fits, the training loss keeps falling, so the schedule never acts and the last
    # epochs are kept). A quarter: the smallest CV folds (StandWalkJump, 9 series of 3 classes)
    # can still hold out one series per class.
    "valsplit": {**PAPER, "validation_split": VALIDATION_SPLIT},
    "valsplit_es": {**PAPER, "validation_split": VALIDATION_SPLIT, "early_stopping": EARLY_STOPPING},
    "valsplit_instance": {**PAPER, "validation_split": VALIDATION_SPLIT, "scaling": "instance"},
    "valsplit1000": {**PAPER, "validation_split": VALIDATION_SPLIT, "epochs": 1000},
    "valsplit2000_es": {**PAPER, "validation_split": VALIDATION_SPLIT, "epochs": 2000,
                        "early_stopping": EARLY_STOPPING},
    "ensemble5_valsplit": {**PAPER, "n_estimators": 5, "validation_split": VALIDATION_SPLIT},
}


#: The estimator's defaults where the recipe study started, frozen here so that its rows
#: keep meaning the same thing when the defaults follow the study: the paper's network and
#: optimizer, at most 100 epochs, stopping after 20 epochs at training accuracy 1, BatchNorm
#: statistics recomputed for the kept weights.
DEFAULTS_D05B3EC = {**PAPER, "epochs": 100, "stop_when_fitted": 20, "bn_statistics": "recompute"}
#: Optimizer steps of the step-budget candidates.
STEP_BUDGET = 2000
#: Epochs without a lower training loss that end the plateau candidates.
PLATEAU_PATIENCE = 50


#: Parameters the estimator gained after results rows were written, at the value that reproduces
#: those rows (the paper preset states them): :func:`row_params` leaves them out, so that the rows
#: still match the configurations that wrote them.
ADDED_LATER = {"min_epochs": None, "augmentation": None, "average_last_epochs": None}


def row_params(params: dict) -> dict:
    """``params`` as results rows store them: without the :data:`ADDED_LATER` parameters at their old value."""
    return {k: v for k, v in params.items() if not (k in ADDED_LATER and v == ADDED_LATER[k])}


def _batches(n: int, batch_size: int) -> int:
    return math.ceil(n / batch_size)


#: Rules of the training set: parameter -> rule name -> f(n_fit, params resolved so far) -> value.
RULES: dict[str, dict[str, Callable[[int, dict], int]]] = {
    # PoolParty's FCN batches (min(16, n/10)), at least 2 series so that BatchNorm has a batch.
    "batch_size": {"n/10, 2 to 16": lambda n, p: max(2, min(16, n // 10))},
    # A budget of optimizer steps: as many epochs as it takes, never fewer than the cap it replaces.
    "epochs": {f"{STEP_BUDGET} steps": lambda n, p: max(100, math.ceil(STEP_BUDGET / _batches(n, p["batch_size"])))},
}


def resolve(params: dict, n_fit: int) -> dict:
    """``params`` with each rule (see :data:`RULES`) replaced by its value for ``n_fit`` training series."""
    out = dict(params)
    for name in ("batch_size", "epochs"):  # the epoch rule reads the batch size
        if isinstance(out.get(name), str):
            out[name] = RULES[name][out[name]](n_fit, out)
    return out


_D = DEFAULTS_D05B3EC
CONFIGS.update({
    # One change at a time from the defaults.
    "defaults": _D,
    "d_batch16": {**_D, "batch_size": 16},
    "d_batch32": {**_D, "batch_size": 32},
    "d_batch64": {**_D, "batch_size": 64},
    "d_batch_rule": {**_D, "batch_size": "n/10, 2 to 16"},
    "d_steps": {**_D, "epochs": f"{STEP_BUDGET} steps"},
    "d_plateau": {**_D, "epochs": 1000, "early_stopping": PLATEAU_PATIENCE},
    "d_instance": {**_D, "scaling": "instance"},
    "d_channel": {**_D, "scaling": "channel"},
    "d_unweighted": {**_D, "class_weight": None},
    # Combinations of the changes above are added once their single-change rows say which win.
})
#: The defaults must never stop a network still learning on a low cap alone: the chosen
#: candidate, going on past its 100 epochs while still learning (``min_epochs``), up to 1000.
CONFIGS["d_train_on"] = {**CONFIGS["d_batch16"], "epochs": 1000, "min_epochs": 100}
#: What the study chose (results/recipe-cv/recipe.md: batch 16 the only winning change, so nothing to
#: combine), as the estimator's defaults now are; the TEST benchmark runs it beside the paper preset.
CONFIGS["recipe"] = CONFIGS["d_batch16"]
#: ... and the estimator's defaults now: it, training on while still learning (RULE.md's amendment).
CONFIGS["recipe_train_on"] = CONFIGS["d_train_on"]
#: The defaults since the small-data study (results/small-data/report.md: cutmix the only lever
#: winner, so nothing to combine, and it passed the PenDigits guard): the recipe's defaults with
#: cutmix augmentation. The TEST benchmark runs it beside the defaults before it and the paper preset.
CONFIGS["recipe_cutmix"] = {**CONFIGS["recipe_train_on"], "augmentation": "cutmix"}
#: The plateau rule on top of it, for the constructed case only (``hard_case.py``): does it train on
#: where the cap of 100 epochs stops a network that is still learning?
CONFIGS["recipe_plateau"] = {**CONFIGS["recipe"], "epochs": 1000, "early_stopping": PLATEAU_PATIENCE}

#: Candidates whose one change is a rule of several parameters: the plateau rule needs a cap far
#: above the defaults' to have anything to decide.
ONE_RULE = {"d_plateau": {"epochs", "early_stopping"}, "recipe_plateau": {"epochs", "early_stopping"},
            "d_train_on": {"epochs", "min_epochs"}, "recipe_train_on": {"epochs", "min_epochs"}}

#: The regressor's candidates for how long to train: its default of 500 epochs
#: (never chosen), the classifier's cap of 100, and the two length rules of the classifier's study.
#: Each is a dict of MLSTMFCNRegressor parameters on top of its defaults.
REGRESSION_CONFIGS: dict[str, dict] = {
    "r_defaults": {"epochs": 500},
    "r_cap100": {"epochs": 100},
    "r_steps": {"epochs": f"{STEP_BUDGET} steps", "batch_size": 128},
    "r_plateau": {"epochs": 1000, "early_stopping": PLATEAU_PATIENCE},
    # The classifier's rule since the recipe study: 100 epochs, then on while still learning, at most 1000.
    "r_train_on": {"epochs": 1000, "min_epochs": 100},
}
