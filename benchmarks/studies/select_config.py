"""Choose a configuration by cross-validation on the TRAIN splits only.

For each dataset, configuration, fold and seed: fit on the other folds of
the dataset's TRAIN split, score on the held-out fold. The TEST split is
never read (the loader is only ever asked for ``split="train"``), so the
choice of defaults cannot leak test information.

With ``--budgets`` it compares training budgets instead of configurations
(fixed epochs, optimizer steps, stop rules; see ``budgets.py``): one run of
the paper protocol per dataset, fold and seed, every budget read off it and
scored on the held-out fold with running and with recomputed BatchNorm
statistics; rows go to ``budgets-cv.csv`` and the ranking to ``budgets-cv.md``. Rows go to ``cv.csv``
(resumable: finished rows are skipped on rerun), held-out probabilities to
``cv-proba/`` (not committed), and ``selection.md`` ranks the configurations by their mean
CV accuracy over the datasets. With several seeds the report also gives the
CV accuracy of the seed ensemble (probabilities averaged over seeds, fold
by fold), which estimates what ``n_estimators`` = number of seeds would give
without training it again; its counts are kept in ``seed-ensembles.csv``
(``seed_ensembles.py``), so that the report regenerates without the probabilities.

With ``--fused on`` (``auto``: on CUDA) the folds and seeds of a configuration
train as one fused run (``MLSTMFCNClassifier.fit_many``; folds of equal size
together), each network as its own fit would train it; ``fit_seconds`` is
then the group's time divided by its size.

    python -m benchmarks.studies.select_config --archive ../shared/uea \\
        --datasets BasicMotions ERing --configs paper scaling_instance \\
        --folds 5 --seeds 0 1 2 --out-dir benchmarks/results/selection
    python -m benchmarks.studies.select_config --archive ../shared/uea --budgets \
        --datasets ERing Libras --folds 3 --seeds 0 --out-dir benchmarks/results/budgets
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

import numpy as np

from benchmarks import RESULTS
from benchmarks.cli import add_run_arguments, prepare_run
from benchmarks.report.results_io import appending, device_label, read_rows
from benchmarks.studies.budgets import (BUDGETS, MAX_EPOCHS, budget_names, fit_with_snapshots, longest,
                                        score_snapshots, with_capped)
from benchmarks.studies.configs import CONFIGS, resolve, row_params
from benchmarks.studies.seed_ensembles import PROBA_DIR, proba_path, record, seed_ensemble_accuracy

FIELDS = ["config", "dataset", "fold", "folds", "seed", "accuracy", "balanced_accuracy", "log_loss",
          "n_fit", "n_held_out", "fit_seconds", "epochs_run", "batch_size", "optimizer_steps", "load_average",
          "device", "torch", "mlstm_fcn", "params"]


def fold_indices(y: np.ndarray, folds: int, seed: int = 0) -> tuple[int, list[tuple[np.ndarray, np.ndarray]]]:
    """Stratified folds of the training labels ``y``: ``(folds used, [(fit_idx, held_idx), ...])``.

    The number of folds is lowered to the size of the smallest class (at
    least 2), so that every class can appear in every held-out fold.
    """
    from sklearn.model_selection import StratifiedKFold

    _, counts = np.unique(y, return_counts=True)
    k = max(2, min(folds, int(counts.min())))
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return k, list(splitter.split(np.zeros(len(y)), y))


def run(args) -> None:
    import torch
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, log_loss
    from tqdm.auto import tqdm

    import mlstm_fcn
    from mlstm_fcn import MLSTMFCNClassifier
    from benchmarks.pack_uea_npz import load_split

    csv_path = prepare_run(args, "cv.csv")
    out = csv_path.parent
    (out / PROBA_DIR).mkdir(parents=True, exist_ok=True)
    rows = read_rows(csv_path)
    done = {(r["config"], r["dataset"], r["fold"], r["seed"]) for r in rows}
    train = {d: load_split(d, "train", args.archive) for d in args.datasets}  # never "test"
    splits = {d: fold_indices(np.asarray(train[d][1]), args.folds) for d in args.datasets}
    # Rows are resumed by (config, dataset, fold, seed): they must come from the same folds and
    # parameters, or the report would mix runs that are not comparable.
    for r in rows:
        if r["config"] in args.configs and r["dataset"] in splits:
            params = _params(r["config"], args.epochs)
            if int(r["folds"]) != splits[r["dataset"]][0] or r["params"] != params_json(params):
                raise SystemExit(f"{csv_path} holds {r['config']}/{r['dataset']} rows run with other folds or "
                                 "parameters (--folds, --epochs or configs.py changed); use another --out-dir.")
    jobs = [(c, d, f, s) for d in args.datasets for c in args.configs for f in range(splits[d][0])
            for s in args.seeds if (c, d, str(f), str(s)) not in done]
    fused = args.fused == "on" or (args.fused == "auto" and _on_cuda(args.device))
    started = time.perf_counter()
    with appending(csv_path, FIELDS) as (writer, fh):
        groups = _fused_groups(jobs, splits, args.fuse_max) if fused else [[job] for job in jobs]
        bar = tqdm(total=len(jobs), desc="cross-validation", unit="fit")
        for group in groups:
            if args.time_budget and time.perf_counter() - started > args.time_budget:
                print(f"time budget of {args.time_budget} s spent; rerun to resume", flush=True)
                break
            config, dataset = group[0][:2]
            X, y = train[dataset]
            y = np.asarray(y)
            k, folds = splits[dataset]
            params = _params(config, args.epochs)
            if len(group) == 1 and args.reuse_same_fits and not _on_cuda(args.device):
                fold, seed = group[0][2:]
                # Read again: a process running another part of the study may have written the twin.
                twin = same_fit(read_rows(csv_path), config, dataset, fold, seed, len(folds[fold][0]), args.epochs)
                if twin is not None:
                    writer.writerow(reused_row(out, twin, config, params))
                    fh.flush()
                    bar.update(1)
                    continue
            # Rules of the training set (configs.RULES) resolved per fit; the row keeps the rule.
            estimators = [MLSTMFCNClassifier(**{**resolve(params, len(folds[f][0])), "random_state": s,
                                                "device": args.device})
                          for _, _, f, s in group]
            t0 = time.perf_counter()
            try:
                if len(group) == 1:
                    estimators[0].fit(_take(X, folds[group[0][2]][0]), y[folds[group[0][2]][0]])
                else:
                    # Folds and seeds of one configuration as one fused run (mlstm_fcn.nn.fused).
                    MLSTMFCNClassifier.fit_many(estimators, [_take(X, folds[f][0]) for _, _, f, _ in group],
                                                [y[folds[f][0]] for _, _, f, _ in group])
            except ValueError as exc:  # e.g. a validation split that a tiny fold cannot hold out
                print(f"{config}/{dataset}: cannot fit ({exc}); no rows for it", flush=True)
                bar.update(len(group))
                continue
            fit_seconds = (time.perf_counter() - t0) / len(group)
            for (_, _, fold, seed), clf in zip(group, estimators):
                fit_idx, held_idx = folds[fold]
                proba = clf.predict_proba(_take(X, held_idx))
                pred = clf.classes_[proba.argmax(axis=1)]
                np.savez_compressed(proba_path(out, config, dataset, fold, seed), proba=proba,
                                    classes=clf.classes_, y=y[held_idx], idx=held_idx)
                writer.writerow({
                    "config": config, "dataset": dataset, "fold": fold, "folds": k, "seed": seed,
                    "accuracy": f"{accuracy_score(y[held_idx], pred):.4f}",
                    "balanced_accuracy": f"{balanced_accuracy_score(y[held_idx], pred):.4f}",
                    "log_loss": _log_loss(log_loss, y[held_idx], proba, clf.classes_),
                    "n_fit": len(fit_idx), "n_held_out": len(held_idx), "fit_seconds": f"{fit_seconds:.1f}",
                    "epochs_run": clf.n_epochs_, "batch_size": clf.batch_size,
                    "optimizer_steps": _optimizer_steps(clf, len(fit_idx)),
                    # How loaded the machine was (fit times are comparable only at like loads).
                    "load_average": f"{os.getloadavg()[0]:.1f}",
                    "device": device_label(clf),
                    "torch": torch.__version__, "mlstm_fcn": mlstm_fcn.__version__,
                    "params": params_json(params)})
            fh.flush()
            bar.update(len(group))
        bar.close()


def same_fit(rows: list[dict], config: str, dataset: str, fold: int, seed: int, n_fit: int,
             epochs: int | None) -> dict | None:
    """A finished row of another configuration whose fit is this one's, or None.

    Rules (``configs.RULES``) resolve per training set, so two candidates can ask for the same fit
    (the ``n/10`` batch rule is batch 16 on PenDigits). With the same resolved parameters, fold and
    seed, a CPU fit is deterministic (checked on the rows of this study: every pair of such rows
    agrees to the last digit), so its row is copied instead of training the network again.
    """
    mine = resolve(_params(config, epochs), n_fit)
    for r in rows:
        if (r["config"] != config and r["config"] in CONFIGS and r["dataset"] == dataset
                and r["fold"] == str(fold) and r["seed"] == str(seed)
                and resolve(_params(r["config"], epochs), n_fit) == mine):
            return r
    return None


def reused_row(out: Path, twin: dict, config: str, params: dict) -> dict:
    """``twin``'s row under ``config`` (its own rule in ``params``), its probabilities copied, noted in reused.tsv."""
    fold, seed = int(twin["fold"]), int(twin["seed"])
    source = proba_path(out, twin["config"], twin["dataset"], fold, seed)
    if source.exists():
        proba_path(out, config, twin["dataset"], fold, seed).write_bytes(source.read_bytes())
    log = out / "reused.tsv"
    with log.open("a") as fh:
        if fh.tell() == 0:
            fh.write("config\tdataset\tfold\tseed\tsame_fit_as\n")
        fh.write(f"{config}\t{twin['dataset']}\t{fold}\t{seed}\t{twin['config']}\n")
    return {**twin, "config": config, "params": params_json(params)}


def _optimizer_steps(clf, n_fit: int) -> int:
    """Optimizer steps a fit took: its epochs times its batches (those trained, after any validation split)."""
    n_train = n_fit - (math.ceil(n_fit * clf.validation_split) if clf.validation_split else 0)
    members = getattr(clf, "n_estimators", 1)
    return int(clf.n_epochs_ * math.ceil(n_train / clf.batch_size) * members)


def _on_cuda(device: str) -> bool:
    import torch

    return device.startswith("cuda") or (device == "auto" and torch.cuda.is_available())


def _fused_groups(jobs: list[tuple], splits: dict, most: int) -> list[list[tuple]]:
    """Jobs that can train as one fused run: one configuration and dataset, folds of one size, at most ``most``.

    Fused members train on the same number of series, so folds of another size go to another group.
    """
    groups: dict[tuple, list[tuple]] = {}
    for job in jobs:
        config, dataset, fold, _ = job
        size = len(splits[dataset][1][fold][0])
        groups.setdefault((config, dataset, size), []).append(job)
    return [g[i:i + most] for g in groups.values() for i in range(0, len(g), most)]


BUDGET_FIELDS = ["dataset", "fold", "folds", "seed", "budget", "statistics", "stop_epoch", "best_epoch",
                 "accuracy", "train_accuracy", "train_seconds", "recompute_seconds", "n_fit", "n_held_out",
                 "device", "torch", "mlstm_fcn"]


def run_budgets(args) -> None:
    """CV of the training budgets: one snapshot run per dataset, fold and seed (TRAIN splits only)."""
    import torch
    from tqdm.auto import tqdm

    import mlstm_fcn
    from benchmarks.pack_uea_npz import load_split
    from mlstm_fcn.presets import get_preset

    csv_path = prepare_run(args, "budgets-cv.csv")
    rows = read_rows(csv_path)
    done = {(r["dataset"], r["fold"], r["seed"]) for r in rows}
    started = time.perf_counter()
    with appending(csv_path, BUDGET_FIELDS) as (writer, fh):
        for dataset in args.datasets:
            X, y = load_split(dataset, "train", args.archive)  # never "test"
            y = np.asarray(y)
            k, folds = fold_indices(y, args.folds)
            if any(r["dataset"] == dataset and int(r["folds"]) != k for r in rows):
                raise SystemExit(f"{csv_path} holds {dataset} rows of another number of folds; "
                                 "use another --out-dir.")
            jobs = [(f, s) for f in range(k) for s in args.seeds if (dataset, str(f), str(s)) not in done]
            for fold, seed in tqdm(jobs, desc=f"budgets CV {dataset}", unit="fit"):
                if args.time_budget and time.perf_counter() - started > args.time_budget:
                    print(f"time budget of {args.time_budget} s spent; rerun to resume", flush=True)
                    return
                fit_idx, held_idx = folds[fold]
                params = {**get_preset("paper"), "random_state": seed, "device": args.device}
                X_fit, X_held = _take(X, fit_idx), _take(X, held_idx)
                clf, snapshots = fit_with_snapshots(params, X_fit, y[fit_idx], list(BUDGETS), args.max_epochs)
                common = {"dataset": dataset, "fold": fold, "folds": k, "seed": seed, "n_fit": len(fit_idx),
                          "n_held_out": len(held_idx), "device": device_label(clf),
                          "torch": torch.__version__, "mlstm_fcn": mlstm_fcn.__version__}
                for row in score_snapshots(clf, snapshots, X_fit, y[fit_idx], X_held, y[held_idx]):
                    writer.writerow({**common, **row})
                fh.flush()


def _budget_cv(rows: list[dict]):
    """Per complete dataset and budget: pooled CV accuracy (recomputed, running) and mean fit time."""
    rows = with_capped(rows, ("dataset", "fold", "seed"))
    budgets = [b for b in budget_names() if any(r["budget"] == b for r in rows)]

    def complete(d: str) -> bool:  # every fold of at least one seed
        k = int(next(r["folds"] for r in rows if r["dataset"] == d))
        return any(len({r["fold"] for r in rows if r["dataset"] == d and r["seed"] == s}) == k
                   for s in {r["seed"] for r in rows if r["dataset"] == d})

    datasets = [d for d in sorted({r["dataset"] for r in rows}) if complete(d)]

    def acc(d: str, b: str, stats: str) -> float:
        mine = [r for r in rows if r["dataset"] == d and r["budget"] == b and r["statistics"] == stats]
        n = np.array([int(r["n_held_out"]) for r in mine])
        return float((np.array([float(r["accuracy"]) for r in mine]) * n).sum() / n.sum())

    def seconds(d: str, b: str) -> float:  # mean fit time per fold, recomputation included
        mine = [r for r in rows if r["dataset"] == d and r["budget"] == b and r["statistics"] == "recomputed"]
        return float(np.mean([float(r["train_seconds"]) + float(r["recompute_seconds"]) for r in mine]))

    return budgets, datasets, acc, seconds


def choose_budget(rows: list[dict]) -> tuple[str, dict]:
    """The budget the CV supports: the cheapest within one standard error of the best.

    Mean CV accuracy (recomputed statistics) is averaged over the datasets
    with every fold done; a budget's standard error is that of its paired
    per-dataset difference to the best budget. Among the budgets whose mean
    is within one such standard error of the best (the "one-standard-error
    rule" of Breiman et al.), the one with the least total fit time wins:
    differences the CV cannot resolve are not worth training time. Equal
    times (budgets that stopped at the same epochs on every fold) go to the
    one that can train the fewest epochs at worst.

    Returns the chosen budget and, per budget, ``(mean, standard error of the
    difference to the best, total fit seconds)``.
    """
    budgets, datasets, acc, seconds = _budget_cv(rows)
    table = {b: np.array([acc(d, b, "recomputed") for d in datasets]) for b in budgets}
    best = max(budgets, key=lambda b: table[b].mean())
    stats = {}
    for b in budgets:
        diff = table[best] - table[b]
        se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else 0.0
        stats[b] = (float(table[b].mean()), se, float(sum(seconds(d, b) for d in datasets)))
    close = [b for b in budgets if stats[best][0] - stats[b][0] <= stats[b][1]]
    return min(close, key=lambda b: (round(stats[b][2], 6), longest(b))), stats


def budgets_cv_summary(rows: list[dict]) -> str:
    """Markdown: each budget's mean CV accuracy (recomputed, running) and fit time, best first."""
    budgets, datasets, acc, seconds = _budget_cv(rows)
    chosen, stats = choose_budget(rows)
    best = max(budgets, key=lambda b: stats[b][0])
    lines = [f"| budget | mean CV accuracy over {len(datasets)} datasets, recomputed statistics | "
             f"standard error of the difference to {best} | running statistics | "
             "fit time per fold, all datasets (s) |", "|---|---|---|---|---|"]
    for b in sorted(budgets, key=lambda b: -stats[b][0]):
        running = float(np.mean([acc(d, b, "running") for d in datasets]))
        name = f"**{b}** (chosen)" if b == chosen else b
        lines.append(f"| {name} | {stats[b][0]:.4f} | {stats[b][1]:.4f} | {running:.4f} | {stats[b][2]:.0f} |")
    return "\n".join(lines)


def report_budgets(out: Path) -> str:
    """Write ``budgets-cv.md`` from ``budgets-cv.csv``: budgets ranked by mean CV accuracy."""
    rows = read_rows(out / "budgets-cv.csv")
    if not rows:
        return "no budget CV rows yet"
    budgets, datasets, acc, _ = _budget_cv(rows)
    lines = ["| dataset | " + " | ".join(budgets) + " |", "|---|" + "---|" * len(budgets)]
    for d in datasets:
        lines.append(f"| {d} | " + " | ".join(f"{acc(d, b, 'recomputed'):.4f}" for b in budgets) + " |")
    text = ("# Training budgets by cross-validation on TRAIN splits\n\n"
            "Stratified k-fold CV inside each dataset's TRAIN split (the TEST split is never read); paper "
            "protocol, each budget read off one run per fold and seed (`benchmarks/studies/budgets.py`), accuracy "
            "pooled over folds, with BatchNorm statistics recomputed on the fold's training part (and, for "
            "comparison, the running statistics). "
            f"Datasets with every fold done: {len(datasets)} ({', '.join(datasets)}); seeds "
            f"{sorted({int(r['seed']) for r in rows})}; device(s): {', '.join(sorted({r['device'] for r in rows}))}."
            "\n\n## Ranking\n\nChosen: the cheapest budget within one standard error of the best "
            "(`choose_budget`).\n\n" + budgets_cv_summary(rows)
            + "\n\n## Per dataset (CV accuracy, recomputed statistics)\n\n" + "\n".join(lines) + "\n")
    (out / "budgets-cv.md").write_text(text)
    return text


def _params(config: str, epochs: int | None) -> dict:
    return {**CONFIGS[config], **({"epochs": epochs} if epochs else {})}


def params_json(params: dict) -> str:
    return json.dumps(row_params(params), sort_keys=True, default=str)


def _log_loss(log_loss, y, proba: np.ndarray, classes: np.ndarray) -> str:
    """Log loss, or "nan" when the held-out fold has a class the fit never saw (a one-member class)."""
    if not set(np.unique(y)) <= set(classes.tolist()):
        return "nan"
    return f"{log_loss(y, proba, labels=classes):.4f}"


def _take(X, idx: np.ndarray):
    """Rows ``idx`` of an array or of a list of unequal-length series."""
    if isinstance(X, np.ndarray):
        return X[idx]
    return [X[i] for i in idx]


def cv_table(rows: list[dict]) -> tuple[list[str], list[str], dict, dict]:
    """Configurations, datasets, CV accuracy ``table[c][d]`` (None: unfinished) and means over common datasets.

    Configurations are compared on the datasets that all of them have finished; one with none
    finished yet is left out of the comparison (its mean is None) rather than blanking it.
    """
    configs = [c for c in CONFIGS if any(r["config"] == c for r in rows)]
    datasets = sorted({r["dataset"] for r in rows})

    def complete(c: str, d: str) -> list[dict]:
        # Rows of the seeds that finished every fold: a seed cut short (--time-budget) is left out.
        mine = [r for r in rows if r["config"] == c and r["dataset"] == d]
        if not mine:
            return []
        k = int(mine[0]["folds"])
        seeds = {s for s in {r["seed"] for r in mine} if len({r["fold"] for r in mine if r["seed"] == s}) == k}
        return [r for r in mine if r["seed"] in seeds]

    def cv_acc(c: str, d: str) -> float | None:
        # Pooled over folds (weighted by fold size), averaged over seeds.
        mine = complete(c, d)
        if not mine:
            return None
        n = np.array([int(r["n_held_out"]) for r in mine])
        acc = np.array([float(r["accuracy"]) for r in mine])
        return float((acc * n).sum() / n.sum())

    table = {c: {d: cv_acc(c, d) for d in datasets} for c in configs}
    started = [c for c in configs if any(table[c][d] is not None for d in datasets)]
    common = [d for d in datasets if all(table[c][d] is not None for c in started)]
    means = {c: float(np.mean([table[c][d] for d in common])) if common and c in started else None
             for c in configs}
    return configs, datasets, table, means


def choose_config(rows: list[dict], default: str = "paper") -> tuple[str, dict]:
    """The configuration of the best mean CV accuracy, or ``default`` when none beats it; and the means.

    The issue's rule: if no candidate beats the paper protocol in CV, the defaults stay.
    """
    _, _, _, means = cv_table(rows)
    scored = {c: v for c, v in means.items() if v is not None}
    if default not in scored:
        return default, scored
    best = max(scored, key=lambda c: scored[c])
    return (best if scored[best] > scored[default] else default), scored


def report(out: Path) -> str:
    """Write ``selection.md`` from ``cv.csv``: mean CV accuracy per dataset and configuration."""
    rows = read_rows(out / "cv.csv")
    record(out, rows)  # the seed ensembles' counts, from the probability dumps of this checkout's runs
    configs, datasets, table, means = cv_table(rows)
    started = [c for c in configs if any(table[c][d] is not None for d in datasets)]
    common = [d for d in datasets if all(table[c][d] is not None for c in started)]
    header = ["dataset"] + configs
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    ens = {c: {d: seed_ensemble_accuracy(out, rows, c, d) for d in datasets} for c in configs}
    for d in datasets:
        cells = [d]
        for c in configs:
            v, e = table[c][d], ens[c][d]
            cells.append("–" if v is None else f"{v:.4f}" + (f" (seed ens. {e:.4f})" if e is not None else ""))
        lines.append("| " + " | ".join(cells) + " |")
    ens_means = {c: float(np.mean([ens[c][d] for d in common]))
                 if common and c in started and all(ens[c][d] is not None for d in common) else None
                 for c in configs}
    cells = [f"**mean over {len(common)} datasets**"]
    for c in configs:
        v, e = means[c], ens_means[c]
        cells.append("–" if v is None else f"**{v:.4f}**" + (f" (seed ens. {e:.4f})" if e is not None else ""))
    lines.append("| " + " | ".join(cells) + " |")
    if any(table[c][d] is None for c in started for d in datasets):
        # Not every configuration finished every dataset: also each one's mean over its own.
        cells = ["mean over the datasets each finished (count)"]
        for c in configs:
            own = [table[c][d] for d in datasets if table[c][d] is not None]
            cells.append(f"{np.mean(own):.4f} ({len(own)})" if own else "–")
        lines.append("| " + " | ".join(cells) + " |")
    seeds = sorted({int(r["seed"]) for r in rows})
    folds = {d: next(int(r["folds"]) for r in rows if r["dataset"] == d) for d in datasets}
    ranked = sorted((v, c) for c, v in means.items() if v is not None)[::-1]
    text = ("# Configuration selection by cross-validation on TRAIN splits\n\n"
            "Stratified k-fold CV inside each dataset's TRAIN split (the TEST split is never read); "
            "accuracy pooled over folds, then averaged over seeds. 'seed ens.' is the CV accuracy of "
            f"the probabilities averaged over the seeds {seeds}.\n"
            f"Folds: {', '.join(f'{d} {k}' for d, k in folds.items())}. "
            f"Device(s): {', '.join(sorted({r['device'] for r in rows}))}.\n\n"
            + "\n".join(lines) + "\n\n"
            + "Ranking by mean CV accuracy: " + ", ".join(f"{c} {v:.4f}" for v, c in ranked) + "\n")
    (out / "selection.md").write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, RESULTS / "selection")
    parser.add_argument("--datasets", nargs="+", default=["BasicMotions"])
    parser.add_argument("--configs", nargs="+", default=["paper"], choices=list(CONFIGS))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, default=None, help="override the configurations' epochs")
    parser.add_argument("--fused", choices=["auto", "on", "off"], default="auto",
                        help="train folds and seeds of a configuration as one fused run (auto: on CUDA)")
    parser.add_argument("--reuse-same-fits", action=argparse.BooleanOptionalAction, default=True,
                        help="on the CPU, copy the row of another configuration whose resolved fit is the same")
    parser.add_argument("--fuse-max", type=int, default=64, help="most networks in one fused run")
    parser.add_argument("--budgets", action="store_true", help="compare training budgets instead of --configs")
    parser.add_argument("--max-epochs", type=int, default=MAX_EPOCHS, help="with --budgets: length of each run")
    args = parser.parse_args()
    if args.budgets:
        if not args.report_only:
            run_budgets(args)
        print(report_budgets(Path(args.out_dir)))
        return
    if not args.report_only:
        run(args)
    print(report(Path(args.out_dir)))


if __name__ == "__main__":
    main()
