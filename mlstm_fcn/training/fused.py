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
- *optimizer*: :class:`~mlstm_fcn.training.member_adam.MemberAdam`, Adam with one learning rate per member
  (torch's Adam takes one rate per parameter tensor, and stacked tensors
  hold every member);
- *decisions*: best epoch, plateau schedule, early stopping and the fitted
  rule per member, either on the host after every epoch with the loop's own
  rules (:mod:`~mlstm_fcn.training.bookkeeping`, a
  :func:`~mlstm_fcn.training.protocol.make_schedule` per member), or on the
  device (:class:`~mlstm_fcn.training.device_rules.DeviceRules`) for
  ``readback_every`` epochs at a time, which on CUDA run as one CUDA-graph
  replay (:mod:`~mlstm_fcn.training.fused_block`).

A member that stops keeps its best weights and history; it goes on being
computed (the fused batch has a fixed shape) until all stop, but nothing of
it is recorded any more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from ..nn.fused import FusedMLSTMFCN
from ..nn.network import MLSTMFCN
from .bookkeeping import Recorder, TrainResult, monitored
from .device_rules import DeviceRules
from .fused_block import FusedBlock, train_device
from .fused_epoch import FusedData, FusedEpoch, fused_evaluate, keep_best, member_losses, member_perms
from .member_adam import MemberAdam
from .objective import Classification, Objective
from .protocol import TrainConfig, make_schedule
from .state import LoopState, new_history

#: Most epochs per device-side block (one CUDA-graph replay, one history read-back).
READBACK_EVERY = 25
#: Most optimizer steps captured in one block: a graph of thousands of steps takes long to
#: capture and instantiate, and small data sets (a few batches per epoch) are the ones that gain.
MAX_STEPS_PER_BLOCK = 256


@dataclass
class FusedResult:
    """What :func:`train_fused` returns: per member a :class:`TrainResult` and the trained network."""

    results: list[TrainResult] = field(default_factory=list)
    members: list[MLSTMFCN] = field(default_factory=list)
    used_cuda_graph: bool = False


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
    if rules == "device" and config.augment is not None:
        # The device rules draw a block's permutations before its epochs; augmented batches draw from
        # the same generators between them, in the order of the single-network loop.
        raise ValueError("augmented fused training runs with rules='host'")
    if rules not in ("host", "device"):
        raise ValueError(f"rules must be 'host' or 'device', got {rules!r}")
    if config.average_last is not None:
        # Members stop at different epochs: each one's window of last epochs would need its own ring.
        raise ValueError("weight averaging (average_last) trains networks one at a time, not fused")
    if len(generators) != network.k or data.train_idx.shape[0] != network.k:
        raise ValueError("one generator and one row of train_idx per member")
    device = data.train_idx.device
    k = network.k
    rule_state = DeviceRules(k, config, device, objective.counts_accuracy)
    optimizer = MemberAdam(network, rule_state.lr, config)
    runner = FusedEpoch(network, optimizer, data, config.batch_size, config.autocast_dtype, objective,
                        augment=config.augment, generators=generators)
    network.train()
    if readback_every is None:
        readback_every = max(1, min(READBACK_EVERY, MAX_STEPS_PER_BLOCK // len(runner.slices)))
    used_cuda_graph = False
    if rules == "host":
        results, best = _train_host(network, runner, data, config, generators, rule_state.lr)
    else:
        results, best, used_cuda_graph = train_device(network, runner, data, config, generators, rule_state,
                                                      readback_every)
    for result in results:  # each member's result says how it trained, as a single network's does
        result.used_cuda_graph = used_cuda_graph
    return FusedResult(results, network.to_members(best), used_cuda_graph)


def _train_host(network: FusedMLSTMFCN, runner: FusedEpoch, data: FusedData, config: TrainConfig,
                generators: list[torch.Generator], lr: Tensor) -> tuple[list[TrainResult], dict[str, Tensor]]:
    # The members' results and stacked best weights, the decisions taken after every epoch by the loop's rules.
    k, n, device = network.k, runner.n, lr.device
    objective = runner.objective
    recorders = [Recorder(config, LoopState(history=new_history(data.val_idx is not None, objective.counts_accuracy)))
                 for _ in range(k)]
    # One plateau schedule per member, each over a holder of that member's rate: the loop's own schedule.
    holders = [torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=config.learning_rate) for _ in range(k)]
    schedules = [make_schedule(h, config) for h in holders]
    best = network.member_state()
    going = [True] * k
    for recorder in recorders:
        recorder.start_clock()
    try:
        for _ in range(config.epochs):
            rates = [float(h.param_groups[0]["lr"]) for h in holders]
            runner.body(member_perms(generators, n, device))
            loss_v, correct_v = torch.stack([runner.loss_sum, runner.correct]).tolist()
            elapsed = recorders[0].elapsed()
            val_loss = val_acc = [None] * k
            if data.val_idx is not None:
                val_loss, val_acc = (t.tolist() for t in fused_evaluate(network, data, config.batch_size,
                                                                        config.autocast_dtype, objective))
            improved = torch.zeros(k, dtype=torch.bool)
            for j, recorder in enumerate(recorders):
                if not going[j]:
                    continue
                record, improved[j] = recorder.record(loss=loss_v[j] / n, accuracy=correct_v[j] / n,
                                                      learning_rate=rates[j], time=elapsed, val_loss=val_loss[j],
                                                      val_accuracy=val_acc[j])
                schedules[j].step(monitored(record))
                going[j] = not recorder.stop()
            if bool(improved.any()):
                keep_best(best, network.member_state(), improved.to(device))
            lr.copy_(torch.tensor([float(h.param_groups[0]["lr"]) for h in holders]))
            if not any(going):
                break
        for recorder in recorders:
            recorder.end()
    except KeyboardInterrupt:
        Recorder.interrupted(recorders)
    return [r.result for r in recorders], best


__all__ = ["FusedBlock", "FusedData", "FusedEpoch", "FusedResult", "MAX_STEPS_PER_BLOCK", "MemberAdam", "READBACK_EVERY",
           "fused_evaluate", "member_losses", "train_fused"]
