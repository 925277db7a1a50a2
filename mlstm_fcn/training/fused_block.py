"""Blocks of fused epochs with the decisions on the device: one CUDA-graph replay and one read-back each.

:func:`train_device` is :func:`mlstm_fcn.training.fused.train_fused`'s
``rules="device"``: the best-weight selection, the plateau schedule and the
stop rules run as tensor operations
(:class:`~mlstm_fcn.training.device_rules.DeviceRules`) for a block of
epochs, which on CUDA is captured once
(:class:`~mlstm_fcn.training.cuda_graph.GraphedBlock`) and replayed; the
history is read back after each block into the records the host loop keeps
(:mod:`~mlstm_fcn.training.bookkeeping`).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..nn.fused import FusedMLSTMFCN
from .bookkeeping import Recorder, TrainResult
from .device_rules import DeviceRules
from .fused_epoch import FusedData, FusedEpoch, fused_evaluate, keep_best, member_perms
from .protocol import TrainConfig
from .state import LoopState, new_history


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
            active, improved = self.rules.update(monitored, accuracy, loss)
            self.active[e].copy_(active)
            keep_best(self.best, runner.network.member_state(), improved)


def train_device(network: FusedMLSTMFCN, runner: FusedEpoch, data: FusedData, config: TrainConfig,
                 generators: list[torch.Generator], rules: DeviceRules,
                 readback_every: int) -> tuple[list[TrainResult], dict[str, Tensor], bool]:
    """Train the members with the decisions on the device, ``readback_every`` epochs per block.

    Returns each member's result, the stacked best weights and whether a CUDA graph ran the blocks.
    """
    k, n, device = network.k, runner.n, rules.lr.device
    recorders = [Recorder(config, LoopState(history=new_history(data.val_idx is not None,
                                                                runner.objective.counts_accuracy)))
                 for _ in range(k)]
    best = network.member_state()
    block = FusedBlock(runner, data, config, rules, best, min(readback_every, config.epochs))
    replay, graphed = block.run, False
    if config.cuda_graph and device.type == "cuda":
        from .cuda_graph import GraphedBlock, try_capture  # CUDA only

        captured = try_capture(lambda: GraphedBlock(block))
        if captured is not None:
            replay, graphed = captured.replay, True
    for recorder in recorders:
        recorder.start_clock()
    last_time = 0.0
    try:
        while not bool(rules.stopped.all()):
            # The permutations come from the members' generators, outside the block (capture-safe).
            for e in range(block.epochs):
                block.perms[e].copy_(member_perms(generators, n, device))
            replay()
            last_time = _read_back(block, recorders, last_time)
        for recorder in recorders:  # why each stopped: the host rules read its history (they decide alike)
            recorder.end()
    except KeyboardInterrupt:
        Recorder.interrupted(recorders)
    for recorder, epoch in zip(recorders, rules.best_epoch.tolist()):
        recorder.result.best_epoch = int(epoch)  # the epoch whose weights the device kept
    return [r.result for r in recorders], best, graphed


def _read_back(block: FusedBlock, recorders: list[Recorder], last_time: float) -> float:
    """Record the block's counted epochs of every member; return the time at the block's end.

    Epoch times inside a block are not observed; they are spread evenly over it.
    """
    rows = {name: t.tolist() for name, t in block.rows.items()}
    active = block.active.tolist()
    now = recorders[0].elapsed()
    for e in range(block.epochs):
        at = last_time + (now - last_time) * (e + 1) / block.epochs
        for j, recorder in enumerate(recorders):
            if active[e][j]:
                recorder.record(time=at, **{name: values[e][j] for name, values in rows.items()})
    return now


__all__ = ["FusedBlock", "train_device"]
