"""Fit seconds of the default classifier on one CPU thread (``n_jobs=None``) against torch's own count.

Three situations: (a) ``quiet``, the machine as it is; (b) ``busy``, beside
a second CPU-bound process that this script starts (a Python busy loop,
killed at the end); (c) ``cv-serial`` and ``cv-parallel``, inside
``cross_val_score`` serially and with ``n_jobs=2``. Each measures the new
default (``n_jobs=None``: one thread) against the behaviour before
``n_jobs`` existed (``n_jobs=-1``: torch's own thread count, what a fit used
then), ``--repeats`` times after an untimed warm-up (imports, caches, the
cross-validation's worker processes), the order alternating. Rows record
the seconds, the threads torch ran on (noted by a callback in every epoch,
in the workers too: joblib's workers start with ``OMP_NUM_THREADS`` at
cores / ``n_jobs``, so there torch's own count is already that), the test
accuracy (or the mean CV accuracy) and the 1-minute load average before
and after. The default classifier on BasicMotions (bundled), with
``epochs=30, min_epochs=None, random_state=0``.

    python -m benchmarks.speed.bench_threads --out benchmarks/results/threads-cpu.json

``--quick`` (2 epochs, one repeat) checks that the script works.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from benchmarks import RESULTS
from benchmarks.cli import write_json

#: The two settings compared: the new default, and torch's own thread count (the old behaviour).
SETTINGS = {"n_jobs=None (one thread)": None, "n_jobs=-1 (torch's own count, as before)": -1}


def note_threads(folder: str, end) -> None:
    """A callback: write torch's thread count of this epoch to a file in ``folder`` (workers too)."""
    import torch

    Path(folder, f"{os.getpid()}-{time.monotonic_ns()}").write_text(str(torch.get_num_threads()))


def threads_seen(folder: str) -> list[int]:
    """The distinct thread counts the epochs noted in ``folder`` ran on (and empty the folder)."""
    counts = set()
    for p in Path(folder).iterdir():
        counts.add(int(p.read_text()))
        p.unlink()
    return sorted(counts)


def run(situation: str, n_jobs, data, epochs: int, folds: int, notes: str) -> dict:
    """One measurement: a fit and its test accuracy, or a cross-validation (``cv-serial``, ``cv-parallel``)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    from mlstm_fcn import MLSTMFCNClassifier

    X, y, X_test, y_test = data
    clf = MLSTMFCNClassifier(epochs=epochs, min_epochs=None, random_state=0, n_jobs=n_jobs, device="cpu",
                             augmentation=None,  # as the committed rows ran
                             callbacks=[functools.partial(note_threads, notes)])
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a fixed, short epoch count ends fits at their cap on purpose
        if situation.startswith("cv"):
            scores = cross_val_score(clf, X, y, cv=StratifiedKFold(folds), n_jobs=2 if situation == "cv-parallel"
                                     else None)
            accuracy = float(scores.mean())
        else:
            accuracy = float(clf.fit(X, y).score(X_test, y_test))
    seconds = time.perf_counter() - start
    return {"situation": situation, "setting": next(k for k, v in SETTINGS.items() if v == n_jobs),
            "n_jobs": n_jobs, "threads": threads_seen(notes), "seconds": round(seconds, 3), "accuracy": accuracy,
            "load_1min_before": load_before, "load_1min_after": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--folds", type=int, default=4, help="folds of the cross-validation situations")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats of each measurement")
    parser.add_argument("--situations", nargs="+", default=["quiet", "busy", "cv-serial", "cv-parallel"])
    parser.add_argument("--quick", action="store_true", help="2 epochs, 2 folds, one repeat (a smoke test)")
    parser.add_argument("--out", default=str(RESULTS / "threads-cpu.json"))
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.folds, args.repeats = 2, 2, 1

    import joblib
    import torch

    from mlstm_fcn.datasets import load_uea

    data = (*load_uea("BasicMotions", split="train"), *load_uea("BasicMotions", split="test"))
    report = {"machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                          "cores": joblib.cpu_count(), "torch": torch.__version__,
                          "torch_threads": torch.get_num_threads(),
                          "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")},
              "args": vars(args), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "rows": []}
    with tempfile.TemporaryDirectory() as notes:
        for situation in args.situations:
            busy = None
            if situation == "busy":
                busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            try:
                run(situation, None, data, args.epochs, args.folds, notes)  # untimed: warm caches, start workers
                for r in range(args.repeats):
                    for n_jobs in list(SETTINGS.values())[::1 if r % 2 == 0 else -1]:  # alternate who goes first
                        row = run(situation, n_jobs, data, args.epochs, args.folds, notes)
                        report["rows"].append(row)
                        print(f"{situation:12s} {row['setting']:40s} threads {row['threads']} "
                              f"{row['seconds']:8.2f} s  accuracy {row['accuracy']:.4f}  "
                              f"load {row['load_1min_before']:.2f} -> {row['load_1min_after']:.2f}", flush=True)
            finally:
                if busy is not None:
                    busy.kill()
                    busy.wait()
    write_json(report, args.out)
    return report


if __name__ == "__main__":
    main()
