"""How long should the regressor train? Cross-validation inside the TRAIN splits of sktime's regression sets.

The regressor's counterpart of ``select_config.py``: for
each dataset (Tecator, Covid3Month), candidate of
:data:`configs.REGRESSION_CONFIGS`, fold (k-fold, shuffled) and seed, fit
:class:`~mlstm_fcn.MLSTMFCNRegressor` on the other folds of TRAIN and score
the held-out fold (RMSE, MAE, R²). The TEST split is never read. Rows go to
``cv.csv``, resumable; ``selection.md`` gives each candidate's CV RMSE
relative to the defaults', per dataset and on average.

    python -m benchmarks.studies.select_regression --folds 3 --seeds 0 --threads 1
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from benchmarks import RESULTS
from benchmarks.cli import add_run_arguments, prepare_run
from benchmarks.report.results_io import appending, device_label, read_rows
from benchmarks.studies.bench_regression import DATASETS, scores
from benchmarks.studies.configs import REGRESSION_CONFIGS, resolve
from benchmarks.studies.select_config import params_json

FIELDS = ["config", "dataset", "fold", "folds", "seed", "rmse", "mae", "r2", "n_fit", "n_held_out", "fit_seconds",
          "epochs_run", "converged", "load_average", "device", "params"]
BASELINE = "r_defaults"


def run(args) -> Path:
    from sklearn.model_selection import KFold

    from mlstm_fcn import MLSTMFCNRegressor
    from mlstm_fcn.datasets import load_uea

    csv_path = prepare_run(args, "cv.csv")
    done = {(r["config"], r["dataset"], r["fold"], r["seed"]) for r in read_rows(csv_path)}
    with appending(csv_path, FIELDS) as (writer, fh):
        for dataset in args.datasets:
            X, y = load_uea(dataset, split="train")  # never "test"
            y = np.asarray(y, dtype=np.float64)
            folds = list(KFold(n_splits=args.folds, shuffle=True, random_state=0).split(X))
            for config in args.configs:
                for f, (fit_idx, held_idx) in enumerate(folds):
                    for seed in args.seeds:
                        if (config, dataset, str(f), str(seed)) in done:
                            continue
                        params = resolve({"batch_size": 128, **REGRESSION_CONFIGS[config]}, len(fit_idx))
                        reg = MLSTMFCNRegressor(**params, random_state=seed, device=args.device)
                        t0 = time.perf_counter()
                        reg.fit(X[fit_idx], y[fit_idx])
                        seconds = time.perf_counter() - t0
                        s = scores(y[held_idx], reg.predict(X[held_idx]))
                        writer.writerow({"config": config, "dataset": dataset, "fold": f, "folds": args.folds,
                                         "seed": seed, **{k: f"{v:.6g}" for k, v in s.items()},
                                         "n_fit": len(fit_idx), "n_held_out": len(held_idx),
                                         "fit_seconds": f"{seconds:.1f}", "epochs_run": reg.n_epochs_,
                                         "converged": reg.converged_, "load_average": f"{os.getloadavg()[0]:.1f}",
                                         "device": device_label(reg),
                                         "params": params_json(REGRESSION_CONFIGS[config])})
                        fh.flush()
    return csv_path


def cv_rmse(rows: list[dict]) -> dict[str, dict[str, float]]:
    """``{config: {dataset: RMSE}}``: held-out RMSE pooled over the folds (by squared error), mean over seeds.

    Only (config, dataset) pairs with every fold of a seed are counted.
    """
    out: dict[str, dict[str, float]] = {}
    for c in sorted({r["config"] for r in rows}):
        for d in sorted({r["dataset"] for r in rows}):
            mine = [r for r in rows if r["config"] == c and r["dataset"] == d]
            per_seed = []
            for s in sorted({r["seed"] for r in mine}):
                part = [r for r in mine if r["seed"] == s]
                if len({r["fold"] for r in part}) < int(part[0]["folds"]):
                    continue
                n = np.array([int(r["n_held_out"]) for r in part])
                mse = np.array([float(r["rmse"]) ** 2 for r in part])
                per_seed.append(float(np.sqrt((mse * n).sum() / n.sum())))
            if per_seed:
                out.setdefault(c, {})[d] = float(np.mean(per_seed))
    return out


def paired_ratios(rows: list[dict], config: str) -> np.ndarray:
    """Held-out RMSE of ``config`` over that of the defaults, per (dataset, fold, seed) both ran."""
    base = {(r["dataset"], r["fold"], r["seed"]): float(r["rmse"]) for r in rows if r["config"] == BASELINE}
    return np.array([float(r["rmse"]) / base[key] for r in rows if r["config"] == config
                     and (key := (r["dataset"], r["fold"], r["seed"])) in base and base[key] > 0])


def choose(rows: list[dict]) -> tuple[str, dict[str, tuple[float, float, int]]]:
    """The winning candidate by ``results/regression-cv/RULE.md`` (the defaults when none wins), and each one's
    mean ratio, standard error and cell count."""
    stats = {}
    for c in sorted({r["config"] for r in rows} - {BASELINE}):
        ratios = paired_ratios(rows, c)
        if len(ratios) >= 2:
            stats[c] = (float(ratios.mean()), float(ratios.std(ddof=1) / np.sqrt(len(ratios))), len(ratios))
    winners = [c for c, (m, se, _) in stats.items() if m < 1 - se]
    if not winners:
        return BASELINE, stats
    best = min(winners, key=lambda c: stats[c][0])
    close = [c for c in winners if stats[c][0] - stats[best][0] <= stats[best][1]]
    seconds = {c: np.mean([float(r["fit_seconds"]) for r in rows if r["config"] == c]) for c in close}
    return min(close, key=seconds.get), stats


def choice_summary(rows: list[dict]) -> str:
    """Each candidate's paired RMSE ratio against the defaults, whether it wins, and the choice (Markdown)."""
    chosen, stats = choose(rows)
    rule = ["| candidate | RMSE / defaults' per fold and seed: mean ± se | cells | mean fit s | wins |",
            "|---|---|---|---|---|"]
    seconds = {c: np.mean([float(r["fit_seconds"]) for r in rows if r["config"] == c])
               for c in {r["config"] for r in rows}}
    rule += [f"| {c} | {m:.3f} ± {se:.3f} | {n} | {seconds[c]:.0f} | {'yes' if m < 1 - se else 'no'} |"
             for c, (m, se, n) in stats.items()]
    return ("\n".join(rule) + f"\n\nChoice: **{chosen}**"
            + (f" (the defaults stay; their fits took {seconds[BASELINE]:.0f} s on average)."
               if chosen == BASELINE else "."))


def report(out: Path) -> str:
    """``selection.md``: CV RMSE per candidate and dataset, and relative to the defaults'."""
    rows = read_rows(out / "cv.csv")
    table = cv_rmse(rows)
    datasets = sorted({d for t in table.values() for d in t})
    seconds = {c: np.mean([float(r["fit_seconds"]) for r in rows if r["config"] == c]) for c in table}
    lines = ["| candidate | " + " | ".join(f"{d} CV RMSE" for d in datasets) + " | mean RMSE / defaults' | "
             "mean fit s | not converged |", "|---" * (len(datasets) + 4) + "|"]
    for c in table:
        ratio = [table[c][d] / table[BASELINE][d] for d in datasets if d in table[c] and d in table.get(BASELINE, {})]
        unconverged = sum(r["converged"] == "False" for r in rows if r["config"] == c)
        lines.append(f"| {c} | " + " | ".join(f"{table[c][d]:.4g}" if d in table[c] else "–" for d in datasets)
                     + f" | {np.mean(ratio):.3f} | {seconds[c]:.0f} | {unconverged} of "
                     f"{sum(r['config'] == c for r in rows)} |" if ratio else f"| {c} | (incomplete) |")
    loads = [float(r["load_average"]) for r in rows]
    text = ("# How long the regressor trains: CV inside the TRAIN splits\n\n"
            f"k-fold CV (shuffled) inside TRAIN; RMSE pooled over folds, mean over seeds. Load average "
            f"during the fits: {min(loads):.1f} to {max(loads):.1f} (2 cores).\n\n" + "\n".join(lines) + "\n\n"
            "By `RULE.md` (paired ratios per dataset, fold and seed; a win is a mean below 1 by more than one "
            "standard error):\n\n" + choice_summary(rows) + "\n")
    (out / "selection.md").write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, RESULTS / "regression-cv")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--configs", nargs="+", default=list(REGRESSION_CONFIGS), choices=list(REGRESSION_CONFIGS))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])  # RULE.md's seeds
    args = parser.parse_args()
    if not args.report_only:
        run(args)
    print(report(Path(args.out_dir)))


if __name__ == "__main__":
    main()
