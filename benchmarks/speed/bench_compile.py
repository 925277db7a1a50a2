"""Seconds per training epoch on a CPU: the estimator's network eager, compiled, and with denormals flushed.

Each variant fits :class:`~mlstm_fcn.MLSTMFCNClassifier` (the default
network, no stop rule, ``random_state=0``, ``n_jobs`` threads) on
BasicMotions (bundled) for ``--warmup`` + ``--epochs`` epochs at batch 16
and 128, the variants interleaved, ``--rounds`` times. Epoch seconds are
read off ``history_["time"]`` after the warm-up epochs (which hold the
compilation). Variants: ``eager``; ``flush-denormal``
(``torch.set_flush_denormal(True)``); ``compile`` and ``compile-max-autotune``
(the network's ``forward`` through ``torch.compile`` with ``mode="default"``
and ``"max-autotune-no-cudagraphs"``: forward and backward compiled, the
estimator's loop unchanged). A variant counts as giving the same results
when its training loss after the last epoch is within ``--rtol`` of eager's
(compiled kernels sum in another order). Writes per variant and batch size
the median seconds per epoch, its speed-up over eager, the losses, the test
accuracy, and the 1-minute load average before and after.

    python -m benchmarks.speed.bench_compile --out benchmarks/results/compile-cpu.json

``--quick`` (one round of 1 + 2 epochs, batch 16 and 128) checks that it works.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

from benchmarks import RESULTS
from benchmarks.cli import write_json

VARIANTS = ["eager", "flush-denormal", "compile", "compile-max-autotune"]
#: torch.compile's mode of each compiled variant.
MODES = {"compile": "default", "compile-max-autotune": "max-autotune-no-cudagraphs"}
#: Compiled versions of one function before torch runs it eagerly.
RECOMPILE_LIMIT = 64


def fit(variant: str, data, batch_size: int, epochs: int, n_jobs: int) -> dict:
    """One fit of ``variant``: its per-epoch seconds, last training loss and test accuracy."""
    import torch

    from mlstm_fcn import MLSTMFCNClassifier

    class Compiled(MLSTMFCNClassifier):
        # The network keeps its class and weights' names; only its forward (and so backward) is compiled.
        def _build_network(self):
            network = super()._build_network()
            network.forward = torch.compile(network.forward, mode=MODES[variant])
            return network

    cls = Compiled if variant in MODES else MLSTMFCNClassifier
    X, y, X_test, y_test = data
    clf = cls(epochs=epochs, min_epochs=None, stop_when_fitted=None, batch_size=batch_size, device="cpu",
              random_state=0, n_jobs=n_jobs)
    before = torch.get_flush_denormal() if hasattr(torch, "get_flush_denormal") else False
    torch.set_flush_denormal(variant == "flush-denormal")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a fixed epoch count ends fits at their cap on purpose
            clf.fit(X, y)
    finally:
        torch.set_flush_denormal(before)
    ends = clf.history_["time"]
    return {"epoch_seconds": [b - a for a, b in zip([0.0] + ends[:-1], ends)], "loss": clf.history_["loss"][-1],
            "test_accuracy": float(clf.score(X_test, y_test))}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[16, 128])
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=VARIANTS)
    parser.add_argument("--epochs", type=int, default=10, help="timed epochs per fit")
    parser.add_argument("--warmup", type=int, default=3, help="epochs per fit left out of the timing")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the variants")
    parser.add_argument("--n-jobs", type=int, default=1, help="the estimator's n_jobs (torch's threads)")
    parser.add_argument("--rtol", type=float, default=1e-3, help="relative tolerance of 'the same loss'")
    parser.add_argument("--quick", action="store_true", help="one round of 1 + 2 epochs (a smoke test)")
    parser.add_argument("--out", default=str(RESULTS / "compile-cpu.json"))
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.warmup, args.rounds = 2, 1, 1

    import torch
    import torch._dynamo

    from mlstm_fcn.datasets import load_uea

    # One fit compiles the forward for training and for evaluation, with and without autograd, and
    # for the last, smaller batch: more than the default 8 versions before torch falls back to eager.
    torch._dynamo.config.recompile_limit = RECOMPILE_LIMIT
    data = (*load_uea("BasicMotions", split="train"), *load_uea("BasicMotions", split="test"))
    report = {"machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                          "cores": os.cpu_count(), "torch": torch.__version__,
                          "recompile_limit": RECOMPILE_LIMIT},
              "args": vars(args), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "load_1min_before": os.getloadavg()[0], "results": []}
    for batch_size in args.batch_sizes:
        runs: dict[str, list[dict]] = {v: [] for v in args.variants}
        for r in range(args.rounds):
            for variant in args.variants[::1 if r % 2 == 0 else -1]:  # alternate who goes first
                runs[variant].append(fit(variant, data, batch_size, args.warmup + args.epochs, args.n_jobs))
        eager = runs.get("eager")
        for variant, fits in runs.items():
            timed = [s for f in fits for s in f["epoch_seconds"][args.warmup:]]
            row = {"batch_size": batch_size, "variant": variant, "seconds_per_epoch": statistics.median(timed),
                   "first_epochs_seconds": [f["epoch_seconds"][:args.warmup] for f in fits],
                   "losses": [f["loss"] for f in fits], "test_accuracy": [f["test_accuracy"] for f in fits]}
            if eager:
                base = statistics.median([s for f in eager for s in f["epoch_seconds"][args.warmup:]])
                row["speed_vs_eager"] = base / row["seconds_per_epoch"]
                row["same_loss_as_eager"] = all(abs(a["loss"] - b["loss"]) <= args.rtol * abs(b["loss"])
                                                for a, b in zip(fits, eager))
            report["results"].append(row)
            print(f"batch {batch_size:4d} {variant:22s} {row['seconds_per_epoch'] * 1e3:8.1f} ms/epoch "
                  f"x{row.get('speed_vs_eager', 1.0):.2f}  loss {row['losses']}  same {row.get('same_loss_as_eager')}",
                  flush=True)
    report["load_1min_after"] = os.getloadavg()[0]
    write_json(report, args.out)
    return report


if __name__ == "__main__":
    main()
