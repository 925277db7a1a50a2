"""Planning a fit's runs: the prepared data, where each network starts, and its checkpointer.

A mixin of :class:`~mlstm_fcn._base.MLSTMFCNBase`. A fresh fit starts every
network anew; a continued one (``warm_start``, ``partial_fit``) starts each
from its kept run, or from its weights when the model keeps no run; with
``checkpoint_dir`` each network gets a checkpointer named for what
determines its run, so that a killed fit resumes where it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ._runtime import member_seeds, seed_from
from ._warnings import warn
from .nn import MLSTMFCNEnsemble
from .training import Checkpointer, run_id


@dataclass
class Prepared:
    """A fit's data as the networks train on it, and the plan of their runs (see ``MLSTMFCNBase._prepare``)."""

    X: np.ndarray
    lengths: np.ndarray | None
    #: Class indices, or standardised regression targets.
    targets: np.ndarray
    sample_weight: np.ndarray | None
    partial: bool
    #: Whether training continues a fitted model (warm_start, partial_fit).
    continuing: bool
    #: Per network, the run it continues (None: a fresh one).
    starts: list
    seeds: list
    checkpointers: list


class RunPlanMixin:
    """Where each network of a fit starts, and its checkpointer (see the module)."""

    def _starts(self, continuing: bool) -> list[dict | None]:
        """Per network, the run to continue (``{"seed", "run"}``), or None each for a fresh fit.

        A fitted model without kept runs (fitted with ``warm_start=False``, or
        loaded from a file) continues from its weights with a new optimizer.
        """
        if not continuing:
            return [None] * self.n_estimators
        runs = getattr(self, "_runs", None)
        members = self.network_.members if isinstance(self.network_, MLSTMFCNEnsemble) else [self.network_]
        if runs is not None and len(runs) == len(members):
            return runs
        warn("Continuing from the fitted weights with a new optimizer and schedule: this model keeps no "
             "optimizer state (it was fitted with warm_start=False, loaded from a file, or interrupted).",
             UserWarning)
        seeds = member_seeds(seed_from(self.random_state), len(members))
        return [{"seed": s, "weights": {k: v.detach().clone() for k, v in m.state_dict().items()}}
                for s, m in zip(seeds, members)]

    def _checkpointers(self, arrays: list, starts: list[dict | None] | None
                       ) -> tuple[list[Checkpointer | None], int]:
        """One checkpointer per network (or None each without ``checkpoint_dir``), and the run's seed.

        A killed ensemble fit resumes at the network it was on; a resumed run keeps its
        original seed (validation split, random streams), read from its checkpoint. A
        continued fit (``warm_start``) is another run: its identifier names what it continues.
        """
        k = self.n_estimators if starts is None else len(starts)
        if self.checkpoint_dir is None:
            return [None] * k, seed_from(self.random_state)
        params = self.get_params(deep=False)
        if params["min_epochs"] is not None and params["min_epochs"] >= params["epochs"]:
            params["min_epochs"] = None  # it never acts: the run of versions before it, under its name
        if params["validation_split"] is not None:
            # Since class weights come from the training part, such runs differ from earlier
            # versions' runs of the same parameters: other names, so old checkpoints are not resumed.
            params["class_weights_of"] = "the training part"
        if starts is not None:
            params["continues"] = _digest_of_starts(starts)
        run = run_id(params, self.device_, arrays)
        runs = [run] if k == 1 else [f"{run}-{i}" for i in range(k)]
        checkpointers = [Checkpointer(self.checkpoint_dir, r, self.checkpoint_every) for r in runs]
        saved = checkpointers[0].read()
        for ckpt in checkpointers[1:]:
            ckpt.read()
        seed = int(saved["seed"]) if saved is not None else seed_from(self.random_state)
        for ckpt, start in zip(checkpointers, starts or [None] * k):
            ckpt.seed = seed if start is None else start["seed"]
        return checkpointers, seed


def _digest_of_starts(starts: list[dict]) -> str:
    """A short hash of where a continued fit starts: its networks' last weights."""
    h = hashlib.sha256()
    for start in starts:
        weights = start["run"]["network"] if start.get("run") is not None else start["weights"]
        for name, tensor in weights.items():
            h.update(name.encode())
            h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


__all__ = ["Prepared", "RunPlanMixin"]
