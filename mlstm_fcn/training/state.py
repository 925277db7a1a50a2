"""Where a training run stands after an epoch, as one record that checkpoints keep whole."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


def new_history(with_validation: bool, with_accuracy: bool = True) -> dict[str, list[float]]:
    """The empty per-epoch record of a run (a regressor's has no accuracy)."""
    history: dict[str, list[float]] = {"epoch": [], "loss": [], "accuracy": [], "learning_rate": [], "time": []}
    if with_validation:
        history.update(val_loss=[], val_accuracy=[])
    if not with_accuracy:
        history = {k: v for k, v in history.items() if not k.endswith("accuracy")}
    return history


@dataclass
class LoopState:
    """Where a run stands after an epoch: what a checkpoint keeps besides the torch objects.

    Attributes
    ----------
    epochs_done : int
        Epochs finished.
    best : float
        Lowest monitored loss so far.
    best_state : dict or None
        Weights and buffers of the epoch with that loss.
    best_epoch : int
        That epoch, counted from 1 (-1 before the first).
    since_best : int
        Epochs since then.
    history : dict of list
        Per-epoch figures.
    finished : bool
        The run ended (all epochs, or early stopping).
    call_start : int
        Epochs done before the current call to ``train`` began: a run
        continued by ``warm_start`` or ``partial_fit`` counts its stop rules
        (early stopping, the fitted rule) from there.
    recent_states : list of dict
        With weight averaging (``TrainConfig.average_last``), the weights
        after each of the last epochs, oldest first; else empty.
    """

    epochs_done: int = 0
    best: float = math.inf
    best_state: dict | None = None
    best_epoch: int = -1
    since_best: int = 0
    history: dict = field(default_factory=lambda: new_history(False))
    finished: bool = False
    call_start: int = 0
    recent_states: list = field(default_factory=list)
