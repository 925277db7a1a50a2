"""Time to accuracy: test accuracy and training time of each budget, running vs recomputed statistics.

For each dataset and seed, one run of the paper protocol for ``MAX_EPOCHS``
epochs with BatchNorm's running statistics; every budget of ``budgets.py``
(50, 100, 200, 500 epochs; optimizer-step budgets; stop rules on the training
loss) is read off that run (see :mod:`budgets`), scored on the TEST split
with the running statistics and with statistics recomputed on the TRAIN
split. Rows go to ``budgets.csv`` (resumable: finished dataset/seed pairs
are skipped; ``--time-budget`` stops starting new ones), and ``budgets.md``
/ ``budgets.png`` report accuracy against training time.

    python -m benchmarks.studies.bench_budgets --archive ../shared/uea --seeds 0 \\
        --out-dir benchmarks/results/budgets --time-budget 3600
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from benchmarks import RESULTS
from benchmarks.cli import add_run_arguments, prepare_run
from benchmarks.report.published import PUBLISHED
from benchmarks.report.results_io import appending, device_label, read_rows
from benchmarks.studies.budgets import (BUDGETS, MAX_EPOCHS, budget_names, fit_with_snapshots, n_batches,
                                        score_snapshots, with_capped)

FIELDS = ["dataset", "seed", "budget", "statistics", "stop_epoch", "best_epoch", "accuracy", "train_accuracy",
          "train_seconds", "recompute_seconds", "n_train", "batches_per_epoch", "device", "torch", "mlstm_fcn"]

#: The 12 shared datasets, cheapest first (series x length), so that a time budget cuts the costly ones.
BY_COST = ["ERing", "BasicMotions", "RacketSports", "Libras", "JapaneseVowels", "NATOPS", "AtrialFibrillation",
           "FingerMovements", "Epilepsy", "StandWalkJump", "ArticularyWordRecognition", "PenDigits"]


def run(args) -> None:
    import torch
    from tqdm.auto import tqdm

    import mlstm_fcn
    from mlstm_fcn.datasets import load_uea
    from mlstm_fcn.presets import get_preset

    csv_path = prepare_run(args, "budgets.csv")
    done = {(r["dataset"], r["seed"]) for r in read_rows(csv_path)}
    jobs = [(d, s) for d in args.datasets for s in args.seeds if (d, str(s)) not in done]
    started = time.perf_counter()
    with appending(csv_path, FIELDS) as (writer, fh):
        for dataset, seed in tqdm(jobs, desc="budgets", unit="run"):
            if args.time_budget and time.perf_counter() - started > args.time_budget:
                print(f"time budget of {args.time_budget} s spent; rerun to resume", flush=True)
                break
            X, y = load_uea(dataset, "train", data_dir=args.archive)
            Xt, yt = load_uea(dataset, "test", data_dir=args.archive)
            params = {**get_preset("paper"), "random_state": seed, "device": args.device}
            clf, snapshots = fit_with_snapshots(params, X, y, list(BUDGETS), args.max_epochs)
            common = {"dataset": dataset, "seed": seed, "n_train": len(y),
                      "batches_per_epoch": n_batches(len(y), params["batch_size"]),
                      "device": device_label(clf), "torch": torch.__version__, "mlstm_fcn": mlstm_fcn.__version__}
            for row in score_snapshots(clf, snapshots, X, y, Xt, yt):  # all rows of a run, then one flush
                writer.writerow({**common, **row})
            fh.flush()


def _mean(values) -> float:
    return float(np.mean(values)) if values else float("nan")


class _Table:
    """``budgets.csv`` rows read per dataset, budget and statistics."""

    def __init__(self, rows: list[dict]) -> None:
        rows = with_capped(rows, ("dataset", "seed"))
        self.rows = rows
        self.budgets = [b for b in budget_names() if any(r["budget"] == b for r in rows)]
        self.datasets = [d for d in PUBLISHED if any(r["dataset"] == d for r in rows)]

    def values(self, d: str, b: str, stats: str, key: str = "accuracy") -> list[float]:
        return [float(r[key]) for r in self.rows
                if r["dataset"] == d and r["budget"] == b and r["statistics"] == stats]

    def seconds(self, d: str, b: str) -> float:
        """Mean training time of budget ``b`` on ``d``, recomputation included."""
        return _mean([float(r["train_seconds"]) + float(r["recompute_seconds"]) for r in self.rows
                      if r["dataset"] == d and r["budget"] == b and r["statistics"] == "recomputed"])

    def mean_accuracy(self, b: str, stats: str) -> float:
        return _mean([_mean(self.values(d, b, stats)) for d in self.datasets])

    def total_seconds(self, b: str) -> float:
        return float(sum(self.seconds(d, b) for d in self.datasets))


def summary_table(rows: list[dict]) -> str:
    """Markdown: each budget's mean test accuracy (running / recomputed) and total training time."""
    t = _Table(rows)
    paper = t.total_seconds("e500") if "e500" in t.budgets else float("nan")
    lines = [f"| budget | mean test accuracy over {len(t.datasets)} datasets, running statistics | "
             "recomputed statistics | training time, all datasets (s) | share of the paper protocol's |",
             "|---|---|---|---|---|"]
    for b in t.budgets:
        total = t.total_seconds(b)
        share = f"{total / paper:.2f}" if np.isfinite(paper) and paper else "–"
        lines.append(f"| {b} | {t.mean_accuracy(b, 'running'):.4f} | {t.mean_accuracy(b, 'recomputed'):.4f} | "
                     f"{total:.0f} | {share} |")
    return "\n".join(lines)


def defaults_sentence(rows: list[dict]) -> str:
    """The defaults against the paper protocol, in the same runs: one sentence for the README."""
    t = _Table(rows)
    share = t.total_seconds(DEFAULT) / t.total_seconds(PAPER)
    return (f"On the TEST splits, in the same runs, that budget scores {t.mean_accuracy(DEFAULT, 'recomputed'):.4f} "
            f"against the paper protocol's {t.mean_accuracy(PAPER, 'running'):.4f} in {share:.2f} of its "
            "training time, and short fits are no longer broken: the running statistics are what made short "
            f"training look bad (50 epochs: {t.mean_accuracy('e50', 'running'):.2f} with them, "
            f"{t.mean_accuracy('e50', 'recomputed'):.2f} with recomputed ones).")


def paper_protocol_accuracy(rows: list[dict]) -> dict[str, dict[str, float]]:
    """``{dataset: {seed: test accuracy}}`` of the paper protocol (:data:`PAPER`, running statistics)."""
    out: dict[str, dict[str, float]] = {}
    for r in rows:
        if r["budget"] == PAPER and r["statistics"] == "running":
            out.setdefault(r["dataset"], {})[r["seed"]] = float(r["accuracy"])
    return out


def report(out: Path) -> str:
    """Write ``budgets.md`` and ``budgets.png`` from ``budgets.csv``; return the summary table."""
    rows = read_rows(out / "budgets.csv")
    if not rows:
        return "no rows yet"
    t = _Table(rows)
    seeds = sorted({int(r["seed"]) for r in rows})
    runs = len({(r["dataset"], r["seed"]) for r in rows})
    summary = summary_table(rows)
    per = ["| dataset | " + " | ".join(f"{b} run / rec" for b in t.budgets) + " |",
           "|---|" + "---|" * len(t.budgets)]
    stops = ["| dataset | " + " | ".join(t.budgets) + " |", "|---|" + "---|" * len(t.budgets)]
    for d in t.datasets:
        per.append(f"| {d} | " + " | ".join(f"{_mean(t.values(d, b, 'running')):.3f} / "
                                            f"{_mean(t.values(d, b, 'recomputed')):.3f}" for b in t.budgets) + " |")
        stops.append(f"| {d} | " + " | ".join(f"{_mean(t.values(d, b, 'recomputed', 'stop_epoch')):.0f}"
                                              for b in t.budgets) + " |")
    devices = sorted({r["device"] for r in rows})
    paper_running = t.mean_accuracy("e500", "running") if "e500" in t.budgets else float("nan")
    text = ("# Time to accuracy: training budgets, running vs recomputed BatchNorm statistics\n\n"
            f"Paper protocol, TEST split, {len(t.datasets)} datasets, seeds {seeds} ({runs} runs), "
            f"device(s): {', '.join(devices)}. Every budget is read off one 500-epoch run per dataset and "
            "seed (`benchmarks/studies/budgets.py`); training time is the run's time at the budget's stopping epoch "
            "plus the recomputation. "
            f"Paper protocol (e500, running statistics): mean accuracy {paper_running:.4f}.\n"
            "Reproduce: `python -m benchmarks.studies.bench_budgets --archive <UEA dir> --seeds 0`.\n\n"
            "## Accuracy against training time\n\n" + summary + "\n\n"
            "## Per dataset (test accuracy, running / recomputed)\n\n" + "\n".join(per) + "\n\n"
            "## Stopping epoch per dataset\n\n" + "\n".join(stops) + "\n")
    (out / "budgets.md").write_text(text)
    _plot(out / "budgets.png", [(b, t.total_seconds(b), t.mean_accuracy(b, "running"),
                                 t.mean_accuracy(b, "recomputed")) for b in t.budgets])
    return summary


#: Budgets the plot names: the paper protocol (500 epochs, running statistics) and the defaults.
PAPER, DEFAULT = "e500", "fitted20max100"


def _plot(path: Path, points) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    for b, total, run_acc, rec_acc in points:
        ax.plot([total, total], [run_acc, rec_acc], color="0.85", lw=1, zorder=1)
        ax.scatter(total, run_acc, color="C1", s=18, zorder=2)
        ax.scatter(total, rec_acc, color="C0", s=18, zorder=2)
        ax.annotate(b, (total, rec_acc), textcoords="offset points", xytext=(2, 5), fontsize=7, rotation=55)
        if b == PAPER:
            ax.scatter(total, run_acc, s=120, facecolors="none", edgecolors="C1", zorder=3)
            ax.annotate("paper protocol", (total, run_acc), textcoords="offset points", xytext=(-80, -14),
                        fontsize=8, color="C1")
        if b == DEFAULT:
            ax.scatter(total, rec_acc, s=120, facecolors="none", edgecolors="C0", zorder=3)
            ax.annotate("defaults", (total, rec_acc), textcoords="offset points", xytext=(-20, -16),
                        fontsize=8, color="C0")
    ax.scatter([], [], color="C1", label="running statistics (as the paper's code)")
    ax.scatter([], [], color="C0", label="recomputed statistics")
    ax.set_xscale("log")
    ax.set_xlabel("training time over the datasets (s, log scale)")
    ax.set_ylabel("mean test accuracy")
    ax.set_ylim(top=max(p[3] for p in points) + 0.04)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Accuracy against training time (budgets read off 500-epoch runs)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, RESULTS / "budgets")
    parser.add_argument("--datasets", nargs="+", default=BY_COST)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--max-epochs", type=int, default=MAX_EPOCHS, help="length of each run (tests: a few)")
    args = parser.parse_args()
    if not args.report_only:
        run(args)
    print(report(Path(args.out_dir)))


if __name__ == "__main__":
    main()
