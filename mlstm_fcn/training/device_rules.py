"""The loop's per-epoch decisions as tensor operations, for k runs at once, without a host round trip.

The host loop (:func:`mlstm_fcn.training.loop.train`) decides after every
epoch: is the monitored loss the best so far (keep the weights), does the
plateau schedule lower the rate (:func:`~mlstm_fcn.training.protocol.make_schedule`,
torch's ``ReduceLROnPlateau``), does the run stop (early stopping, the
fitted rule, the epoch cap, and from ``min_epochs`` on the end of learning:
:func:`~mlstm_fcn.training.convergence.levelled_off`). :class:`DeviceRules` makes the same decisions with tensor
operations only, so that several epochs can run inside one CUDA-graph
replay and the history is read back every few epochs instead of every one.
The schedule's constants are read from a ``ReduceLROnPlateau`` made by
``make_schedule``, never restated. It runs on any device; the tests check on
a CPU that it decides as the host rules do.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .convergence import clearly_falling, patience, window
from .protocol import TrainConfig, make_schedule


def _schedule_constants(config: TrainConfig) -> dict:
    """factor, patience, floor, threshold, eps and cooldown of the paper schedule for ``config``."""
    holder = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=config.learning_rate)
    schedule = make_schedule(holder, config)
    if schedule.mode != "min" or schedule.threshold_mode != "rel":
        raise ValueError("DeviceRules implements the 'min' mode with a relative threshold only")
    return dict(factor=schedule.factor, patience=schedule.patience, min_lr=schedule.min_lrs[0],
                threshold=schedule.threshold, eps=schedule.eps, cooldown=schedule.cooldown)


class DeviceRules:
    """Best epoch, plateau schedule and stop rules of ``k`` runs, as device tensors.

    Parameters
    ----------
    k : int
        Number of runs (members of a fused network).
    config : TrainConfig
        Epochs, learning rate, schedule and stop rules.
    device : torch.device
        Where the state lives.
    counts_accuracy : bool, default=True
        Whether the runs count training accuracy (a classifier): then an
        epoch at accuracy 1 in the last window ends training from ``min_epochs`` on.

    Attributes
    ----------
    lr : Tensor of shape (k,), float32
        Each run's current learning rate (what the optimizer reads).
    best, best_epoch, since_best : Tensor of shape (k,)
        As :class:`~mlstm_fcn.training.LoopState` keeps them (epochs from 1).
    stopped : Tensor of shape (k,), bool
        Runs whose stop rule has fired (or that reached their epoch cap).
    epochs_done : Tensor of shape (k,), int64
        Epochs each run counts (a stopped run counts no more).
    """

    def __init__(self, k: int, config: TrainConfig, device: torch.device, counts_accuracy: bool = True) -> None:
        c = _schedule_constants(config)
        self.config = config
        self.factor, self.patience, self.min_lr = c["factor"], c["patience"], c["min_lr"]
        self.threshold, self.eps, self.cooldown = c["threshold"], c["eps"], c["cooldown"]
        f64 = dict(device=device, dtype=torch.float64)
        i64 = dict(device=device, dtype=torch.int64)
        # The schedule works in float64, as the host schedule does with Python floats.
        self.lr64 = torch.full((k,), float(config.learning_rate), **f64)
        self.lr = self.lr64.float()
        self.schedule_best = torch.full((k,), float("inf"), **f64)
        self.bad_epochs = torch.zeros(k, **i64)
        self.cooldown_left = torch.zeros(k, **i64)
        self.best = torch.full((k,), float("inf"), **f64)
        self.best_epoch = torch.full((k,), -1, **i64)
        self.since_best = torch.zeros(k, **i64)
        self.fitted_run = torch.zeros(k, **i64)
        self.epochs_done = torch.zeros(k, **i64)
        self.stopped = torch.zeros(k, device=device, dtype=torch.bool)
        # From config.min_epochs on: the training losses of the two windows that convergence
        # compares, the lowest training loss and the epochs since it, the epochs since the last one
        # at training accuracy 1.
        self.counts_accuracy = counts_accuracy
        w = window(config.min_epochs or 1)
        self.window, self.past_patience = w, patience(config.min_epochs or 1)
        self.recent_loss = torch.zeros(k, 2 * w, **f64)
        self.lowest_loss = torch.full((k,), float("inf"), **f64)
        self.since_lowest = torch.zeros(k, **i64)
        self.since_perfect = torch.full((k,), 2 ** 40, **i64)

    # Every update is in place: a captured CUDA graph reads and writes these very tensors.
    def update(self, monitored: Tensor, accuracy: Tensor, loss: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Count one epoch of every run still going; return ``(active, improved)`` masks ``(k,)``.

        ``monitored`` is each run's loss of the epoch (float64 preferred),
        ``accuracy`` its training accuracy, ``loss`` its training loss
        (default: ``monitored``). ``active`` says which runs
        counted this epoch (their history gets it); ``improved`` which of
        those reached a new best (their weights are kept). Runs that stop on
        this epoch are active in it, as in the host loop.
        """
        monitored = monitored.to(torch.float64)
        active = ~self.stopped
        epoch = self.epochs_done + 1
        improved = active & (monitored < self.best)
        self.best.copy_(torch.where(improved, monitored, self.best))
        self.best_epoch.copy_(torch.where(improved, epoch, self.best_epoch))
        self.since_best.copy_(torch.where(improved, 0, self.since_best + 1).where(active, self.since_best))
        self._schedule_step(monitored, active)
        fitted = accuracy.to(torch.float64) == 1.0
        self.fitted_run.copy_(torch.where(fitted, self.fitted_run + 1, 0).where(active, self.fitted_run))
        self.epochs_done.copy_(torch.where(active, epoch, self.epochs_done))
        stop = self.epochs_done >= self.config.epochs
        if self.config.min_epochs is not None:
            stop = stop | self._levelled_off(monitored if loss is None else loss.to(torch.float64), fitted, active)
        if self.config.early_stopping is not None:
            stop = stop | (self.since_best >= self.config.early_stopping)
        if self.config.stop_when_fitted is not None:
            stop = stop | (self.fitted_run >= self.config.stop_when_fitted)
        self.stopped.copy_(self.stopped | (active & stop))
        return active, improved

    def _levelled_off(self, loss: Tensor, fitted: Tensor, active: Tensor) -> Tensor:
        # convergence.levelled_off for k fresh runs: at min_epochs the windows' means and the standard
        # error of their difference, as convergence.diagnose computes them on the host; past them, the
        # epochs since the lowest training loss (the first of equal lows, as on the host).
        w, done = self.window, self.epochs_done
        shifted = torch.cat([self.recent_loss[:, 1:], loss[:, None]], dim=1)
        self.recent_loss.copy_(torch.where(active[:, None], shifted, self.recent_loss))
        lower = active & (loss < self.lowest_loss)
        self.lowest_loss.copy_(torch.where(lower, loss, self.lowest_loss))
        self.since_lowest.copy_(torch.where(lower, 0, self.since_lowest + 1).where(active, self.since_lowest))
        self.since_perfect.copy_(torch.where(fitted, 0, self.since_perfect + 1).where(active, self.since_perfect))
        before, last = self.recent_loss[:, :w], self.recent_loss[:, w:]
        noise = ((before.var(dim=1) + last.var(dim=1)) / w).sqrt() if w > 1 else torch.zeros_like(loss)
        falling = clearly_falling(before.mean(dim=1), last.mean(dim=1), noise) & (done >= 2 * w)
        learning = torch.where(done == self.config.min_epochs, falling, self.since_lowest < self.past_patience)
        if self.counts_accuracy:
            learning = learning & (self.since_perfect >= w)
        return (done >= self.config.min_epochs) & ~learning

    def _schedule_step(self, monitored: Tensor, active: Tensor) -> None:
        # ReduceLROnPlateau.step, mode "min", relative threshold, for each active run.
        better = monitored < self.schedule_best * (1.0 - self.threshold)
        best = torch.where(better, monitored, self.schedule_best)
        bad = torch.where(better, 0, self.bad_epochs + 1)
        in_cooldown = self.cooldown_left > 0
        cooldown_left = torch.where(in_cooldown, self.cooldown_left - 1, self.cooldown_left)
        bad = torch.where(in_cooldown, 0, bad)
        reduce = bad > self.patience
        new_lr = torch.clamp_min(self.lr64 * self.factor, self.min_lr)
        lr = torch.where(reduce & (self.lr64 - new_lr > self.eps), new_lr, self.lr64)
        cooldown_left = torch.where(reduce, self.cooldown, cooldown_left)
        bad = torch.where(reduce, 0, bad)
        self.schedule_best.copy_(best.where(active, self.schedule_best))
        self.bad_epochs.copy_(bad.where(active, self.bad_epochs))
        self.cooldown_left.copy_(cooldown_left.where(active, self.cooldown_left))
        self.lr64.copy_(lr.where(active, self.lr64))
        self.lr.copy_(self.lr64)


__all__ = ["DeviceRules"]
