"""A measured peer on the same machine: aeon's ``MultiRocketHydraClassifier`` on the 12 UEA datasets.

Fits on each dataset's default TRAIN split and scores on TEST, one thread
(``n_jobs=1``; run it with ``OMP_NUM_THREADS=1``), one row per dataset and
seed in ``benchmarks/results/peers/peers.csv``: test accuracy, fit and
predict seconds, the 1-minute load average before the fit and after the
prediction (``os.getloadavg()``, a busy machine makes the timings slower),
and the versions. A rerun skips the rows already there (resumable).

aeon is not a dependency of mlstm-fcn: it lives in the ``peers`` extra and,
as it may want another scikit-learn than ``constraints.txt`` pins, in a venv
of its own (``docs/peers-setup.md``):

    OMP_NUM_THREADS=1 /work/peers-venv/bin/python -m benchmarks.peers.bench_peers \\
        --archive ../shared/uea --seeds 0 1 2

MultiRocket and Hydra convolve with kernels of length 9, and MultiRocket also
convolves the first differences of each series, one step shorter: aeon 1.6.0
refuses series of 8 steps ("n_timepoints must be >= 9") and fails inside
MultiRocket on series of exactly 9 ("unable to broadcast argument 1 to output
array"), so series are brought to :data:`MIN_LENGTH` = 10 steps. Two of the
12 sets need padding: PenDigits (all series of 8 steps) and JapaneseVowels
(unequal lengths, 7 to 29 steps). Both are padded at the end by repeating each
channel's last value (:func:`pad_last_value`), train and test to the same
length; no dataset is dropped, and each row says how its data were padded.

aeon compiles its kernels with numba on first use (about a minute on a busy
2-core machine), so each process first fits and predicts once on a small random
set, untimed; the timed fits are those of compiled code.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np

from benchmarks import RESULTS
from benchmarks.report.published import PUBLISHED
from benchmarks.report.results_io import appending, read_rows

OUT = RESULTS / "peers" / "peers.csv"
#: The shortest series aeon 1.6.0's MultiRocket-Hydra fits (kernels of 9 on the first differences too).
MIN_LENGTH = 10
FIELDS = ["method", "dataset", "seed", "accuracy", "fit_seconds", "predict_seconds", "n_train", "n_test",
          "channels", "length", "padding", "n_jobs", "omp_num_threads", "load1_before", "load1_after",
          "aeon", "scikit_learn", "numpy", "python", "cpu"]


def multirocket_hydra(seed: int, n_jobs: int):
    """aeon's ``MultiRocketHydraClassifier`` with its defaults, seeded, on ``n_jobs`` threads."""
    from aeon.classification.convolution_based import MultiRocketHydraClassifier

    return MultiRocketHydraClassifier(random_state=seed, n_jobs=n_jobs)


#: Method name in the results -> estimator factory ``(seed, n_jobs) -> estimator``.
METHODS = {"multirocket_hydra": multirocket_hydra}


def series_lengths(X: np.ndarray) -> np.ndarray:
    """Steps of each series of ``X`` (n, channels, steps): a trailing all-NaN tail is not counted."""
    observed = ~np.isnan(X).all(axis=1)  # (n, steps): a step is observed when any channel has a value
    return np.where(observed.any(axis=1), X.shape[2] - np.argmax(observed[:, ::-1], axis=1), 0)


def describe_padding(lengths: np.ndarray, length: int) -> str:
    """What :func:`pad_last_value` does to series of ``lengths`` steps brought to ``length``, for the rows."""
    if (lengths == length).all():
        return "none"
    what = f"length {lengths[0]}" if lengths.min() == lengths.max() else \
        f"unequal lengths {lengths.min()}-{lengths.max()}"
    return f"{what} padded to {length} by repeating each channel's last value"


def pad_last_value(X: np.ndarray, length: int = MIN_LENGTH) -> tuple[np.ndarray, str]:
    """``X`` (n, channels, steps; a trailing NaN tail marks a shorter series) made whole.

    Every series is brought to ``max(steps, length)`` steps: its NaN tail and any
    steps beyond the array take each channel's last observed value. Returns the
    padded array and a description for the results (``"none"`` when nothing changed).
    """
    X = np.asarray(X, dtype=np.float64)
    n, c, t = X.shape
    lengths = series_lengths(X)
    if (lengths < 1).any():
        raise ValueError("a series without any observed step cannot be padded")
    target = max(t, length)
    out = np.empty((n, c, target))
    for i, k in enumerate(lengths):
        out[i, :, :k] = X[i, :, :k]
        out[i, :, k:] = X[i, :, k - 1:k]
    if np.isnan(out).any():
        raise ValueError("NaN inside a series (not only at its end): not padded here")
    return out, describe_padding(lengths, target)


def warm_up(method: str, n_jobs: int) -> float:
    """Fit and predict once on a small random set, so that numba's compilation is not timed; its seconds."""
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    clf = METHODS[method](0, n_jobs).fit(rng.standard_normal((20, 2, 16)), np.arange(20) % 2)
    clf.predict(rng.standard_normal((4, 2, 16)))
    seconds = time.perf_counter() - t0
    print(f"{method}: warm-up fit and predict (compilation) {seconds:.1f} s, not timed", flush=True)
    return seconds


def versions() -> dict:
    """The versions the rows record (aeon's empty where aeon is not installed)."""
    import sklearn

    try:
        from importlib.metadata import version

        aeon = version("aeon")
    except Exception:  # noqa: BLE001 - not installed: a stub estimator in the tests
        aeon = ""
    return {"aeon": aeon, "scikit_learn": sklearn.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "cpu": platform.processor() or platform.machine()}


def run(archive, datasets, seeds, method: str, n_jobs: int, out: Path) -> list[dict]:
    """Fit and score what ``out`` lacks; returns the rows written now."""
    from benchmarks.pack_uea_npz import load_split

    out.parent.mkdir(parents=True, exist_ok=True)
    done = {(r["method"], r["dataset"], r["seed"]) for r in read_rows(out)}
    jobs = [(d, s) for s in seeds for d in datasets if (method, d, str(s)) not in done]  # seed 0 first
    written = []
    if jobs:
        warm_up(method, n_jobs)
    with appending(out, FIELDS) as (writer, fh):
        data = {}
        for dataset, seed in jobs:
            if dataset not in data:
                (X_tr, y_tr), (X_te, y_te) = (load_split(dataset, s, archive) for s in ("train", "test"))
                shape = X_tr.shape
                length = max(MIN_LENGTH, X_tr.shape[2], X_te.shape[2])  # train and test alike
                padding = describe_padding(np.concatenate([series_lengths(X_tr), series_lengths(X_te)]), length)
                X_tr, X_te = pad_last_value(X_tr, length)[0], pad_last_value(X_te, length)[0]
                data = {dataset: (X_tr, y_tr, X_te, y_te, shape, padding)}
            X_tr, y_tr, X_te, y_te, shape, padding = data[dataset]
            clf = METHODS[method](seed, n_jobs)
            load_before = os.getloadavg()[0]
            t0 = time.perf_counter()
            clf.fit(X_tr, y_tr)
            fit_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            pred = clf.predict(X_te)
            predict_s = time.perf_counter() - t0
            row = {"method": method, "dataset": dataset, "seed": seed,
                   "accuracy": f"{float(np.mean(np.asarray(pred) == np.asarray(y_te))):.6f}",
                   "fit_seconds": f"{fit_s:.3f}", "predict_seconds": f"{predict_s:.3f}",
                   "n_train": shape[0], "n_test": len(y_te), "channels": shape[1], "length": shape[2],
                   "padding": padding, "n_jobs": n_jobs, "omp_num_threads": os.environ.get("OMP_NUM_THREADS", ""),
                   "load1_before": f"{load_before:.2f}", "load1_after": f"{os.getloadavg()[0]:.2f}",
                   **versions()}
            writer.writerow(row)
            fh.flush()
            written.append(row)
            print(f"{method} {dataset} seed {seed}: accuracy {row['accuracy']}, fit {fit_s:.1f} s, "
                  f"predict {predict_s:.1f} s, load {row['load1_before']}", flush=True)
    return written


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=None,
                        help="UEA archive directory, or a packed .npz (pack_uea_npz.py); default: bundled datasets")
    parser.add_argument("--datasets", nargs="+", default=list(PUBLISHED))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--method", choices=sorted(METHODS), default="multirocket_hydra")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    run(args.archive, args.datasets, args.seeds, args.method, args.n_jobs, Path(args.out))


if __name__ == "__main__":
    main()
