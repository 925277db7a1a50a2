"""The training loop: the paper's protocol, with data resident on the device.

The whole training set goes to the device once; batches are drawn by a
seeded on-device permutation and indexing, and the loop reads figures back
to the host once per epoch, which is what the learning-rate schedule and the
history need. Model selection looks at training data only: the training
loss, or the loss on a split held out from the training data.

On CUDA the fast path (:mod:`mlstm_fcn._cuda_graph`) captures a whole epoch,
every optimizer step included, in one CUDA graph and replays it: MLSTM-FCN
is small, so without it the GPU mostly waits for Python to launch kernels.
"""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from ._memory import BatchSizer, as_sizer, smaller_batch
from .checkpoint import Checkpointer


@dataclass
class TrainConfig:
    """Hyper-parameters of one training run (see :class:`MLSTMFCNClassifier`)."""

    epochs: int = 500
    batch_size: int = 128
    learning_rate: float = 1e-3
    min_learning_rate: float = 1e-4
    lr_factor: float = 1.0 / 2 ** (1.0 / 3.0)
    lr_patience: int = 100
    early_stopping: int | None = None
    verbose: int = 0
    #: Label of the progress bar ("fit", or "fit 2/5" for the second network of an ensemble).
    progress_label: str = "fit"
    #: dtype of autocast (torch.bfloat16) or None for full float32.
    autocast_dtype: torch.dtype | None = None
    #: Capture each epoch in a CUDA graph (CUDA only; falls back to eager on failure).
    cuda_graph: bool = False
    #: Called after every epoch with an :class:`EpochEnd`.
    callbacks: Sequence[Callable[["EpochEnd"], object]] = ()


@dataclass
class TrainData:
    """Tensors already on the training device."""

    X: Tensor
    y: Tensor
    lengths: Tensor | None = None

    def __len__(self) -> int:
        return self.X.shape[0]

    def take(self, idx: Tensor) -> tuple[Tensor, Tensor, Tensor | None]:
        """The batch at indices ``idx`` (a gather on the device, no host copy)."""
        lengths = None if self.lengths is None else self.lengths[idx]
        return self.X[idx], self.y[idx], lengths


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
    used_cuda_graph: bool = False


def batch_slices(n: int, batch_size: int) -> list[tuple[int, int]]:
    """Start/stop of each batch; a last batch of one sample joins the one before.

    A batch of one breaks batch normalisation when the series has one step,
    and gives a very noisy step in any case.
    """
    bounds = [(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        bounds[-2] = (bounds[-2][0], n)
        bounds.pop()
    return bounds


def weighted_loss(logits: Tensor, y: Tensor, class_weight: Tensor) -> Tensor:
    """Mean over the batch of class-weighted cross-entropy (Keras' ``class_weight``)."""
    per_sample = nn.functional.cross_entropy(logits.float(), y, reduction="none")
    return (per_sample * class_weight[y]).mean()


def autocast_context(device: torch.device, dtype: torch.dtype | None):
    """Mixed-precision context for ``dtype``, or a no-op for float32."""
    if dtype is None:
        return contextlib.nullcontext()
    # The weight-cast cache must be off for CUDA-graph capture, and buys
    # nothing here anyway (weights change at every step).
    return torch.autocast(device.type, dtype=dtype, cache_enabled=False)


@torch.no_grad()
def evaluate(network: nn.Module, data: TrainData, class_weight: Tensor, batch_size: int | BatchSizer,
             autocast_dtype: torch.dtype | None = None, what: str = "validation") -> tuple[float, float]:
    """Weighted loss and accuracy of ``network`` (in eval mode) on ``data``.

    An integer ``batch_size`` is raised to at least 1024 (no gradients are
    kept, so evaluation affords larger batches than training); a
    :class:`BatchSizer` is used as it is.
    """
    was_training = network.training
    network.eval()
    n = len(data)

    def batch(start: int, stop: int) -> tuple[Tensor, Tensor]:
        xb, yb, lb = data.take(torch.arange(start, stop, device=data.X.device))
        with autocast_context(xb.device, autocast_dtype):
            logits = network(xb, lb)
        return weighted_loss(logits, yb, class_weight) * (stop - start), (logits.argmax(1) == yb).sum()

    sizer = batch_size if isinstance(batch_size, BatchSizer) else as_sizer(max(batch_size, 1024))
    parts = sizer.map(batch, n, what)
    loss = torch.stack([p[0] for p in parts]).sum()
    correct = torch.stack([p[1] for p in parts]).sum().to(loss.dtype)
    network.train(was_training)
    loss_v, correct_v = torch.stack([loss, correct]).tolist()
    return loss_v / n, correct_v / n


class EpochRunner:
    """One epoch of mini-batch training, eagerly: the reference the fast path replays.

    Accumulates the epoch's summed loss and correct count in device tensors,
    so that the epoch needs no host synchronisation.
    """

    def __init__(self, network: nn.Module, optimizer: torch.optim.Optimizer, data: TrainData,
                 class_weight: Tensor, batch_size: int, autocast_dtype: torch.dtype | None) -> None:
        self.network = network
        self.optimizer = optimizer
        self.data = data
        self.class_weight = class_weight
        self.batch_size = batch_size
        self.slices = batch_slices(len(data), batch_size)
        self.autocast_dtype = autocast_dtype
        device = data.X.device
        self.loss_sum = torch.zeros((), device=device)
        self.correct = torch.zeros((), device=device)

    def step(self, idx: Tensor) -> None:
        """One optimizer step on the samples at ``idx``."""
        xb, yb, lb = self.data.take(idx)
        with autocast_context(xb.device, self.autocast_dtype):
            logits = self.network(xb, lb)
            loss = weighted_loss(logits, yb, self.class_weight)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.loss_sum += loss.detach() * idx.shape[0]
        self.correct += (logits.detach().argmax(1) == yb).sum()

    def body(self, perm: Tensor, retry_oom: bool = True) -> None:
        """All steps of an epoch over the permutation ``perm``.

        A batch that runs out of GPU memory is redone, with the rest of the
        epoch, in batches half as large (and so are later epochs).
        """
        self.loss_sum.zero_()
        self.correct.zero_()
        slices, i = self.slices, 0
        while i < len(slices):
            start, stop = slices[i]
            try:
                self.step(perm[start:stop])
            except torch.cuda.OutOfMemoryError as exc:
                if not retry_oom:
                    raise
                self.batch_size = smaller_batch(self.batch_size, exc, "training")
                rest = batch_slices(len(self.data) - start, self.batch_size)
                slices = slices[:i] + [(start + a, start + b) for a, b in rest]
                continue
            i += 1
        self.slices = batch_slices(len(self.data), self.batch_size)

    def run(self, perm: Tensor) -> tuple[Tensor, Tensor]:
        """Train one epoch; return (summed loss, correct count) as device tensors."""
        self.body(perm)
        return self.loss_sum, self.correct


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


def _make_optimizer(network: nn.Module, config: TrainConfig, device: torch.device) -> torch.optim.Optimizer:
    if device.type == "cuda":
        # A tensor learning rate and capturable state let a CUDA graph replay
        # the optimizer step while the schedule changes the rate between epochs.
        lr = torch.tensor(config.learning_rate, device=device)
        return torch.optim.Adam(network.parameters(), lr=lr, fused=True, capturable=True)
    return torch.optim.Adam(network.parameters(), lr=config.learning_rate)


def _current_lr(optimizer: torch.optim.Optimizer) -> float:
    return float(optimizer.param_groups[0]["lr"])


def _graphed_or_eager(runner: EpochRunner, result: TrainResult):
    """The CUDA-graph runner, or ``runner`` itself (with a warning) when capture fails."""
    from ._cuda_graph import GraphedEpoch

    try:
        graphed = GraphedEpoch(runner)
    except RuntimeError as exc:  # capture is not possible for every op/version, or memory
        warnings.warn(f"CUDA graph capture failed ({exc}); training without it.", RuntimeWarning,
                      stacklevel=6)
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


def train(network: nn.Module, train_data: TrainData, class_weight: Tensor, config: TrainConfig,
          generator: torch.Generator, val_data: TrainData | None = None,
          checkpointer: Checkpointer | None = None) -> TrainResult:
    """Train ``network`` in place and load the best weights seen into it.

    The monitored figure is the validation loss when ``val_data`` is given,
    else the mean training loss of the epoch. The learning rate is reduced
    on its plateaus, and training stops early after ``config.early_stopping``
    epochs without improvement when that is set. A ``KeyboardInterrupt``
    ends training after restoring the best weights so far, with a warning.
    A batch that runs out of GPU memory is retried in halves (with a
    warning). With a ``checkpointer``, training resumes from its checkpoint
    when there is one, and writes one every ``checkpointer.every`` epochs.
    """
    device = train_data.X.device
    optimizer = _make_optimizer(network, config, device)
    lr_tensor = optimizer.param_groups[0]["lr"] if torch.is_tensor(optimizer.param_groups[0]["lr"]) else None
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="min", factor=config.lr_factor, patience=config.lr_patience,
        min_lr=config.min_learning_rate)
    history: dict[str, list[float]] = {"epoch": [], "loss": [], "accuracy": [], "learning_rate": [],
                                       "time": []}
    if val_data is not None:
        history.update(val_loss=[], val_accuracy=[])
    result = TrainResult(history=history)
    best = math.inf
    best_state = None
    since_best = 0
    n = len(train_data)
    start_epoch = 0
    resumed = None if checkpointer is None else checkpointer.restore(network, optimizer, scheduler, generator)
    # load_state_dict replaces the param group, learning-rate tensor included: the graph must be
    # captured on the optimizer's own device tensor, which the schedule keeps updating.
    _keep_tensor_lr(optimizer, lr_tensor)
    if resumed is not None:
        start_epoch = config.epochs if resumed.finished else resumed.epoch + 1
        best, best_state, since_best = resumed.best, resumed.best_state, resumed.since_best
        result.best_epoch = resumed.best_epoch
        history.update(resumed.history)
    network.train()
    snapshot = WeightSnapshot(network)
    runner = EpochRunner(network, optimizer, train_data, class_weight, config.batch_size,
                         config.autocast_dtype)
    bar = tqdm(range(start_epoch, config.epochs), desc=config.progress_label, unit="epoch", disable=not config.verbose,
               initial=start_epoch, total=config.epochs)
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
                val_loss, val_acc = evaluate(network, val_data, class_weight, config.batch_size,
                                             config.autocast_dtype)
                record.update(val_loss=val_loss, val_accuracy=val_acc)
                monitored = val_loss
            for key, value in record.items():  # all at once: an interrupt leaves no ragged history
                history[key].append(value)
            if monitored < best:
                best, since_best, result.best_epoch = monitored, 0, epoch + 1
                best_state = snapshot.take(best_state)
            else:
                since_best += 1
            scheduler.step(monitored)
            _keep_tensor_lr(optimizer, lr_tensor)
            for callback in config.callbacks:
                callback(EpochEnd(epoch=epoch + 1, history=history, best_epoch=result.best_epoch,
                                  best_state=best_state, network=network, label=config.progress_label))
            if checkpointer is not None and checkpointer.due(epoch):
                checkpointer.write(epoch=epoch, network=network, optimizer=optimizer, scheduler=scheduler,
                                   generator=generator, best=best, best_state=best_state,
                                   best_epoch=result.best_epoch, since_best=since_best, history=history)
            if config.verbose:
                postfix = {"loss": f"{loss_v / n:.4f}", "acc": f"{correct_v / n:.3f}", "lr": f"{lr:.2e}"}
                if val_data is not None:
                    postfix["val_loss"] = f"{history['val_loss'][-1]:.4f}"
                bar.set_postfix(postfix)
            if config.early_stopping is not None and since_best >= config.early_stopping:
                break
        if checkpointer is not None and not (resumed is not None and resumed.finished):
            # The finished run: fitting again with the same checkpoint_dir returns it at once.
            checkpointer.write(epoch=len(history["epoch"]) - 1, network=network, optimizer=optimizer,
                               scheduler=scheduler, generator=generator, best=best, best_state=best_state,
                               best_epoch=result.best_epoch, since_best=since_best, history=history,
                               finished=True)
    except KeyboardInterrupt:
        result.interrupted = True
        warnings.warn(
            f"Training interrupted after {len(history['epoch'])} epoch(s); keeping the best weights "
            f"so far (epoch {result.best_epoch}).", RuntimeWarning, stacklevel=5)
    finally:
        bar.close()
    if best_state is not None:
        network.load_state_dict(best_state)
    network.eval()
    return result
