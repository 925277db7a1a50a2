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

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .bookkeeping import Recorder, TrainResult, monitored
from .checkpoint import restore_run, run_state
from .data import TrainingSeries
from .epoch import EpochRunner, evaluate
from .handlers import EpochEnd, EpochHandler, RunParts
from .objective import Classification, Objective
from .protocol import TrainConfig, make_optimizer, make_schedule
from .state import LoopState, new_history
from .weight_averaging import RecentWeights, WeightSnapshot


def _current_lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def _graphed_or_eager(runner: EpochRunner, result: TrainResult):
    """The CUDA-graph runner, or ``runner`` itself (with a warning) when capture fails."""
    from .cuda_graph import GraphedEpoch, try_capture  # CUDA only: not imported on CPU-only runs

    graphed = try_capture(lambda: GraphedEpoch(runner))
    if graphed is None:
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


def train(network: nn.Module, train_data: TrainingSeries, config: TrainConfig, generator: torch.Generator, *,
          val_data: TrainingSeries | None = None, objective: Objective = Classification(),
          start: dict | None = None, keep_run: bool = False, label: str = "fit",
          handlers: Sequence[EpochHandler] = (), runner_type: type[EpochRunner] | None = None) -> TrainResult:
    """Train ``network`` in place and load the best weights seen into it.

    With ``config.average_last`` it ends instead with the mean of the weights
    after each of the last that many epochs (weight averaging, see
    :mod:`~mlstm_fcn.training.weight_averaging`), an interrupted run too.

    Each series' loss is weighted by its ``weight`` in the data (class weight
    times sample weight); ``objective`` says what the loss is.

    The monitored figure is the validation loss when ``val_data`` is given,
    else the mean training loss of the epoch. The learning rate is reduced
    on its plateaus, and training stops early after ``config.early_stopping``
    epochs without improvement when that is set, or after
    ``config.stop_when_fitted`` epochs in a row at training accuracy 1 (the
    rules of :mod:`~mlstm_fcn.training.bookkeeping`). A ``KeyboardInterrupt``
    ends training after restoring the best weights so far, with a warning.
    A batch that runs out of GPU memory is retried in halves (with a
    warning).

    ``handlers`` (:class:`~mlstm_fcn.training.handlers.EpochHandler`, built
    for an estimator by :func:`~mlstm_fcn.training.handlers.epoch_handlers`)
    do the rest, in order: resume from a checkpoint and write them, call
    the user's callbacks with an :class:`EpochEnd` after every epoch, show a
    progress bar named ``label``. ``runner_type`` runs the epochs (default
    :class:`EpochRunner`; a data-parallel fit passes its own, see
    :mod:`mlstm_fcn.training.data_parallel`).

    ``start`` continues a run from where an earlier call left it (its
    ``TrainResult.run``, kept with ``keep_run=True``): last weights,
    optimizer and schedule state, random streams, history and best weights,
    up to ``config.epochs`` epochs in all; stop rules count from the start of
    this call. A checkpoint a handler resumes from wins over ``start``.
    """
    device = train_data.device
    optimizer = make_optimizer(network, config, device)
    lr_tensor = optimizer.param_groups[0]["lr"] if torch.is_tensor(optimizer.param_groups[0]["lr"]) else None
    scheduler = make_schedule(optimizer, config)
    parts = RunParts(network, optimizer, scheduler, generator)
    state = LoopState(history=new_history(val_data is not None, objective.counts_accuracy))
    if start is not None:
        state = restore_run(start, network, optimizer, scheduler, generator)
        state.finished, state.call_start = False, state.epochs_done
    for handler in handlers:
        state = handler.resume(parts, label, config.epochs) or state
    # load_state_dict replaces the param group, learning-rate tensor included: the graph must be
    # captured on the optimizer's own device tensor, which the schedule keeps updating.
    _keep_tensor_lr(optimizer, lr_tensor)
    recorder = Recorder(config, state)
    result, history = recorder.result, recorder.history
    # A run killed between its last periodic checkpoint and the final one may have met its stop
    # rule already: it is finished, as the uninterrupted run was.
    if state.finished or recorder.stopped():
        recorder.end()
        start_epoch = config.epochs
    else:
        start_epoch = state.epochs_done
    n = len(train_data)
    network.train()
    snapshot = WeightSnapshot(network)
    recent = None if config.average_last is None else RecentWeights(network, config.average_last, state.recent_states)
    runner = (runner_type or EpochRunner)(network, optimizer, train_data, config.batch_size, config.autocast_dtype,
                                          objective, augment=config.augment, generator=generator)
    for handler in handlers:
        handler.begin(start_epoch, config.epochs, label)
    recorder.start_clock()  # a resumed run's clock continues from where the checkpoint left it
    try:
        # Random draws inside a captured graph would replay the same numbers: augmented epochs run eagerly.
        if config.cuda_graph and config.augment is None and device.type == "cuda" and start_epoch < config.epochs:
            runner = _graphed_or_eager(runner, result)
        for epoch in range(start_epoch, config.epochs):
            lr = _current_lr(optimizer)
            perm = torch.randperm(n, device=device, generator=generator)
            loss_sum, correct = runner.run(perm)
            loss_v, correct_v = torch.stack([loss_sum, correct]).tolist()  # the epoch's one sync
            elapsed = recorder.elapsed()  # the training epoch's, before validation
            validation = {}
            if val_data is not None:
                val_loss, val_acc = evaluate(network, val_data, config.batch_size, config.autocast_dtype,
                                             objective=objective)
                validation = {"val_loss": val_loss, "val_accuracy": val_acc}
            record, improved = recorder.record(loss=loss_v / n, accuracy=correct_v / n, learning_rate=lr,
                                               time=elapsed, **validation)
            if improved:
                state.best_state = snapshot.take(state.best_state)
            if recent is not None:
                recent.push()
                state.recent_states = recent.states
            scheduler.step(monitored(record))
            _keep_tensor_lr(optimizer, lr_tensor)
            if handlers:
                event = EpochEnd(epoch=epoch + 1, history=history, best_epoch=state.best_epoch,
                                 best_state=state.best_state, network=network, label=label,
                                 train_data=train_data, record=record, state=state)
                for handler in handlers:
                    handler.epoch_end(event)
            if recorder.stop():
                break
        else:
            recorder.end()
        for handler in handlers:
            handler.finish(state)
    except KeyboardInterrupt:
        Recorder.interrupted([recorder])
    finally:
        for handler in handlers:
            handler.close(result, state)
    if keep_run and state.epochs_done > 0:
        result.run = run_state(state, network, optimizer, scheduler, generator)
    final = state.best_state if recent is None else recent.average()
    if final is not None:
        network.load_state_dict(final)
    network.eval()
    return result
