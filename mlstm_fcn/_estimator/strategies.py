"""The strategies that train a fit's networks from its plan: one after the other, or all fused in one module.

Each takes :class:`~mlstm_fcn._estimator.plan.RunPlan` objects and returns, per
network, a :class:`Trained`: the network with its best weights and BatchNorm
statistics, its :class:`~mlstm_fcn.training.TrainResult` and the series it
trained on. A network trains the same under every strategy (the equivalence
tests: fused = sequential, data-parallel = one process).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from torch import nn

from .._warnings import warn
from ..training import SeriesOnDevice, TrainResult, train
from ..training.data_parallel import train_data_parallel
from ..training.fused_members import train_members_fused
from .plan import NetworkRun, RunPlan


@dataclass
class Trained:
    """One trained network of a fit."""

    network: nn.Module
    result: TrainResult
    #: The series it trained on (its validation part held out).
    train_idx: np.ndarray


def train_network(plan: RunPlan, run: NetworkRun) -> Trained:
    """Train one network of ``plan`` alone (data-parallel when the plan says so)."""
    member = plan.set_up(run.seed)
    network = member.network
    kept_run = None if run.start is None else run.start.get("run")
    if run.start is not None and kept_run is None:  # a model without kept runs: its weights only
        network.load_state_dict(run.start["weights"])
    # Loss weights: class weights from the series this network trains on, not the part held out.
    train_data = plan.series(member.train_idx, member.train_idx)
    val_data = None if member.val_idx is None else plan.series(member.val_idx, member.train_idx)
    fit = train_data_parallel if plan.data_parallel else train
    result = fit(network, train_data, plan.config(run.done), member.generator, val_data=val_data,
                 objective=plan.objective, start=kept_run, keep_run=plan.keep_run, label=run.label,
                 handlers=plan.handlers(run.checkpointer))
    if plan.partial and result.run is not None:
        # partial_fit returns the latest weights: the best epoch of chunks seen apart means nothing.
        network.load_state_dict(result.run["network"])
    plan.finish_network(network, train_data)
    return Trained(network, result, member.train_idx)


def run_sequential(plan: RunPlan) -> list[Trained]:
    """Train the plan's networks one after the other.

    An interrupted ensemble keeps the networks that finished (a part-trained
    one would weigh as much as they do in the average), with a warning.
    """
    trained: list[Trained] = []
    for run in plan.networks:
        one = train_network(plan, run)
        if one.result.interrupted and trained:
            warn(f"Ensemble training interrupted: keeping the {len(trained)} of {len(plan.networks)} "
                 "networks that finished training.", RuntimeWarning)
            break
        trained.append(one)
        if one.result.interrupted:
            break
    return trained


def run_fused(plans: list[RunPlan]) -> list[list[Trained]]:
    """Train every network of every plan as one fused module; per plan, its trained networks.

    Each network is set up as its own fit sets it up and weighs each series as
    its own fit does; the plans must agree on the series' shape, the networks'
    outputs and the device.

    Raises
    ------
    ValueError
        Plans of different series shapes, outputs or devices.
    """
    shapes = {(p.X.shape[1:], p.n_outputs, str(p.device)) for p in plans}
    if len(shapes) != 1:
        raise ValueError(f"fit_many needs one series shape, number of classes (outputs) and device, got "
                         f"{sorted(shapes)}")
    n_all = sum(p.X.shape[0] for p in plans)
    members, offsets, weights, owners = [], [], [], []
    offset = 0
    for g, plan in enumerate(plans):
        n = plan.X.shape[0]
        for run in plan.networks:
            member = plan.set_up(run.seed)
            # Every series of its fit, weighed as that fit weighs it (class weights of its training rows).
            w = np.zeros(n_all, dtype=np.float32)
            w[offset:offset + n] = plan.series_weights(np.arange(n), member.train_idx)
            members.append(member)
            offsets.append(offset)
            weights.append(w)
            owners.append(g)
        offset += n
    t = plans[0].X.shape[-1]
    lengths = None
    if any(p.lengths is not None for p in plans):
        lengths = np.concatenate([p.lengths if p.lengths is not None else np.full(p.X.shape[0], t, dtype=np.int64)
                                  for p in plans])
    series = SeriesOnDevice.from_numpy(np.concatenate([p.X for p in plans]), np.concatenate([p.targets for p in plans]),
                                       lengths, plans[0].device)
    fused = train_members_fused(members, offsets, series, np.stack(weights), plans[0].config(0), plans[0].objective)
    out: list[list[Trained]] = [[] for _ in plans]
    for network, result, member, g in zip(fused.members, fused.results, members, owners):
        plan = plans[g]
        plan.finish_network(network, plan.series(member.train_idx, member.train_idx))
        out[g].append(Trained(network, result, member.train_idx))
    return out


__all__ = ["Trained", "run_fused", "run_sequential", "train_network"]
