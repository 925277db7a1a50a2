"""Accuracy of mlstm-fcn on UEA archive datasets, beside published figures.

Trains on each dataset's default TRAIN split and evaluates on TEST, for
several seeds and configurations; model selection inside ``fit`` uses the
training data only. Results go to one CSV (one row per configuration,
dataset and seed), from which a Markdown table and a PNG plot are made.
Finished rows are skipped when the command is run again (resumable).

    python -m benchmarks.studies.bench_accuracy --archive ../shared/uea --seeds 0 1 2 \\
        --configs paper --out-dir benchmarks/results
    python -m benchmarks.studies.bench_accuracy --report-only --out-dir benchmarks/results
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from benchmarks import RESULTS
from benchmarks.cli import add_run_arguments, prepare_run
from benchmarks.report.published import METHODS, PUBLISHED
from benchmarks.report.results_io import appending, device_label, read_rows
from benchmarks.studies.configs import CONFIGS, row_params

FIELDS = ["config", "dataset", "seed", "accuracy", "balanced_accuracy", "fit_seconds", "epochs_run",
          "best_epoch", "device", "torch", "mlstm_fcn", "params"]


def run(args) -> None:
    import torch
    from sklearn.metrics import accuracy_score, balanced_accuracy_score
    from tqdm.auto import tqdm

    import mlstm_fcn
    from mlstm_fcn import MLSTMFCNClassifier
    from benchmarks.pack_uea_npz import load_split

    csv_path = prepare_run(args, "accuracy.csv")
    done = {(r["config"], r["dataset"], r["seed"]) for r in read_rows(csv_path)}
    jobs = [(c, d, s) for d in args.datasets for c in args.configs for s in args.seeds
            if (c, d, str(s)) not in done]
    started = time.perf_counter()
    with appending(csv_path, FIELDS) as (writer, f):
        data = {}
        for config, dataset, seed in tqdm(jobs, desc="benchmark", unit="fit"):
            if args.time_budget and time.perf_counter() - started > args.time_budget:
                print(f"time budget of {args.time_budget} s spent; rerun to resume", flush=True)
                break
            if dataset not in data:
                data = {dataset: (load_split(dataset, "train", args.archive),
                                  load_split(dataset, "test", args.archive))}
            (X_train, y_train), (X_test, y_test) = data[dataset]
            params = {**CONFIGS[config], **({"epochs": args.epochs} if args.epochs else {})}
            clf = MLSTMFCNClassifier(random_state=seed, device=args.device, **params)
            t0 = time.perf_counter()
            clf.fit(X_train, y_train)
            fit_seconds = time.perf_counter() - t0
            pred = clf.predict(X_test)
            writer.writerow({
                "config": config, "dataset": dataset, "seed": seed,
                "accuracy": f"{accuracy_score(y_test, pred):.4f}",
                "balanced_accuracy": f"{balanced_accuracy_score(y_test, pred):.4f}",
                "fit_seconds": f"{fit_seconds:.1f}", "epochs_run": clf.n_epochs_,
                "best_epoch": clf.best_epoch_,
                "device": device_label(clf),
                "torch": torch.__version__, "mlstm_fcn": mlstm_fcn.__version__,
                "params": json.dumps(row_params(params), sort_keys=True)})
            f.flush()


def report(out_dir: Path) -> str:
    """Write ``accuracy.md`` and ``accuracy.png`` from ``accuracy.csv``; return the table."""
    rows = read_rows(out_dir / "accuracy.csv")
    configs = sorted({r["config"] for r in rows})
    datasets = [d for d in PUBLISHED if any(r["dataset"] == d for r in rows)]
    acc = {(c, d): [float(r["accuracy"]) for r in rows if r["config"] == c and r["dataset"] == d]
           for c in configs for d in datasets}
    header = ["dataset"] + [f"ours: {c} (mean ± sd, seeds)" for c in configs] + list(METHODS)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for d in datasets:
        cells = [d]
        for c in configs:
            a = acc[(c, d)]
            cells.append(f"{np.mean(a):.4f} ± {np.std(a):.4f} ({len(a)})" if a else "–")
        cells += [f"{v:.4f}" for v in PUBLISHED[d]]
        lines.append("| " + " | ".join(cells) + " |")
    def mean_row(label: str, subset: list[str]) -> str:
        cells = [f"**{label}**"]
        for c in configs:
            ok = subset and all(acc[(c, d)] for d in subset)
            cells.append(f"**{np.mean([np.mean(acc[(c, d)]) for d in subset]):.4f}**" if ok else "–")
        cells += [f"**{np.mean([PUBLISHED[d][i] for d in subset]):.4f}**" if subset else "–"
                  for i in range(len(METHODS))]
        return "| " + " | ".join(cells) + " |"

    lines.append(mean_row(f"mean over all {len(datasets)}", datasets))
    common = [d for d in datasets if all(acc[(c, d)] for c in configs)]
    if len(configs) > 1 and 0 < len(common) < len(datasets):
        lines.append(mean_row(f"mean over the {len(common)} every configuration ran", common))
    table = "\n".join(lines)
    devices = sorted({r["device"] for r in rows})
    (out_dir / "accuracy.md").write_text(
        "# Accuracy on UEA datasets (default train/test splits)\n\n"
        f"Device(s): {', '.join(devices)}. Published figures: Foumani et al. 2024, Table 1.\n"
        "Reproduce: `python -m benchmarks.studies.bench_accuracy --archive <UEA dir> --seeds 0 1 2`.\n\n"
        + table + "\n")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return table
    fig, ax = plt.subplots(figsize=(12, 4.5))
    x = np.arange(len(datasets))
    width = 0.8 / (len(configs) + 1)
    for i, c in enumerate(configs):
        means = [np.mean(acc[(c, d)]) if acc[(c, d)] else np.nan for d in datasets]
        sds = [np.std(acc[(c, d)]) if acc[(c, d)] else 0 for d in datasets]
        ax.bar(x + i * width, means, width, yerr=sds, label=f"mlstm-fcn ({c})", capsize=2)
    ax.bar(x + len(configs) * width, [PUBLISHED[d][0] for d in datasets], width,
           label="MLSTM-FCN published", color="lightgray", edgecolor="gray")
    ax.set_xticks(x + 0.4 - width / 2, datasets, rotation=35, ha="right", fontsize=8)
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # clear of the bars
    ax.set_title("mlstm-fcn vs published MLSTM-FCN on UEA datasets")
    fig.tight_layout()
    fig.savefig(out_dir / "accuracy.png", dpi=110)
    plt.close(fig)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, RESULTS)
    parser.add_argument("--datasets", nargs="+", default=list(PUBLISHED))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--configs", nargs="+", default=["paper"], choices=sorted(CONFIGS))
    parser.add_argument("--epochs", type=int, default=None, help="override the configuration's epochs")
    args = parser.parse_args()
    if not args.report_only:
        run(args)
    print(report(Path(args.out_dir)))


if __name__ == "__main__":
    main()
