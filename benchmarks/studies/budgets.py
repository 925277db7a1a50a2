"""Training budgets compared by the time-to-accuracy benchmark and the CV selection.

A budget says when a fit of the paper protocol stops: after a fixed number
of epochs, after a number of optimizer steps (so that it scales with the
size of the data), or once the training loss stops falling. All of them
are read off one long run: the schedule, the batch order and the kept
weights up to epoch ``e`` do not depend on how many epochs follow, so the
weights a budget keeps are the run's best weights as they stood at its
stopping epoch. :class:`Snapshots` is the training callback that keeps a
copy of them for every budget; each copy then gets its BatchNorm statistics
recomputed (or not) and is scored as if it had been fitted on its own.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass

#: The longest budget: the run every budget is read from.
MAX_EPOCHS = 500
#: Fixed epoch counts.
EPOCHS = (50, 100, 200, 500)
#: Optimizer steps, turned into epochs per dataset and clipped to [MIN_EPOCHS, MAX_EPOCHS].
STEPS = (500, 2000)
MIN_EPOCHS = 50
#: Stop rules on the training-mode history: (patience P, relative improvement of the best
#: loss that P epochs must bring); and P epochs in a row at training accuracy 1.
PLATEAUS = ((20, 0.1), (50, 0.1), (50, 0.01))
FITTED = (20,)


def n_batches(n: int, batch_size: int) -> int:
    """Optimizer steps per epoch (a last batch of one joins the one before, as in training)."""
    k = math.ceil(n / batch_size)
    return k - 1 if k > 1 and n % batch_size == 1 else k


@dataclass(frozen=True)
class Budget:
    """One way to decide the training length."""

    name: str
    kind: str  # "epochs", "steps", "plateau" or "fitted"
    value: int
    delta: float = 0.0

    def fixed_epochs(self, n_train: int, batch_size: int, max_epochs: int = MAX_EPOCHS) -> int | None:
        """The stopping epoch known before training, or None for a stop rule."""
        if self.kind == "epochs":
            return self.value
        if self.kind == "steps":
            return min(max_epochs, max(MIN_EPOCHS, math.ceil(self.value / n_batches(n_train, batch_size))))
        return None

    def stops(self, history: dict) -> bool:
        """For a stop rule: whether training stops after the epochs of ``history``."""
        p = self.value
        if self.kind == "fitted":
            from mlstm_fcn.training.bookkeeping import fitted_for  # the estimator's stop_when_fitted rule

            return fitted_for(history["accuracy"], p)
        losses = history["loss"]
        if self.kind != "plateau" or len(losses) <= p:
            return False
        before, recent = min(losses[:-p]), min(losses[-p:])
        return recent > before * (1.0 - self.delta)


BUDGETS: dict[str, Budget] = {
    **{f"e{e}": Budget(f"e{e}", "epochs", e) for e in EPOCHS},
    **{f"s{s}": Budget(f"s{s}", "steps", s) for s in STEPS},
    **{f"plateau{p}d{d:g}": Budget(f"plateau{p}d{d:g}", "plateau", p, d) for p, d in PLATEAUS},
    **{f"fitted{p}": Budget(f"fitted{p}", "fitted", p) for p in FITTED},
}


#: Budgets made of two others: a stop rule with an epoch cap, ``(rule, cap)``. A run stops at the
#: rule's epoch when that comes before the cap, else at the cap, so its figures are the rule's row
#: or the cap's row of the same run; no further training is needed to score them.
CAPPED = {f"fitted20max{e}": ("fitted20", f"e{e}") for e in (100, 200)}


def with_capped(rows: list[dict], run_keys: tuple[str, ...]) -> list[dict]:
    """``rows`` plus the rows of every :data:`CAPPED` budget, one per run and statistics.

    ``run_keys`` name a run (``("dataset", "seed")``, or with ``"fold"`` for the CV).
    """
    index = {(tuple(r[k] for k in run_keys), r["statistics"], r["budget"]): r for r in rows}
    out = list(rows)
    for name, (rule, cap) in CAPPED.items():
        cap_epochs = BUDGETS[cap].value
        for (run, stats, budget), r in index.items():
            if budget != rule or (run, stats, cap) not in index:
                continue
            pick = r if int(r["stop_epoch"]) <= cap_epochs else index[(run, stats, cap)]
            out.append({**pick, "budget": name})
    return out


def longest(name: str) -> int:
    """The most epochs budget ``name`` can train (its worst case)."""
    if name in CAPPED:
        return BUDGETS[CAPPED[name][1]].value
    b = BUDGETS[name]
    return b.value if b.kind == "epochs" else MAX_EPOCHS


def budget_names() -> list[str]:
    """Every budget, measured or capped, in report order."""
    return list(BUDGETS) + list(CAPPED)


class Snapshots:
    """Training callback: a copy of the kept weights at each budget's stopping epoch.

    Parameters
    ----------
    budgets : list of Budget
    n_train, batch_size : int
        Training-set size and batch size (steps budgets depend on them).
    max_epochs : int
        Length of the run; fixed budgets longer than that are left out, and
        stop rules that never fire stop there.

    Attributes
    ----------
    taken : dict of str to (int, int, dict)
        Budget name -> (stopping epoch, best epoch then, copy of the kept state).
    """

    def __init__(self, budgets: list[Budget], n_train: int, batch_size: int,
                 max_epochs: int = MAX_EPOCHS) -> None:
        self.max_epochs = max_epochs
        self.at = {b.name: b.fixed_epochs(n_train, batch_size, max_epochs) for b in budgets}
        self.budgets = [b for b in budgets if self.at[b.name] is None or self.at[b.name] <= max_epochs]
        self.taken: dict[str, tuple[int, int, dict]] = {}

    def __call__(self, info) -> None:
        for b in self.budgets:
            if b.name in self.taken:
                continue
            fixed = self.at[b.name]
            if (fixed is not None and info.epoch == fixed) or (fixed is None and b.stops(info.history)) \
                    or info.epoch == self.max_epochs:
                state = {k: v.detach().clone() for k, v in info.best_state.items()}
                self.taken[b.name] = (info.epoch, info.best_epoch, state)


def score_snapshots(clf, snapshots: Snapshots, X_fit, y_fit, X_eval, y_eval) -> list[dict]:
    """Every budget's model, with running and with recomputed statistics, scored on ``X_eval``.

    ``clf`` was fitted on ``X_fit`` with ``bn_statistics="running"`` and
    ``snapshots`` among its callbacks. A budget's training time is the run's
    time at its stopping epoch; recomputing the statistics adds
    ``recompute_seconds``.
    """
    history = clf.history_
    clf.set_params(callbacks=None)  # the copies below need not carry the snapshots along
    rows = []
    for name, (stop, best, state) in snapshots.taken.items():
        twin = copy.deepcopy(clf)
        twin.network_.load_state_dict(state)
        base = {"budget": name, "stop_epoch": stop, "best_epoch": best,
                "train_seconds": f"{history['time'][stop - 1]:.2f}"}
        rows.append({**base, "statistics": "running", "accuracy": f"{twin.score(X_eval, y_eval):.4f}",
                     "train_accuracy": f"{twin.score(X_fit, y_fit):.4f}", "recompute_seconds": "0"})
        t0 = time.perf_counter()
        twin.recompute_bn_statistics(X_fit)
        seconds = time.perf_counter() - t0
        rows.append({**base, "statistics": "recomputed", "accuracy": f"{twin.score(X_eval, y_eval):.4f}",
                     "train_accuracy": f"{twin.score(X_fit, y_fit):.4f}",
                     "recompute_seconds": f"{seconds:.2f}"})
    return rows


def fit_with_snapshots(params: dict, X, y, names: list[str], max_epochs: int = MAX_EPOCHS):
    """Fit the ``max_epochs`` run of ``params`` (running statistics) with a :class:`Snapshots` callback."""
    from mlstm_fcn import MLSTMFCNClassifier

    snapshots = Snapshots([BUDGETS[b] for b in names], len(y), params.get("batch_size", 128), max_epochs)
    clf = MLSTMFCNClassifier(**{**params, "epochs": max_epochs, "bn_statistics": "running",
                                "callbacks": [snapshots]})
    clf.fit(X, y)
    return clf, snapshots
