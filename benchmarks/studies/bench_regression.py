"""Regression benchmark: MLSTMFCNRegressor on the regression datasets sktime ships, beside baselines.

For each dataset (default: Tecator and Covid3Month, found by name in
sktime's package) and seed: the test RMSE, MAE and R^2 of the regressor with
its defaults (or ``--epochs``), the fit time, and, once per dataset,
baselines run here on the same split: predicting the training mean, ridge
regression and a random forest on the flattened series (scikit-learn
defaults; ridge with cross-validated alpha). Published figures
(:mod:`published_regression`) are printed beside them. Results go to
``results/regression/regression.csv``; a run resumes, skipping rows it has.

    python -m benchmarks.studies.bench_regression --seeds 0 1 2 --threads 2
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from benchmarks import RESULTS
from benchmarks.cli import add_run_arguments, prepare_run
from benchmarks.report.published_regression import PUBLISHED_RMSE
from benchmarks.report.results_io import appending, device_label, read_rows

FIELDS = ["dataset", "method", "seed", "epochs", "rmse", "mae", "r2", "fit_seconds", "device"]
DATASETS = ("Tecator", "Covid3Month")


def scores(y, pred) -> dict:
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    return {"rmse": float(np.sqrt(mean_squared_error(y, pred))), "mae": float(mean_absolute_error(y, pred)),
            "r2": float(r2_score(y, pred))}


def baselines(X, y, X_test) -> dict[str, np.ndarray]:
    """Predictions of the baselines: the mean, ridge and a random forest on flattened series."""
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    flat, flat_test = np.nan_to_num(X.reshape(len(X), -1)), np.nan_to_num(X_test.reshape(len(X_test), -1))
    ridge = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13))).fit(flat, y)
    forest = RandomForestRegressor(random_state=0).fit(flat, y)
    return {"mean": np.full(len(X_test), y.mean()), "ridge": ridge.predict(flat_test),
            "random_forest": forest.predict(flat_test)}


#: Names of the methods in the README table.
LABELS = {"mlstm_fcn": "MLSTMFCNRegressor (defaults, mean ± sd over seeds)", "mean": "predicting the mean",
          "ridge": "ridge, flattened series", "random_forest": "random forest, flattened series"}


def summary_table(rows: list[dict]) -> str:
    """Test RMSE per dataset and method (this run's rows), then the published figures."""
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    lines = ["| method | " + " | ".join(datasets) + " |", "|---" * (len(datasets) + 1) + "|"]
    for method, label in LABELS.items():
        cells = []
        for d in datasets:
            rmse = [float(r["rmse"]) for r in rows if r["dataset"] == d and r["method"] == method]
            fits = [float(r["fit_seconds"]) for r in rows if r["dataset"] == d and r["method"] == method
                    and r["fit_seconds"]]
            cell = "-" if not rmse else f"{np.mean(rmse):.4f}" if len(rmse) == 1 else \
                f"{np.mean(rmse):.4f} ± {np.std(rmse):.4f}"
            if fits:
                cell += f" ({np.mean(fits):.0f} s)"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    published = sorted({m for d in datasets for m in PUBLISHED_RMSE.get(d, {})})
    for method in published:
        cells = [f"{PUBLISHED_RMSE[d][method]:.4f}" if method in PUBLISHED_RMSE.get(d, {}) else "-"
                 for d in datasets]
        lines.append(f"| {method} (published) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default: the regressor's)")
    add_run_arguments(parser, RESULTS)
    args = parser.parse_args(argv)
    out = prepare_run(args, "regression")
    out.mkdir(exist_ok=True)
    path = out / "regression.csv"

    from mlstm_fcn import MLSTMFCNRegressor
    from mlstm_fcn.datasets import load_uea

    done = {(r["dataset"], r["method"], r["seed"], r["epochs"]) for r in read_rows(path)}
    start = time.perf_counter()
    with appending(path, FIELDS) as (writer, fh):
        for name in args.datasets:
            X, y = load_uea(name, split="train", data_dir=args.archive)
            X_test, y_test = load_uea(name, split="test", data_dir=args.archive)
            if (name, "mean", "", "") not in done:
                for method, pred in baselines(X, y, X_test).items():
                    writer.writerow({"dataset": name, "method": method, "seed": "", "epochs": "",
                                     **scores(y_test, pred), "fit_seconds": "", "device": "cpu"})
                fh.flush()
            for seed in args.seeds:
                params = {"random_state": seed, "device": args.device}
                if args.epochs is not None:
                    params["epochs"] = args.epochs
                reg = MLSTMFCNRegressor(**params)
                key = (name, "mlstm_fcn", str(seed), str(reg.epochs))
                if key in done:
                    continue
                if args.time_budget is not None and time.perf_counter() - start > args.time_budget:
                    print(f"time budget spent: {name} seed {seed} not run", flush=True)
                    continue
                t0 = time.perf_counter()
                reg.fit(X, y)
                seconds = time.perf_counter() - t0
                row = {"dataset": name, "method": "mlstm_fcn", "seed": seed, "epochs": reg.epochs,
                       **scores(y_test, reg.predict(X_test)), "fit_seconds": round(seconds, 2),
                       "device": device_label(reg)}
                writer.writerow(row)
                fh.flush()
                print(f"{name} seed {seed}: RMSE {row['rmse']:.4f} ({seconds:.0f} s)", flush=True)
    for name in args.datasets:
        published = ", ".join(f"{k} {v:.4f}" for k, v in PUBLISHED_RMSE.get(name, {}).items()) or "none found"
        print(f"{name}: published RMSE (default split): {published}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
