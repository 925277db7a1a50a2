"""A constructed problem that 100 epochs cannot fit: does a rule for how long to train go on?

The 12 shared UEA sets are small and fit in a few dozen epochs, so they cannot
show whether a rule keeps training a network that is still learning (issue
21). This problem is made to need more: 20 classes of noisy, time-shifted
multi-channel waveforms, 2000 training series, each series scaled by its own
factor spread over four decades (as the fluxes of LSST, the UEA set on which
the defaults stopped at 100 epochs with training accuracy 0.58). Unscaled, the
small-amplitude series are learnt slowly: at 100 epochs the defaults, earlier
and current, are still learning (``results/hard-case/hard_case.csv``). Each configuration of ``configs.py`` named is fitted on the
training part and scored on a held-out part drawn from the same generator
(no label noise there); rows go to ``hard_case.csv`` (resumable), with the
epochs run, whether the fit converged (``converged_``), the returned model's
training accuracy and the fit time with the machine's load beside it.

    python -m benchmarks.studies.hard_case --configs defaults d_plateau d_steps --threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from benchmarks import RESULTS
from benchmarks.cli import add_run_arguments, prepare_run
from benchmarks.report.results_io import appending, device_label, read_rows
from benchmarks.studies.configs import CONFIGS, resolve, row_params

FIELDS = ["config", "seed", "n_train", "n_classes", "test_accuracy", "train_accuracy", "epochs_run", "converged",
          "fit_seconds", "load_average", "device", "params"]


def make_problem(n_train: int, n_test: int, n_classes: int = 20, n_channels: int = 3, length: int = 24,
                 noise: float = 1.0, label_noise: float = 0.0, scale_decades: float = 4.0, seed: int = 0):
    """``(X_train, y_train, X_test, y_test)``: class waveforms, shifted, noisy and scaled.

    Each class has, per channel, a sum of two sinusoids of its own frequencies and phases; a series is
    its class's waveform shifted in time by up to a quarter of its length, scaled by 0.7-1.3, plus
    Gaussian noise of standard deviation ``noise``, the whole series then multiplied by a factor
    log-uniform over ``scale_decades`` decades around 1. A fraction ``label_noise`` of the training
    labels is replaced by a random class (none by default: noisy labels keep the training loss
    falling by memorising them, which no length rule should reward); the test labels are clean.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(2 * length) / length
    freq = rng.uniform(0.5, 6.0, size=(n_classes, n_channels, 2))
    phase = rng.uniform(0, 2 * np.pi, size=(n_classes, n_channels, 2))
    waves = np.sin(2 * np.pi * freq[..., None] * t + phase[..., None]).sum(axis=2)  # (classes, channels, 2T)

    def draw(n: int):
        y = rng.integers(0, n_classes, size=n)
        shift = rng.integers(0, length // 4 + 1, size=n)
        X = np.stack([waves[c, :, s:s + length] for c, s in zip(y, shift)])
        X = X * rng.uniform(0.7, 1.3, size=(n, 1, 1)) + rng.normal(0, noise, size=X.shape)
        X = X * 10.0 ** rng.uniform(-scale_decades / 2, scale_decades / 2, size=(n, 1, 1))
        return X.astype(np.float32), y

    X_train, y_train = draw(n_train)
    X_test, y_test = draw(n_test)
    flip = rng.random(n_train) < label_noise
    y_train = np.where(flip, rng.integers(0, n_classes, size=n_train), y_train)
    return X_train, y_train, X_test, y_test


def run(args) -> Path:
    from mlstm_fcn import MLSTMFCNClassifier

    csv_path = prepare_run(args, "hard_case.csv")
    done = {(r["config"], r["seed"], r["n_train"]) for r in read_rows(csv_path)}
    X_train, y_train, X_test, y_test = make_problem(args.n_train, args.n_test, args.classes, seed=0)
    with appending(csv_path, FIELDS) as (writer, fh):
        for seed in args.seeds:
            for config in args.configs:
                if (config, str(seed), str(args.n_train)) in done:
                    continue
                params = {**resolve(CONFIGS[config], len(y_train)), **({"epochs": args.epochs} if args.epochs else {})}
                clf = MLSTMFCNClassifier(**{**params, "random_state": seed, "device": args.device})
                t0 = time.perf_counter()
                clf.fit(X_train, y_train)
                seconds = time.perf_counter() - t0
                writer.writerow({
                    "config": config, "seed": seed, "n_train": args.n_train, "n_classes": args.classes,
                    "test_accuracy": f"{clf.score(X_test, y_test):.4f}",
                    "train_accuracy": f"{clf.train_accuracy_:.4f}", "epochs_run": clf.n_epochs_,
                    "converged": clf.converged_, "fit_seconds": f"{seconds:.1f}",
                    "load_average": f"{os.getloadavg()[0]:.1f}", "device": device_label(clf),
                    "params": json.dumps(row_params(CONFIGS[config]), sort_keys=True, default=str)})
                fh.flush()
                print(f"{config} seed {seed}: test {clf.score(X_test, y_test):.4f}, {clf.n_epochs_} epochs, "
                      f"converged {clf.converged_}, {seconds:.0f} s", flush=True)
    return csv_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(parser, RESULTS / "hard-case")
    parser.add_argument("--configs", nargs="+", default=["defaults", "d_plateau"], choices=list(CONFIGS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument("--classes", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=None, help="override the configurations' epochs (smoke runs)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
