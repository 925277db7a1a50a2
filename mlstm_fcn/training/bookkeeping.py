"""The books every training loop keeps: history records, stop rules and the interrupt warning.

The single-network loop (:func:`mlstm_fcn.training.loop.train`) and both
fused loops (:mod:`mlstm_fcn.training.fused`, decisions on the host or read
back from the device) record an epoch, pick the best one, stop and report an
interrupt through these functions, so that a history column or a stop rule is
changed here once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from .._warnings import warn
from .convergence import fitted_in_window, levelled_off
from .protocol import TrainConfig
from .state import LoopState


@dataclass
class TrainResult:
    """What :func:`~mlstm_fcn.training.train` returns beside the trained network (a fused run: one per member)."""

    history: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int = -1
    interrupted: bool = False
    #: Why training ended, as the progress bar's last line says it: "fitted for N epochs" (the
    #: stop_when_fitted rule), "early stopping", "fitted" or "no longer learning" (from min_epochs
    #: on), "epoch cap" (all epochs run) or "interrupted".
    stop_reason: str = ""
    used_cuda_graph: bool = False
    #: Where the run stood at its end (last weights, optimizer, schedule, random streams): what
    #: continues it (:func:`~mlstm_fcn.training.checkpoint.run_state`), when ``train`` was asked to keep it.
    run: dict | None = None


def epoch_record(history: dict[str, list[float]], *, epoch: int, loss: float, accuracy: float,
                 learning_rate: float, time: float, val_loss: float | None = None,
                 val_accuracy: float | None = None) -> dict[str, float]:
    """The figures of epoch ``epoch`` (from 1) that ``history`` keeps.

    ``history``'s columns (:func:`~mlstm_fcn.training.state.new_history`:
    validation columns with validation data, no accuracy for an objective
    that counts none) decide which figures the record holds.
    """
    figures = {"epoch": epoch, "loss": loss, "accuracy": accuracy, "learning_rate": learning_rate, "time": time,
               "val_loss": val_loss, "val_accuracy": val_accuracy}
    return {name: figures[name] for name in history}


def monitored(record: dict[str, float]) -> float:
    """The loss model selection and the schedule watch: validation loss when there is one, else training loss."""
    return record.get("val_loss", record["loss"])


def fitted_for(accuracy: list[float], epochs: int | None) -> bool:
    """Whether the last ``epochs`` epochs classified every training series correctly.

    Read from the history, so that a run resumed from a checkpoint stops where
    an uninterrupted one would (and the budget benchmark reads the same rule).
    """
    return epochs is not None and len(accuracy) >= epochs and min(accuracy[-epochs:]) == 1.0


def record_monitored(state: LoopState, monitored: float, epoch: int) -> bool:
    """Count epoch ``epoch`` (from 1) with loss ``monitored`` in ``state``; whether it is the best so far."""
    if monitored < state.best:
        state.best, state.since_best, state.best_epoch = monitored, 0, epoch
        return True
    state.since_best += 1
    return False


def append_record(history: dict[str, list[float]], record: dict[str, float]) -> None:
    """Append ``record`` (from :func:`epoch_record`) to ``history``, every column at once.

    Nothing else runs between the columns' appends, so an interrupt leaves no ragged history.
    """
    for name, value in record.items():
        history[name].append(value)


def count_epoch(state: LoopState, record: dict[str, float]) -> bool:
    """Append ``record`` to ``state``'s history and count its epoch; whether it is the best so far."""
    append_record(state.history, record)
    state.epochs_done = int(record["epoch"])
    return record_monitored(state, monitored(record), state.epochs_done)


def stop_reason(state: LoopState, config: TrainConfig) -> str | None:
    """Why the run stops after the epochs ``state`` has done, or None (the cap is the loop's).

    "early stopping", "fitted for N epochs", or from ``config.min_epochs`` on
    (:func:`~mlstm_fcn.training.convergence.levelled_off`) "fitted" (an epoch
    of the last window classified every training series) or "no longer learning".
    Every rule counts the epochs of the current call only, so that a
    continued run trains again.
    """
    in_call = state.epochs_done - state.call_start
    if config.early_stopping is not None and min(state.since_best, in_call) >= config.early_stopping:
        return "early stopping"
    accuracy = state.history.get("accuracy")
    if fitted_for((accuracy or [])[state.call_start:], config.stop_when_fitted):
        return f"fitted for {config.stop_when_fitted} epochs"
    min_epochs = None if config.min_epochs is None else config.min_epochs - state.call_start
    if (min_epochs is not None and state.epochs_done < config.epochs
            and levelled_off(state.history["loss"], accuracy, in_call, min_epochs)):
        return "fitted" if fitted_in_window(accuracy, min_epochs) else "no longer learning"
    return None


def should_stop(state: LoopState, config: TrainConfig) -> bool:
    """Whether the run stops after the epochs ``state`` has done (see :func:`stop_reason`)."""
    return stop_reason(state, config) is not None


def note_interrupt(results: Sequence[TrainResult], epochs_done: Sequence[int], best_epochs: Sequence[int]) -> None:
    """Mark ``results`` interrupted and warn that the best weights so far are kept.

    One result for a single network, one per member for a fused run; each
    with the epochs its history holds and its best epoch.
    """
    for result in results:
        result.interrupted, result.stop_reason = True, "interrupted"
    if len(results) == 1:
        kept = f"the best weights so far (epoch {best_epochs[0]})"
        done = f"{epochs_done[0]} epoch(s)"
    else:
        kept = f"each member's best weights so far (epochs {list(best_epochs)})"
        done = f"{max(epochs_done, default=0)} epoch(s)"
    warn(f"Training interrupted after {done}; keeping {kept}.", RuntimeWarning)


class Recorder:
    """One network's books, kept alike by every loop: clock, history, best epoch, stop rules and reason, interrupt.

    The single-network loop, the fused loop deciding on the host and the
    fused loop reading back from the device each keep one recorder per
    network; its :attr:`result` is what the loop returns for that network.

    Parameters
    ----------
    config : TrainConfig
        The stop rules (and epoch cap) of the run.
    state : LoopState
        Where the run stands: a fresh one, or a resumed or continued run's.
    """

    def __init__(self, config: TrainConfig, state: LoopState) -> None:
        self.config = config
        self.state = state
        self.result = TrainResult(history=state.history, best_epoch=state.best_epoch)
        self._start = time.perf_counter()

    @property
    def history(self) -> dict[str, list[float]]:
        """The run's per-epoch figures."""
        return self.state.history

    def start_clock(self) -> None:
        """Start (or, for a resumed run, continue) the run's clock of training seconds."""
        times = self.state.history.get("time")
        self._start = time.perf_counter() - (times[-1] if times else 0.0)

    def elapsed(self) -> float:
        """Seconds of training so far (a resumed run's include those before it was stopped)."""
        return time.perf_counter() - self._start

    def record(self, **figures) -> tuple[dict[str, float], bool]:
        """Record the next epoch's figures (those of :func:`epoch_record` but ``epoch``); its record and
        whether it is the best so far (its weights are the ones to keep)."""
        record = epoch_record(self.state.history, epoch=self.state.epochs_done + 1, **figures)
        improved = count_epoch(self.state, record)
        self.result.best_epoch = self.state.best_epoch
        return record, improved

    def stop(self) -> str:
        """Why the run stops now ("" while it goes on), noted in :attr:`result` (see :func:`stop_reason`)."""
        self.result.stop_reason = stop_reason(self.state, self.config) or ""
        return self.result.stop_reason

    def stopped(self) -> bool:
        """Whether a stop rule (or the epoch cap) ended the run after the epochs it has done."""
        return (self.state.epochs_done >= self.config.epochs
                or self.state.epochs_done > 0 and should_stop(self.state, self.config))

    def end(self) -> None:
        """The run ended without an interrupt: by a stop rule, or at the epoch cap."""
        self.result.stop_reason = self.result.stop_reason or stop_reason(self.state, self.config) or "epoch cap"

    @staticmethod
    def interrupted(recorders: Sequence["Recorder"]) -> None:
        """Mark the runs of ``recorders`` interrupted, with the one warning (see :func:`note_interrupt`)."""
        note_interrupt([r.result for r in recorders], [len(r.state.history["epoch"]) for r in recorders],
                       [r.state.best_epoch for r in recorders])
        for r in recorders:
            r.result.best_epoch = r.state.best_epoch


__all__ = ["Recorder", "TrainResult", "append_record", "count_epoch", "epoch_record", "fitted_for", "monitored", "note_interrupt",
           "record_monitored", "should_stop", "stop_reason"]
