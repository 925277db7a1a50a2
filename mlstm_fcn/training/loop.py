"""The training loop: the paper's protocol, with data resident on the device.

The whole training set goes to the device once; batches are drawn by a
seeded on-device permutation and indexing, and the loop reads figures back
to the host once per epoch, which is what the learning-rate schedule and the
history need. Model selection looks at training data only: the training
loss, or the loss on a split held out from the training data.

Where the run stands after each epoch is one :class:`LoopState`, which a
checkpoint saves and restores whole. On CUDA the fast path
(:mod:`mlstm_fcn.training.cuda_graph`) captures a whole epoch, every
optimizer step included, in one CUDA graph and replays it: MLSTM-FCN is
small, so without it the GPU mostly waits for Python to launch kernels.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from .._warnings import warn
from .checkpoint import Checkpointer, restore_run, run_state
from .data import TrainingSeries
from .epoch import EpochRunner, evaluate
from .objective import Classification, Objective
from .progress import ProgressBar
from .protocol import TrainConfig, make_optimizer, make_schedule
from .state import LoopState, new_history

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EpochEnd:
    """What a training callback is given after each epoch.

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
    """

    epoch: int
    history: dict
    best_epoch: int
    best_state: dict
    network: nn.Module
    label: str


@dataclass
class TrainResult:
    """What :func:`train` returns beside the trained network."""

    history: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int = -1
    interrupted: bool = False
    #: Why training ended, as the progress bar's last line says it: "fitted for N epochs" (the
    #: stop_when_fitted rule), "early stopping", "epoch cap" (all epochs run) or "interrupted".
    stop_reason: str = ""
    used_cuda_graph: bool = False
    #: Where the run stood at its end (last weights, optimizer, schedule, random streams): what
    #: continues it (:func:`~mlstm_fcn.training.checkpoint.run_state`), when ``train`` was asked to keep it.
    run: dict | None = None


class WeightSnapshot:
    """Copies of a network's weights and buffers, refreshed in place.

    Keeping the best epoch's weights is a copy at nearly every epoch early in
    training; one fused copy into the same buffers costs a few kernel launches
    instead of one allocation and launch per tensor.
    """

    def __init__(self, network: nn.Module) -> None:
        state = network.state_dict()
        self.names = list(state)
        self.live = [t.detach() for t in state.values()]  # updated in place by training

    def take(self, previous: dict[str, Tensor] | None) -> dict[str, Tensor]:
        """The current weights, written into ``previous``'s tensors when it has them."""
        if (previous is None or list(previous) != self.names
                or any(p.device != t.device for p, t in zip(previous.values(), self.live))):
            return {k: t.clone() for k, t in zip(self.names, self.live)}
        saved = list(previous.values())
        if hasattr(torch, "_foreach_copy_"):
            torch._foreach_copy_(saved, self.live)
        else:  # pragma: no cover - torch < 2.2
            for dst, src in zip(saved, self.live):
                dst.copy_(src)
        return previous


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


def stop_reason(state: LoopState, config: TrainConfig) -> str | None:
    """Why the run stops after the epochs ``state`` has done ("early stopping", "fitted for N epochs"), or None.

    Both rules count the epochs of the current call only, so that a continued run trains again.
    """
    in_call = state.epochs_done - state.call_start
    if config.early_stopping is not None and min(state.since_best, in_call) >= config.early_stopping:
        return "early stopping"
    if fitted_for(state.history.get("accuracy", [])[state.call_start:], config.stop_when_fitted):
        return f"fitted for {config.stop_when_fitted} epochs"
    return None


def should_stop(state: LoopState, config: TrainConfig) -> bool:
    """Whether the run stops after the epochs ``state`` has done (see :func:`stop_reason`)."""
    return stop_reason(state, config) is not None


def _current_lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def _graphed_or_eager(runner: EpochRunner, result: TrainResult):
    """The CUDA-graph runner, or ``runner`` itself (with a warning) when capture fails."""
    from .cuda_graph import GraphedEpoch  # CUDA only: not imported on CPU-only runs

    try:
        graphed = GraphedEpoch(runner)
    except RuntimeError as exc:  # capture is not possible for every op/version, or memory
        warn(f"CUDA graph capture failed ({exc}); training without it.", RuntimeWarning)
        return runner
    result.used_cuda_graph = True
    return graphed


def _keep_tensor_lr(optimizer: torch.optim.Optimizer, lr_tensor: Tensor | None) -> None:
    # Older schedulers replace a tensor learning rate by a float; a captured
    # graph would never see that change, so write it into the tensor instead.
    group = optimizer.param_groups[0]
    if lr_tensor is not None and group["lr"] is not lr_tensor:
        lr_tensor.fill_(float(group["lr"]))
        group["lr"] = lr_tensor


def train(network: nn.Module, train_data: TrainingSeries, config: TrainConfig,
          generator: torch.Generator, val_data: TrainingSeries | None = None,
          checkpointer: Checkpointer | None = None, *, objective: Objective = Classification(),
          start: dict | None = None, keep_run: bool = False, verbose: int = 0, label: str = "fit",
          callbacks: Sequence[Callable[[EpochEnd], object]] = (),
          runner_type: type[EpochRunner] | None = None) -> TrainResult:
    """Train ``network`` in place and load the best weights seen into it.

    Each series' loss is weighted by its ``weight`` in the data (class weight
    times sample weight); ``objective`` says what the loss is.

    The monitored figure is the validation loss when ``val_data`` is given,
    else the mean training loss of the epoch. The learning rate is reduced
    on its plateaus, and training stops early after ``config.early_stopping``
    epochs without improvement when that is set, or after
    ``config.stop_when_fitted`` epochs in a row at training accuracy 1. A ``KeyboardInterrupt``
    ends training after restoring the best weights so far, with a warning.
    A batch that runs out of GPU memory is retried in halves (with a
    warning). With a ``checkpointer``, training resumes from its checkpoint
    when there is one, and writes one every ``checkpointer.every`` epochs.
    ``verbose`` shows a progress bar named ``label``; each of ``callbacks``
    is called after every epoch with an :class:`EpochEnd`. ``runner_type``
    runs the epochs (default :class:`EpochRunner`; a data-parallel fit
    passes its own, see :mod:`mlstm_fcn.training.data_parallel`).

    ``start`` continues a run from where an earlier call left it (its
    ``TrainResult.run``, kept with ``keep_run=True``): last weights,
    optimizer and schedule state, random streams, history and best weights,
    up to ``config.epochs`` epochs in all; stop rules count from the start of
    this call.
    """
    device = train_data.device
    optimizer = make_optimizer(network, config, device)
    lr_tensor = optimizer.param_groups[0]["lr"] if torch.is_tensor(optimizer.param_groups[0]["lr"]) else None
    scheduler = make_schedule(optimizer, config)
    state = LoopState(history=new_history(val_data is not None, objective.counts_accuracy))
    if start is not None:
        state = restore_run(start, network, optimizer, scheduler, generator)
        state.finished, state.call_start = False, state.epochs_done
    # A checkpoint of this very run (a killed continuation included) wins over where it started.
    resumed = None if checkpointer is None else checkpointer.restore(network, optimizer, scheduler, generator)
    # load_state_dict replaces the param group, learning-rate tensor included: the graph must be
    # captured on the optimizer's own device tensor, which the schedule keeps updating.
    _keep_tensor_lr(optimizer, lr_tensor)
    if resumed is not None:
        state = resumed
        # Said whatever ``verbose`` is: a fit that returns at once, or from epoch 80, is no surprise then.
        logger.info("%s: resumed from checkpoint %s after epoch %d of %d%s", label, checkpointer.path,
                    state.epochs_done, config.epochs, " (that run had finished)" if state.finished else "")
    history = state.history
    result = TrainResult(history=history, best_epoch=state.best_epoch)
    # A run killed between its last periodic checkpoint and the final one may have met its stop
    # rule already: it is finished, as the uninterrupted run was.
    stopped = state.epochs_done > 0 and should_stop(state, config)
    if state.finished or stopped:
        result.stop_reason = stop_reason(state, config) or "epoch cap"
    start_epoch = config.epochs if state.finished or stopped else state.epochs_done
    n = len(train_data)
    network.train()
    snapshot = WeightSnapshot(network)
    runner = (runner_type or EpochRunner)(network, optimizer, train_data, config.batch_size, config.autocast_dtype,
                                          objective)
    bar = ProgressBar(bool(verbose), label, start_epoch, config.epochs)
    # A resumed run's clock continues from where the checkpoint left it.
    start_time = time.perf_counter() - (history["time"][-1] if history.get("time") else 0.0)
    try:
        if config.cuda_graph and device.type == "cuda" and start_epoch < config.epochs:
            runner = _graphed_or_eager(runner, result)
        for epoch in bar:
            lr = _current_lr(optimizer)
            perm = torch.randperm(n, device=device, generator=generator)
            loss_sum, correct = runner.run(perm)
            loss_v, correct_v = torch.stack([loss_sum, correct]).tolist()  # the epoch's one sync
            record = {"epoch": epoch + 1, "loss": loss_v / n, "accuracy": correct_v / n, "learning_rate": lr,
                      "time": time.perf_counter() - start_time}
            monitored = loss_v / n
            if val_data is not None:
                val_loss, val_acc = evaluate(network, val_data, config.batch_size, config.autocast_dtype,
                                             objective=objective)
                record.update(val_loss=val_loss, val_accuracy=val_acc)
                monitored = val_loss
            if not objective.counts_accuracy:
                record = {k: v for k, v in record.items() if not k.endswith("accuracy")}
            for key, value in record.items():  # all at once: an interrupt leaves no ragged history
                history[key].append(value)
            if record_monitored(state, monitored, epoch + 1):
                state.best_state = snapshot.take(state.best_state)
            state.epochs_done = epoch + 1
            result.best_epoch = state.best_epoch
            scheduler.step(monitored)
            _keep_tensor_lr(optimizer, lr_tensor)
            for callback in callbacks:
                callback(EpochEnd(epoch=epoch + 1, history=history, best_epoch=state.best_epoch,
                                  best_state=state.best_state, network=network, label=label))
            if checkpointer is not None and checkpointer.due(state.epochs_done):
                checkpointer.write(state, network, optimizer, scheduler, generator)
            bar.show(record)
            result.stop_reason = stop_reason(state, config) or ""
            if result.stop_reason:
                break
        else:
            result.stop_reason = result.stop_reason or "epoch cap"
        if checkpointer is not None and not (resumed is not None and resumed.finished):
            # The finished run: fitting again with the same checkpoint_dir returns it at once.
            state.finished = True
            checkpointer.write(state, network, optimizer, scheduler, generator)
    except KeyboardInterrupt:
        result.interrupted, result.stop_reason = True, "interrupted"
        warn(f"Training interrupted after {len(history['epoch'])} epoch(s); keeping the best weights "
             f"so far (epoch {state.best_epoch}).", RuntimeWarning)
    finally:
        bar.close(result.stop_reason, state.epochs_done)
    if keep_run and state.epochs_done > 0:
        result.run = run_state(state, network, optimizer, scheduler, generator)
    if state.best_state is not None:
        network.load_state_dict(state.best_state)
    network.eval()
    return result
