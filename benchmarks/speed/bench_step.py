"""Seconds per epoch and per optimizer step: the estimator's loop against a plain PyTorch loop.

One process, CPU, a fixed number of torch threads, interleaved rounds (ours,
plain, ours, plain...) so that a change in the machine's load falls on both
alike. Ours is :class:`~mlstm_fcn.MLSTMFCNClassifier` with no stop rule
(``stop_when_fitted=None``, no early stopping, no validation), fp32, its
epoch times read from ``history_["time"]``; the plain loop is
``plain_loop.train_plain`` (the same network, Adam, cross-entropy, a
shuffling ``DataLoader``). Per-step figures divide an epoch's seconds by its
number of optimizer steps (ours joins a last batch of one to the one before,
so the counts can differ by one).

    python -m benchmarks.speed.bench_step --archive ../shared/uea --threads 2 \\
        --out benchmarks/results/step-cpu.json

``--quick`` measures BasicMotions (bundled) in one short round; ``--profile``
adds the top functions of a cProfile of our epochs and of the plain loop's.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from benchmarks import REPO, RESULTS
from benchmarks.cli import write_json

DATASETS = ["BasicMotions", "NATOPS"]
BATCH_SIZES = [16, 128]


def load_train(dataset: str, archive: str | None):
    """``(X, y)``: the dataset's train split as float32 ``(n, C, T)``."""
    from benchmarks.pack_uea_npz import load_split

    X, y = load_split(dataset, "train", archive)
    return np.ascontiguousarray(X, dtype=np.float32), y


def ours(X: np.ndarray, y: np.ndarray, epochs: int, batch_size: int, seed: int) -> list[float]:
    """Seconds of each epoch of the estimator's loop (no stop rule, fp32, CPU)."""
    from mlstm_fcn import MLSTMFCNClassifier

    clf = MLSTMFCNClassifier(epochs=epochs, batch_size=batch_size, stop_when_fitted=None, early_stopping=None,
                             precision="fp32", device="cpu", random_state=seed, verbose=0, augmentation=None,
                             n_jobs=-1)  # --threads, as the plain loop (which does not augment)
    with warnings.catch_warnings():  # a few timed epochs end every fit at its cap on purpose
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    ends = np.asarray(clf.history_["time"])
    return np.diff(np.concatenate([[0.0], ends])).tolist()


def plain(X: np.ndarray, y: np.ndarray, epochs: int, batch_size: int, seed: int) -> list[float]:
    """Seconds of each epoch of the plain loop."""
    from benchmarks.speed.plain_loop import train_plain

    return train_plain(X, y, epochs, "cpu", batch_size=batch_size, seed=seed)["epoch_seconds"]


def steps_per_epoch(n: int, batch_size: int) -> dict[str, int]:
    """Optimizer steps of one epoch: ours (a last batch of one joins the one before) and the plain loop's."""
    from mlstm_fcn.training import batch_slices

    return {"ours": len(batch_slices(n, batch_size)), "plain": -(-n // batch_size)}


def measure(X: np.ndarray, y: np.ndarray, batch_size: int, rounds: int, epochs: int, warmup: int) -> dict:
    """Interleaved rounds of both loops; per-epoch and per-step medians after ``warmup`` epochs of each fit."""
    runs = {"ours": ours, "plain": plain}
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    per_round = []
    for r in range(rounds):
        row = {}
        for name, run in runs.items():
            epoch_seconds = run(X, y, warmup + epochs, batch_size, r)[warmup:]
            seconds[name] += epoch_seconds
            row[name] = statistics.median(epoch_seconds)
        per_round.append(row)
    steps = steps_per_epoch(len(X), batch_size)
    out = {"batch_size": batch_size, "steps_per_epoch": steps, "rounds": per_round}
    for name in runs:
        epoch = statistics.median(seconds[name])
        out[name] = {"seconds_per_epoch": epoch, "seconds_per_step": epoch / steps[name],
                     "epochs_timed": len(seconds[name])}
    # Speed relative to the plain loop (>= 1: ours is as fast or faster).
    out["speed_vs_plain_per_epoch"] = out["plain"]["seconds_per_epoch"] / out["ours"]["seconds_per_epoch"]
    out["speed_vs_plain_per_step"] = out["plain"]["seconds_per_step"] / out["ours"]["seconds_per_step"]
    return out


def profile(X: np.ndarray, y: np.ndarray, batch_size: int, epochs: int, top: int = 25) -> dict[str, str]:
    """cProfile's top functions (by own time) of a fit of ours and of the plain loop, as text."""
    texts = {}
    for name, run in {"ours": ours, "plain": plain}.items():
        prof = cProfile.Profile()
        prof.enable()
        run(X, y, epochs, batch_size, 0)
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
        texts[name] = buf.getvalue()
    return texts


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=str(REPO.parent / "shared" / "uea"),
                        help="UEA archive directory (BasicMotions is also bundled)")
    parser.add_argument("--datasets", nargs="+", default=DATASETS)
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=BATCH_SIZES)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of each loop")
    parser.add_argument("--epochs", type=int, default=10, help="timed epochs per fit")
    parser.add_argument("--warmup", type=int, default=2, help="epochs per fit left out of the timing")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--profile", action="store_true", help="add cProfile's top functions of both loops")
    parser.add_argument("--quick", action="store_true", help="BasicMotions, one round of 2 epochs (a smoke test)")
    parser.add_argument("--out", default=str(RESULTS / "step-cpu.json"))
    args = parser.parse_args(argv)
    if args.quick:
        args.datasets, args.rounds, args.epochs, args.warmup = ["BasicMotions"], 1, 2, 1

    import torch

    torch.set_num_threads(args.threads)
    archive = args.archive if Path(args.archive).exists() else None
    report = {"machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                          "torch": torch.__version__, "threads": torch.get_num_threads()},
              "args": vars(args), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "load_average": {"start": os.getloadavg()[0]}, "results": []}
    for dataset in args.datasets:
        X, y = load_train(dataset, archive if dataset != "BasicMotions" else None)
        for batch_size in args.batch_sizes:
            row = {"dataset": dataset, "shape": list(X.shape),
                   **measure(X, y, batch_size, args.rounds, args.epochs, args.warmup)}
            if args.profile:
                row["profile"] = profile(X, y, batch_size, args.warmup + args.epochs)
            report["results"].append(row)
            print(f"{dataset} batch {batch_size}: ours {row['ours']['seconds_per_epoch'] * 1e3:.1f} ms/epoch "
                  f"{row['ours']['seconds_per_step'] * 1e3:.2f} ms/step, plain "
                  f"{row['plain']['seconds_per_epoch'] * 1e3:.1f} ms/epoch "
                  f"{row['plain']['seconds_per_step'] * 1e3:.2f} ms/step", flush=True)
    report["load_average"]["end"] = os.getloadavg()[0]
    write_json(report, args.out)
    return report


if __name__ == "__main__":
    main()
