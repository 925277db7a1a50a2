"""Where a fit spends its time: set-up against training, first fit of a shape against a repeat.

In one process: CUDA start (the first tensor on the device), then fits of
the paper preset in the order a cross-validation meets them: a first fit of
a shape, a repeat of it, a new shape, its repeat. Each fit is split into
phases by timing the functions the estimator calls (wrapped for the
measurement only): ``capture`` (CUDA-graph warm-up and capture), ``loop``
(the epochs, from the history's clock), ``train_other`` (the rest of the
training call: optimizer, data to the device), ``bn_statistics`` (the
recomputation after training) and ``outside`` (input checks, scaling, the
final figures). The issue's targets: 500 epochs of BasicMotions within
0.2 s for a repeat fit, and a first fit of a new shape within 1 s of a repeat.

    python -m benchmarks.speed.bench_setup --archive benchmarks/data/uea12.npz --out benchmarks/results/setup-gpu.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks.pack_uea_npz import load_split
from benchmarks.speed.bench_speed import versions


class PhaseClock:
    """Seconds spent inside wrapped functions, by phase name, since the last :meth:`reset`."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def reset(self) -> None:
        self.seconds = {}

    def timed(self, original, phase: str):
        """``original`` wrapped: its calls add their seconds to ``phase``."""

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - start

        return timed

    def wrap(self, owner, name: str, phase: str) -> None:
        """Time the attribute ``name`` of ``owner`` (a public class's method)."""
        setattr(owner, name, self.timed(getattr(owner, name), phase))

    def wrap_everywhere(self, function, phase: str) -> int:
        """Time a public function wherever a loaded module of the package holds it by name.

        The estimator imports the training functions into its own modules; replacing the name in every
        module of ``mlstm_fcn`` that holds it times the calls fit makes, without naming those modules.
        Returns how many modules held it (the measurement is void when none does).
        """
        timed = self.timed(function, phase)
        held = 0
        for module_name, module in list(sys.modules.items()):
            if module_name.split(".")[0] != "mlstm_fcn" or module is None:
                continue
            for attr, value in list(vars(module).items()):
                if value is function:
                    setattr(module, attr, timed)
                    held += 1
        return held


def main() -> None:
    import torch

    from mlstm_fcn import MLSTMFCNClassifier
    from mlstm_fcn.presets import get_preset
    from mlstm_fcn.training import cuda_graph, recompute_batchnorm_statistics, train

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=None)
    parser.add_argument("--datasets", nargs=2, default=["BasicMotions", "ERing"], help="two shapes")
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    clock = PhaseClock()
    # Timing wrappers around what the estimator calls (this process only).
    for function, phase in [(train, "train"), (recompute_batchnorm_statistics, "bn_statistics")]:
        if not clock.wrap_everywhere(function, phase):
            raise SystemExit(f"no module of mlstm_fcn calls {function.__name__}: the phases cannot be timed")
    clock.wrap(cuda_graph.GraphedEpoch, "__init__", "capture")
    clock.wrap(cuda_graph.GraphedBlock, "__init__", "capture")
    device = args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    start = time.perf_counter()
    torch.zeros(1, device=device).sum().item()
    cuda_start = time.perf_counter() - start
    report = {"versions": versions(), "args": vars(args), "cuda_start_seconds": cuda_start, "fits": []}
    params = {**get_preset("paper"), "epochs": args.epochs, "device": device, "random_state": 0}
    first, second = args.datasets
    for dataset, kind in [(first, "first fit of a shape"), (first, "repeat"), (second, "new shape"),
                          (second, "repeat")]:
        X, y = load_split(dataset, "train", args.archive)
        clock.reset()
        t0 = time.perf_counter()
        clf = MLSTMFCNClassifier(**params).fit(X, y)
        total = time.perf_counter() - t0
        phases = dict(clock.seconds)
        loop = float(clf.history_["time"][-1])
        capture = phases.get("capture", 0.0)
        row = {"dataset": dataset, "kind": kind, "fit_seconds": total, "loop": loop, "capture": capture,
               "train_other": phases.get("train", 0.0) - loop - capture,
               "bn_statistics": phases.get("bn_statistics", 0.0),
               "outside": total - phases.get("train", 0.0) - phases.get("bn_statistics", 0.0),
               "epochs": clf.n_epochs_, "used_cuda_graph": clf.used_cuda_graph_}
        report["fits"].append(row)
        print(f"{dataset:16s} {kind:22s} fit {total:7.3f} s  loop {loop:7.3f}  capture {capture:6.3f}  "
              f"other {row['train_other']:6.3f}  bn {row['bn_statistics']:6.3f}  outside {row['outside']:6.3f}",
              flush=True)
    fits = report["fits"]
    report["new_shape_minus_repeat_seconds"] = fits[2]["fit_seconds"] - fits[3]["fit_seconds"]
    report["repeat_fit_seconds"] = fits[1]["fit_seconds"]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
