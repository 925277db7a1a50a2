"""A fit's plan: the checked data, and per network the run it trains.

Built once by the estimator (``MLSTMFCNBase._plan``) from its parameters and
the checked data; the strategies (:mod:`mlstm_fcn._estimator.strategies`) read
nothing else. Where each network starts, its seed and its checkpointer are
decided here, in one place:

- a fresh fit starts every network anew, from the seeds of ``random_state``
  (:func:`~mlstm_fcn._runtime.seeds.member_seeds`), or from the seed a checkpoint of
  the same run kept;
- a continued fit (``warm_start``, ``partial_fit``) continues each network's
  kept run with its seed, or, for a model without kept runs (loaded from a
  file, or fitted with ``warm_start=False``), its weights with a new
  optimizer;
- with ``checkpoint_dir`` each network gets a checkpointer named for what
  determines its run, so that a killed fit resumes where it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .._runtime.batch_halving import BatchSizer
from .._runtime.seeds import member_seeds, seed_from
from .._warnings import warn
from ..nn import MLSTMFCNEnsemble
from ..training import Checkpointer, TrainConfig, run_id
from ..training.data import TrainingSeries
from ..training.member_setup import MemberSetUp
from ..training.objective import Objective


@dataclass
class NetworkRun:
    """One network of a fit: its seed, where it starts, its checkpointer and its progress label."""

    seed: int
    #: The run it continues (``{"seed", "run"}``), the weights it starts from (``{"seed", "weights"}``),
    #: or None for a fresh network.
    start: dict | None = None
    checkpointer: Checkpointer | None = None
    label: str = "fit"

    @property
    def done(self) -> int:
        """Epochs its run had done before this fit (0 for a fresh network or one started from weights)."""
        run = None if self.start is None else self.start.get("run")
        return 0 if run is None else int(run["epoch"])


@dataclass
class RunPlan:
    """Everything the strategies need to train a fit's networks, and nothing of the estimator.

    Attributes
    ----------
    X, lengths, targets, sample_weight
        The checked, scaled training data (targets encoded for training).
    partial : bool
        A ``partial_fit`` call: one epoch, the latest weights kept.
    continuing : bool
        Training continues a fitted model.
    networks : list of NetworkRun
    device : torch.device
    objective : Objective
    set_up : callable
        ``set_up(seed) -> MemberSetUp``: a network's validation split, initial weights and batch-order
        generator, drawn in the order a fit alone and a fused fit share.
    series : callable
        ``series(idx, weight_idx) -> TrainingSeries``: the series at ``idx`` on the fit's device
        (resident or streamed), with loss weights whose class weights come from ``weight_idx``.
    series_weights : callable
        ``series_weights(idx, weight_idx) -> ndarray``: those loss weights alone (what a fused run needs).
    config : callable
        ``config(done) -> TrainConfig``: the protocol of a network whose run had done ``done`` epochs.
    handlers : callable
        ``handlers(checkpointer) -> list``: a network's epoch handlers (callbacks, checkpoints, progress).
    finish_network : callable
        ``finish_network(network, train_data)``: what follows a network's training (BatchNorm statistics).
    keep_run : bool
        Keep each network's run (optimizer, schedule, random streams) to continue it later.
    data_parallel : bool
        Train each network data-parallel over the initialised process group.
    fused : bool
        This fit's networks train fused (the ``fused`` parameter and what it allows).
    n_outputs : int
        Outputs of each network (classes, or regression targets).
    post_sizer : BatchSizer
        Batch sizes of the passes after training (statistics, final figures), halved on GPU
        out-of-memory once for all of them.
    """

    X: np.ndarray
    lengths: np.ndarray | None
    targets: np.ndarray
    sample_weight: np.ndarray | None
    partial: bool
    continuing: bool
    networks: list[NetworkRun]
    device: torch.device
    objective: Objective
    set_up: Callable[[int], MemberSetUp]
    series: Callable[[np.ndarray, np.ndarray], TrainingSeries]
    series_weights: Callable[[np.ndarray, np.ndarray], np.ndarray]
    config: Callable[[int], TrainConfig]
    handlers: Callable[[Checkpointer | None], list]
    finish_network: Callable[[nn.Module, TrainingSeries], None]
    keep_run: bool = False
    data_parallel: bool = False
    fused: bool = False
    n_outputs: int = 0
    post_sizer: BatchSizer | None = None


def kept_starts(network_, runs: list | None, n_estimators: int, continuing: bool) -> list[dict | None]:
    """Per network, the run or weights it continues from (None each for a fresh fit).

    A fitted model without kept runs (fitted with ``warm_start=False``, or
    loaded from a file) continues from its weights with a new optimizer.
    """
    if not continuing:
        return [None] * n_estimators
    members = network_.members if isinstance(network_, MLSTMFCNEnsemble) else [network_]
    if runs is not None and len(runs) == len(members):
        return runs
    warn("Continuing from the fitted weights with a new optimizer and schedule: this model keeps no "
         "optimizer state (it was fitted with warm_start=False, loaded from a file, or interrupted).",
         UserWarning)
    return [{"weights": {k: v.detach().clone() for k, v in m.state_dict().items()}} for m in members]


def network_runs(starts: list[dict | None], random_state, checkpointers: list[Checkpointer | None],
                 saved_seed: int | None) -> list[NetworkRun]:
    """The networks of a fit, each with its seed: the one place a network's seed is decided.

    A continued run keeps its own seed. Otherwise the seeds derive from one seed
    (:func:`~mlstm_fcn._runtime.seeds.member_seeds`): the one a checkpoint of the same run
    kept (``saved_seed``: a resumed fit draws what the killed one drew), else
    ``random_state``'s. Each checkpointer is told the seed its checkpoints keep.
    """
    kept = [None if s is None else s.get("seed") for s in starts]
    base = None
    if all(s is not None for s in kept):
        seeds = kept
    else:
        base = saved_seed if saved_seed is not None else seed_from(random_state)
        seeds = member_seeds(base, len(starts))
    for ckpt, own in zip(checkpointers, kept):
        if ckpt is not None:
            ckpt.seed = own if own is not None else base
    k = len(starts)
    return [NetworkRun(seed, start, ckpt, "fit" if k == 1 else f"fit {i + 1}/{k}")
            for i, (seed, start, ckpt) in enumerate(zip(seeds, starts, checkpointers))]


def checkpointers(directory, every: int, params: dict, device: torch.device, arrays: list,
                  starts: list[dict | None], continuing: bool) -> tuple[list[Checkpointer | None], int | None]:
    """One checkpointer per network (None each without a ``directory``), each read from disk, and the seed
    the first one's checkpoint kept (None: no checkpoint yet).

    A killed ensemble fit resumes at the network it was on. A continued fit
    (``warm_start``) is another run: its identifier names what it continues.
    """
    k = len(starts)
    if directory is None:
        return [None] * k, None
    if continuing:
        params["continues"] = _digest_of_starts(starts)
    run = run_id(params, device, arrays)
    runs = [run] if k == 1 else [f"{run}-{i}" for i in range(k)]
    found = [Checkpointer(directory, r, every) for r in runs]
    saved = [ckpt.read() for ckpt in found]
    return found, None if saved[0] is None else int(saved[0]["seed"])


def _digest_of_starts(starts: list[dict]) -> str:
    """A short hash of where a continued fit starts: its networks' last weights."""
    h = hashlib.sha256()
    for start in starts:
        weights = start["run"]["network"] if start.get("run") is not None else start["weights"]
        for name, tensor in weights.items():
            h.update(name.encode())
            h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


__all__ = ["NetworkRun", "RunPlan", "checkpointers", "kept_starts", "network_runs"]
