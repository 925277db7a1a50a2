"""Training k networks as one fused module: each member trains what it would train alone.

What makes a member's run its own, inside one
:class:`~mlstm_fcn.nn.fused.FusedMLSTMFCN`:

- *data*: the series live once on the device; member ``j`` trains on the
  rows ``train_idx[j]`` of them (its fold of a cross-validation, or all of
  them), in the order of its own seeded permutation, so every member needs
  the same number of training series (the same batch sizes); validation
  rows, when given, likewise;
- *loss*: each member's weighted loss (:func:`~mlstm_fcn.training.weighted_loss`
  of the run's :class:`~mlstm_fcn.training.objective.Objective`, mapped over
  the members with ``torch.func.vmap``) with its own weight per series
  (class weight of its training rows times sample weight); the loss
  minimised is their sum, whose gradient with respect to a member's weights
  is that member's own gradient;
- *optimizer*: :class:`MemberAdam`, Adam with one learning rate per member
  (torch's Adam takes one rate per parameter tensor, and stacked tensors
  hold every member);
- *decisions*: best epoch, plateau schedule, early stopping and the fitted
  rule per member, either on the host after every epoch with the loop's own
  rules (:func:`~mlstm_fcn.training.loop.record_monitored`,
  :func:`~mlstm_fcn.training.loop.should_stop`, a
  :func:`~mlstm_fcn.training.protocol.make_schedule` per member), or on the
  device (:class:`~mlstm_fcn.training.device_rules.DeviceRules`) for
  ``readback_every`` epochs at a time, which on CUDA run as one CUDA-graph
  replay (:class:`~mlstm_fcn.training.cuda_graph.GraphedBlock`).

A member that stops keeps its best weights and history; it goes on being
computed (the fused batch has a fixed shape) until all stop, but nothing of
it is recorded any more.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial

import torch
from torch import Tensor

from .._runtime import autocast_context
from .._warnings import warn
from ..nn.fused import FusedMLSTMFCN
from ..nn.network import MLSTMFCN
from .data import SeriesOnDevice, batch_slices
from .device_rules import DeviceRules
from .loop import TrainResult, record_monitored, should_stop
from .loss import weighted_loss
from .objective import Classification, Objective
from .protocol import TrainConfig, make_optimizer, make_schedule
from .state import LoopState, new_history

#: Most epochs per device-side block (one CUDA-graph replay, one history read-back).
READBACK_EVERY = 25
#: Most optimizer steps captured in one block: a graph of thousands of steps takes long to
#: capture and instantiate, and small data sets (a few batches per epoch) are the ones that gain.
MAX_STEPS_PER_BLOCK = 256

def member_losses(objective: Objective):
    """``f(outputs (k, b, ...), targets (k, b, ...), weights (k, b)) -> (k,)``: each member's weighted loss."""
    return torch.func.vmap(partial(weighted_loss, objective=objective))


def _member_correct(objective: Objective, outputs: Tensor, targets: Tensor) -> Tensor | None:
    # Each member's count of right answers (k,), or None where the objective counts none.
    return torch.func.vmap(objective.correct)(outputs, targets) if objective.counts_accuracy else None


class MemberAdam:
    """Adam over a fused network's parameters with one learning rate per member.

    Every stacked parameter holds its members along dimension 0, in ``k``
    equal parts (:class:`~mlstm_fcn.nn.fused.FusedMLSTMFCN`); a parameter of
    one member's own module (the recurrent branches) belongs to that member.
    The update is torch's Adam (the betas and eps of
    :func:`~mlstm_fcn.training.protocol.make_optimizer`), element by element,
    with member ``j``'s steps scaled by ``lr[j]``. State is allocated at
    construction and updated in place, so a CUDA graph can capture the step.

    Parameters
    ----------
    network : FusedMLSTMFCN
    lr : Tensor of shape (k,)
        The members' learning rates, read at every step (the schedule writes it in place).
    config : TrainConfig
    """

    def __init__(self, network: FusedMLSTMFCN, lr: Tensor, config: TrainConfig) -> None:
        # Built over a placeholder parameter: a module would draw its initialisation from the global RNG.
        placeholder = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(1))])
        defaults = make_optimizer(placeholder, config, torch.device("cpu")).defaults
        self.beta1, self.beta2 = defaults["betas"]
        self.eps = defaults["eps"]
        if defaults.get("weight_decay"):
            raise ValueError("MemberAdam implements Adam without weight decay")
        self.lr = lr
        self.k = network.k
        owner = {id(p): j for j, branch in enumerate(network.lstm_branches) for p in branch.parameters()}
        self.params = [(p, owner.get(id(p))) for p in network.parameters()]
        self.exp_avg = [torch.zeros_like(p) for p, _ in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p, _ in self.params]
        self.step_count = torch.zeros((), device=lr.device, dtype=torch.float64)

    def zero_grad(self) -> None:
        """Drop the gradients (set to None)."""
        for p, _ in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """One Adam step of every parameter that has a gradient."""
        self.step_count += 1
        bias1 = 1 - self.beta1 ** self.step_count
        bias2_sqrt = (1 - self.beta2 ** self.step_count).sqrt()
        step_size = (self.lr.to(torch.float64) / bias1).to(self.lr.dtype)  # (k,)
        for (p, member), m, v in zip(self.params, self.exp_avg, self.exp_avg_sq):
            if p.grad is None:
                continue
            g = p.grad
            m.lerp_(g, 1 - self.beta1)
            v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
            update = m / (v.sqrt() / bias2_sqrt.to(v.dtype)).add_(self.eps)
            if member is None:
                p.view(self.k, -1).sub_(step_size[:, None] * update.view(self.k, -1))
            else:
                p.sub_(step_size[member] * update)

    def state_tensors(self) -> list[Tensor]:
        """The state updated in place (what a warm-up before CUDA-graph capture must undo)."""
        return [*self.exp_avg, *self.exp_avg_sq, self.step_count]


@dataclass
class FusedData:
    """The series of a fused run and which rows each member reads.

    Attributes
    ----------
    data : SeriesOnDevice
        All series, once.
    train_idx : Tensor of shape (k, n_train), int64
        Row ``j``: the series member ``j`` trains on.
    weight : Tensor of shape (k, n)
        Row ``j``: the loss weight of every series of ``data`` for member ``j``
        (its class weight among member ``j``'s training rows, times its sample weight).
    val_idx : Tensor of shape (k, n_val) or None
        Each member's validation series (monitored instead of the training loss).
    """

    data: SeriesOnDevice
    train_idx: Tensor
    weight: Tensor
    val_idx: Tensor | None = None

    def take(self, rows: Tensor) -> tuple[Tensor, Tensor, Tensor | None, Tensor]:
        """Batches ``(k, b, C, T)``, targets, lengths ``(k, b)`` and each member's weights ``(k, b)`` of the rows."""
        xb, yb, lb, _ = self.data.take(rows)  # the weights differ by member: from ``weight``
        return xb, yb, lb, self.weight.gather(1, rows)


class FusedEpoch:
    """One epoch of every member, eagerly (the reference a CUDA graph captures).

    Sums each member's loss and correct count (zero for an objective that
    counts none) in device tensors ``(k,)``.
    """

    def __init__(self, network: FusedMLSTMFCN, optimizer: MemberAdam, data: FusedData, batch_size: int,
                 autocast_dtype: torch.dtype | None, objective: Objective = Classification()) -> None:
        self.network, self.optimizer, self.data = network, optimizer, data
        self.autocast_dtype = autocast_dtype
        self.objective = objective
        self.losses = member_losses(objective)
        k, n = data.train_idx.shape
        self.n = n
        self.slices = batch_slices(n, batch_size)
        device = data.train_idx.device
        self.loss_sum = torch.zeros(k, device=device)
        self.correct = torch.zeros(k, device=device)

    def step(self, positions: Tensor) -> None:
        """One optimizer step; ``positions`` ``(k, b)`` index each member's ``train_idx`` row."""
        xb, yb, lb, wb = self.data.take(self.data.train_idx.gather(1, positions))
        with autocast_context(xb.device, self.autocast_dtype):
            outputs = self.network(xb, lb)
            losses = self.losses(outputs, yb, wb)
        self.optimizer.zero_grad()
        losses.sum().backward()
        self.optimizer.step()
        self.loss_sum += losses.detach() * positions.shape[1]
        correct = _member_correct(self.objective, outputs.detach(), yb)
        if correct is not None:
            self.correct += correct

    def body(self, perms: Tensor) -> None:
        """All steps of an epoch; ``perms`` ``(k, n)`` is each member's permutation."""
        self.loss_sum.zero_()
        self.correct.zero_()
        for start, stop in self.slices:
            self.step(perms[:, start:stop])


@torch.no_grad()
def fused_evaluate(network: FusedMLSTMFCN, data: FusedData, batch_size: int, autocast_dtype: torch.dtype | None,
                   objective: Objective = Classification()) -> tuple[Tensor, Tensor]:
    """Each member's weighted loss and accuracy on its ``val_idx`` rows, in eval mode: two ``(k,)`` tensors.

    In batches of at least 1024, as :func:`~mlstm_fcn.training.evaluate` does.
    """
    was_training = network.training
    network.eval()
    idx = data.val_idx
    n = idx.shape[1]
    loss = torch.zeros(idx.shape[0], device=idx.device)
    correct = torch.zeros(idx.shape[0], device=idx.device)
    losses = member_losses(objective)
    for start, stop in batch_slices(n, max(batch_size, 1024)):
        xb, yb, lb, wb = data.take(idx[:, start:stop])
        with autocast_context(xb.device, autocast_dtype):
            outputs = network(xb, lb)
        loss += losses(outputs, yb, wb) * (stop - start)
        right = _member_correct(objective, outputs, yb)
        if right is not None:
            correct += right
    network.train(was_training)
    # float64, as the host loop divides the summed figures with Python floats.
    return loss.to(torch.float64) / n, correct.to(torch.float64) / n


@dataclass
class FusedResult:
    """What :func:`train_fused` returns: per member a :class:`TrainResult` and the trained network."""

    results: list[TrainResult] = field(default_factory=list)
    members: list[MLSTMFCN] = field(default_factory=list)
    used_cuda_graph: bool = False


def _member_perms(generators: list[torch.Generator], n: int, device: torch.device) -> Tensor:
    # Each member's own permutation, drawn exactly as the single-network loop draws it.
    return torch.stack([torch.randperm(n, device=device, generator=g) for g in generators])


def train_fused(network: FusedMLSTMFCN, data: FusedData, config: TrainConfig, generators: list[torch.Generator],
                *, rules: str = "host", readback_every: int | None = None,
                objective: Objective = Classification()) -> FusedResult:
    """Train the members of ``network`` together; return each one's history and best weights.

    Parameters
    ----------
    network : FusedMLSTMFCN
        Trained in place (its final weights are the last epoch's, not the best).
    data : FusedData
        The series and each member's rows and loss weights.
    config : TrainConfig
        The single-network protocol, applied to every member.
    generators : list of torch.Generator
        One per member: its batch order (seeded as the single-network fit seeds its own).
    rules : {"host", "device"}, default="host"
        Where the per-epoch decisions are made: on the host after every
        epoch, or on the device for ``readback_every`` epochs at a time (on
        CUDA with ``config.cuda_graph``, those epochs are one CUDA-graph replay).
    readback_every : int, optional
        With ``rules="device"``: epochs between read-backs of the history;
        default :data:`READBACK_EVERY`, fewer when an epoch has many batches
        (at most :data:`MAX_STEPS_PER_BLOCK` steps per block).
    objective : Objective, default=Classification()
        What the loss is, and whether accuracy is counted (as :func:`~mlstm_fcn.training.train` takes it).

    Returns
    -------
    FusedResult
        Per member its :class:`~mlstm_fcn.training.TrainResult` and an
        :class:`~mlstm_fcn.nn.MLSTMFCN` with its best weights, in eval mode.
    """
    if rules not in ("host", "device"):
        raise ValueError(f"rules must be 'host' or 'device', got {rules!r}")
    if len(generators) != network.k or data.train_idx.shape[0] != network.k:
        raise ValueError("one generator and one row of train_idx per member")
    device = data.train_idx.device
    k = network.k
    rule_state = DeviceRules(k, config, device)
    optimizer = MemberAdam(network, rule_state.lr, config)
    runner = FusedEpoch(network, optimizer, data, config.batch_size, config.autocast_dtype, objective)
    network.train()
    if readback_every is None:
        readback_every = max(1, min(READBACK_EVERY, MAX_STEPS_PER_BLOCK // len(runner.slices)))
    if rules == "host":
        return _train_host(network, runner, data, config, generators, rule_state.lr)
    return _train_device(network, runner, data, config, generators, rule_state, readback_every)


def _train_host(network: FusedMLSTMFCN, runner: FusedEpoch, data: FusedData, config: TrainConfig,
                generators: list[torch.Generator], lr: Tensor) -> FusedResult:
    k, n, device = network.k, runner.n, lr.device
    objective = runner.objective
    states = [LoopState(history=new_history(data.val_idx is not None, objective.counts_accuracy)) for _ in range(k)]
    # One plateau schedule per member, each over a holder of that member's rate: the loop's own schedule.
    holders = [torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=config.learning_rate) for _ in range(k)]
    schedules = [make_schedule(h, config) for h in holders]
    best = network.member_state()
    going = [True] * k
    result = FusedResult(results=[TrainResult(history=s.history) for s in states])
    start_time = time.perf_counter()
    try:
        for epoch in range(config.epochs):
            rates = [float(h.param_groups[0]["lr"]) for h in holders]
            runner.body(_member_perms(generators, n, device))
            loss_v, correct_v = torch.stack([runner.loss_sum, runner.correct]).tolist()
            elapsed = time.perf_counter() - start_time
            monitored = [v / n for v in loss_v]
            if data.val_idx is not None:
                val_loss, val_acc = (t.tolist() for t in fused_evaluate(network, data, config.batch_size,
                                                                        config.autocast_dtype, objective))
                monitored = val_loss
            improved = torch.zeros(k, dtype=torch.bool)
            for j in range(k):
                if not going[j]:
                    continue
                record = {"epoch": epoch + 1, "loss": loss_v[j] / n, "accuracy": correct_v[j] / n,
                          "learning_rate": rates[j], "time": elapsed}
                if data.val_idx is not None:
                    record.update(val_loss=val_loss[j], val_accuracy=val_acc[j])
                if not objective.counts_accuracy:
                    record = {key: v for key, v in record.items() if not key.endswith("accuracy")}
                for key, value in record.items():
                    states[j].history[key].append(value)
                improved[j] = record_monitored(states[j], monitored[j], epoch + 1)
                states[j].epochs_done = epoch + 1
                schedules[j].step(monitored[j])
                going[j] = not should_stop(states[j], config)
            if bool(improved.any()):
                _keep_best(best, network.member_state(), improved.to(device))
            lr.copy_(torch.tensor([float(h.param_groups[0]["lr"]) for h in holders]))
            if not any(going):
                break
    except KeyboardInterrupt:
        for r in result.results:
            r.interrupted = True
        warn(f"Fused training interrupted; keeping each member's best weights so far "
             f"(epochs {[s.best_epoch for s in states]}).", RuntimeWarning)
    for r, s in zip(result.results, states):
        r.best_epoch = s.best_epoch
    result.members = network.to_members(best)
    return result


def _keep_best(best: dict[str, Tensor], current: dict[str, Tensor], improved: Tensor) -> None:
    """Rows of ``best`` of the improved members replaced by ``current``'s, in place."""
    for name, kept in best.items():
        mask = improved.view(-1, *([1] * (kept.dim() - 1)))
        kept.copy_(torch.where(mask, current[name], kept))


class FusedBlock:
    """``epochs`` epochs of a fused run with the decisions on the device: what one graph replay runs.

    History rows (loss, accuracy, learning rate, validation figures, whether
    the member counted the epoch) are written into ``(epochs, k)`` device
    buffers, read back by the caller after the block.
    """

    def __init__(self, runner: FusedEpoch, data: FusedData, config: TrainConfig, rules: DeviceRules,
                 best: dict[str, Tensor], epochs: int) -> None:
        self.runner, self.data, self.config, self.rules, self.best = runner, data, config, rules, best
        self.epochs = epochs
        k, n = data.train_idx.shape
        device = data.train_idx.device
        self.perms = torch.zeros(epochs, k, n, dtype=torch.int64, device=device)
        names = ["loss", "accuracy", "learning_rate"] + (["val_loss", "val_accuracy"] if data.val_idx is not None
                                                          else [])
        self.rows = {name: torch.zeros(epochs, k, device=device, dtype=torch.float64) for name in names}
        self.active = torch.zeros(epochs, k, device=device, dtype=torch.bool)

    def validate(self) -> tuple[Tensor, Tensor] | None:
        """Each member's validation loss and accuracy ``(k,)`` now, or None without validation data."""
        if self.data.val_idx is None:
            return None
        return fused_evaluate(self.runner.network, self.data, self.config.batch_size, self.config.autocast_dtype,
                              self.runner.objective)

    def run(self) -> None:
        """Run the block's epochs over ``self.perms`` (eagerly, or as the captured body)."""
        runner, n = self.runner, self.runner.n
        for e in range(self.epochs):
            self.rows["learning_rate"][e].copy_(self.rules.lr64)
            runner.body(self.perms[e])
            loss = runner.loss_sum.to(torch.float64) / n
            accuracy = runner.correct.to(torch.float64) / n
            monitored = loss
            validation = self.validate()
            if validation is not None:
                val_loss, val_acc = validation
                self.rows["val_loss"][e].copy_(val_loss)
                self.rows["val_accuracy"][e].copy_(val_acc)
                monitored = val_loss
            self.rows["loss"][e].copy_(loss)
            self.rows["accuracy"][e].copy_(accuracy)
            active, improved = self.rules.update(monitored, accuracy)
            self.active[e].copy_(active)
            _keep_best(self.best, runner.network.member_state(), improved)


def _train_device(network: FusedMLSTMFCN, runner: FusedEpoch, data: FusedData, config: TrainConfig,
                  generators: list[torch.Generator], rules: DeviceRules, readback_every: int) -> FusedResult:
    k, n, device = network.k, runner.n, rules.lr.device
    histories = [new_history(data.val_idx is not None, runner.objective.counts_accuracy) for _ in range(k)]
    result = FusedResult(results=[TrainResult(history=h) for h in histories])
    best = network.member_state()
    block = FusedBlock(runner, data, config, rules, best, min(readback_every, config.epochs))
    replay = block.run
    if config.cuda_graph and device.type == "cuda":
        from .cuda_graph import GraphedBlock  # CUDA only

        try:
            replay = GraphedBlock(block).replay
            result.used_cuda_graph = True
        except RuntimeError as exc:
            warn(f"CUDA graph capture failed ({exc}); training without it.", RuntimeWarning)
    start_time = time.perf_counter()
    last_time = 0.0
    try:
        while not bool(rules.stopped.all()):
            # The permutations come from the members' generators, outside the block (capture-safe).
            for e in range(block.epochs):
                block.perms[e].copy_(_member_perms(generators, n, device))
            replay()
            last_time = _read_back(block, histories, start_time, last_time)
    except KeyboardInterrupt:
        for r in result.results:
            r.interrupted = True
        warn("Fused training interrupted; keeping each member's best weights so far.", RuntimeWarning)
    for r, epoch in zip(result.results, rules.best_epoch.tolist()):
        r.best_epoch = int(epoch)
    result.members = network.to_members(best)
    return result


def _read_back(block: FusedBlock, histories: list[dict], start_time: float, last_time: float) -> float:
    """Append the block's counted epochs to the histories; return the time at the block's end.

    Epoch times inside a block are not observed; they are spread evenly over it.
    """
    rows = {name: t.tolist() for name, t in block.rows.items()}
    active = block.active.tolist()
    now = time.perf_counter() - start_time
    for e in range(block.epochs):
        at = last_time + (now - last_time) * (e + 1) / block.epochs
        for j, history in enumerate(histories):
            if not active[e][j]:
                continue
            history["epoch"].append(len(history["epoch"]) + 1)
            for name, values in rows.items():
                if name in history:  # no accuracy columns for an objective that counts none
                    history[name].append(values[e][j])
            history["time"].append(at)
    return now


__all__ = ["FusedBlock", "FusedData", "FusedEpoch", "FusedResult", "MAX_STEPS_PER_BLOCK", "MemberAdam", "READBACK_EVERY",
           "fused_evaluate", "member_losses", "train_fused"]
