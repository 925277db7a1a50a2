"""What happens around the epochs of a run: callbacks, checkpoint writes and the progress bar, as handlers.

:func:`~mlstm_fcn.training.train` runs the epochs and keeps the books
(:mod:`~mlstm_fcn.training.bookkeeping`); everything else a run does at its
start, after each epoch and at its end is an :class:`EpochHandler` in the list
it is given, called in order, as skorch's callbacks are.
:func:`epoch_handlers` builds the estimator's list.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .bookkeeping import TrainResult
from .checkpoint import Checkpointer
from .data import TrainingSeries
from .progress import ProgressBar
from .state import LoopState

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunParts:
    """The torch objects of a run that a checkpoint saves and restores, beside its :class:`LoopState`."""

    network: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: Any
    generator: torch.Generator


@dataclass(frozen=True)
class EpochEnd:
    """What a training callback (and every handler) is given after each epoch.

    Attributes
    ----------
    epoch : int
        The epoch just finished, counted from 1 (as ``history["epoch"]``).
    history : dict of list
        The run's history so far (do not modify).
    best_epoch : int
        Epoch of the kept weights so far (from 1).
    best_state : dict of str to Tensor
        The kept weights and buffers so far, live tensors that later epochs
        overwrite: copy what you keep.
    network : torch.nn.Module
        The network in training, with the latest epoch's weights.
    label : str
        The progress label: ``"fit"``, or ``"fit 2/5"`` for the second network of an ensemble.
    train_data : TrainingSeries
        The series the network trains on: their targets (``y``) and loss
        weights (``weight``, class weight times sample weight) where the set
        holds them on the device.
    record : dict of str to float
        The epoch's figures, as appended to ``history``.
    state : LoopState
        Where the run stands (what a checkpoint saves with the torch objects).
    """

    epoch: int
    history: dict
    best_epoch: int
    best_state: dict
    network: nn.Module
    label: str
    train_data: TrainingSeries
    record: dict
    state: LoopState


class EpochHandler:
    """One participant in a run's events; every hook does nothing unless overridden.

    :func:`~mlstm_fcn.training.train` calls, on each handler in order:
    :meth:`resume` once the run's objects exist, :meth:`begin` once it
    knows the first epoch, :meth:`epoch_end` after every epoch,
    :meth:`finish` when the run completes (not on an interrupt or an error),
    and :meth:`close` last, whatever happened.
    """

    def resume(self, parts: RunParts, label: str, total: int) -> LoopState | None:
        """Load a saved state of this run (of ``total`` epochs) into ``parts``; return it, or None to go on as is."""
        return None

    def begin(self, first_epoch: int, total: int, label: str) -> None:
        """The run trains epochs ``first_epoch`` (from 0) up to ``total``."""

    def epoch_end(self, event: EpochEnd) -> None:
        """An epoch has finished and been recorded."""

    def finish(self, state: LoopState) -> None:
        """The run has completed: all epochs, or a stop rule."""

    def close(self, result: TrainResult, state: LoopState) -> None:
        """The run has ended, with ``result`` (its ``stop_reason`` says why)."""

    def for_rank(self, rank: int) -> EpochHandler:
        """This handler as process ``rank`` of a distributed fit runs it (the same by default)."""
        return self


class Callbacks(EpochHandler):
    """The user's callbacks, each called with every :class:`EpochEnd`."""

    def __init__(self, callbacks: Sequence[Callable[[EpochEnd], object]]) -> None:
        self.callbacks = tuple(callbacks)

    def epoch_end(self, event: EpochEnd) -> None:  # noqa: D102
        for callback in self.callbacks:
            callback(event)


class WriteCheckpoints(EpochHandler):
    """Resumes the run from its checkpoint, writes one every ``checkpointer.every`` epochs and when it completes.

    A checkpoint of this very run (a killed continuation included) wins over
    where the run started. ``writes=False``: restores only (the ranks of a
    distributed fit other than 0).
    """

    def __init__(self, checkpointer: Checkpointer, writes: bool = True) -> None:
        self.checkpointer, self.writes = checkpointer, writes
        self.parts: RunParts | None = None
        self.resumed: LoopState | None = None

    def resume(self, parts: RunParts, label: str, total: int) -> LoopState | None:  # noqa: D102
        self.parts = parts
        self.resumed = self.checkpointer.restore(parts.network, parts.optimizer, parts.scheduler, parts.generator)
        if self.resumed is not None:
            # Said whatever ``verbose`` is: a fit that returns at once, or from epoch 80, is no surprise then.
            logger.info("%s: resumed from checkpoint %s after epoch %d of %d%s", label, self.checkpointer.path,
                        self.resumed.epochs_done, total,
                        " (that run had finished)" if self.resumed.finished else "")
        return self.resumed

    def epoch_end(self, event: EpochEnd) -> None:  # noqa: D102
        if self.checkpointer.due(event.state.epochs_done):
            self._write(event.state)

    def finish(self, state: LoopState) -> None:  # noqa: D102
        if not (self.resumed is not None and self.resumed.finished):
            # The finished run: fitting again with the same checkpoint_dir returns it at once.
            state.finished = True
            self._write(state)

    def _write(self, state: LoopState) -> None:
        if self.writes:
            p = self.parts
            self.checkpointer.write(state, p.network, p.optimizer, p.scheduler, p.generator)

    def for_rank(self, rank: int) -> EpochHandler:  # noqa: D102
        if rank == 0:
            return self
        other = copy.copy(self)
        other.writes = False  # every rank restores; only rank 0 writes
        return other


class ShowProgress(EpochHandler):
    """The progress bar (:class:`~mlstm_fcn.training.progress.ProgressBar`), shown when ``enabled``."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: ProgressBar | None = None

    def begin(self, first_epoch: int, total: int, label: str) -> None:  # noqa: D102
        self.bar = ProgressBar(self.enabled, label, first_epoch, total)

    def epoch_end(self, event: EpochEnd) -> None:  # noqa: D102
        self.bar.show(event.record)

    def close(self, result: TrainResult, state: LoopState) -> None:  # noqa: D102
        if self.bar is not None:
            self.bar.close(result.stop_reason, state.epochs_done)

    def for_rank(self, rank: int) -> EpochHandler:  # noqa: D102
        return self if rank == 0 else ShowProgress(False)


def epoch_handlers(*, verbose: int = 0, callbacks: Sequence[Callable[[EpochEnd], object]] = (),
                   checkpointer: Checkpointer | None = None) -> list[EpochHandler]:
    """The handlers of an estimator's fit: its callbacks, its checkpoints, its progress bar, in that order.

    Parameters
    ----------
    verbose : int, default=0
        Show a progress bar when at least 1 (a run without one has no progress handler).
    callbacks : sequence of callable, default=()
        Each called with every :class:`EpochEnd`.
    checkpointer : Checkpointer, optional
        Resume from its checkpoint, and write one every ``checkpointer.every`` epochs.

    Returns
    -------
    list of EpochHandler
    """
    handlers: list[EpochHandler] = [Callbacks(callbacks)] if callbacks else []
    if checkpointer is not None:
        handlers.append(WriteCheckpoints(checkpointer))
    if verbose:  # none at all otherwise: no tqdm object, no per-epoch event to build
        handlers.append(ShowProgress(True))
    return handlers


__all__ = ["Callbacks", "EpochEnd", "EpochHandler", "RunParts", "ShowProgress", "WriteCheckpoints",
           "epoch_handlers"]
