"""Prediction on the CPU: the exported ONNX graph in ONNX Runtime against ``predict_proba``.

A classifier with the default (paper-size) network is fitted briefly on
BasicMotions (weights do not change the cost of a forward pass), exported
with :meth:`~mlstm_fcn.MLSTMFCNClassifier.export_onnx`, and both run on
BasicMotions test series: one series at a time (latency) and 1,024 at once
(throughput, the test series repeated). Each figure is the median of
``--repeats`` timed calls after warm-up calls, the two methods taking turns;
both use the same number of CPU threads. The load of the machine at the time
is recorded beside them.

    python -m benchmarks.speed.bench_onnx --out-dir benchmarks/results

writes ``onnx-cpu.json``; ``--tiny`` (a small network, few repeats) only
checks that the script runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import RESULTS
from benchmarks.cli import prepare_run
from benchmarks.report.results_io import device_label
from benchmarks.speed.bench_speed import versions

BATCHES = (1, 1024)
TINY = dict(filters=(8, 8, 8), kernel_sizes=(3, 3, 3), se_reduction=4, lstm_units=4)


def cpu_model() -> str | None:
    """The CPU's model name (Linux), which ``device_label`` cannot always give."""
    try:
        with open("/proc/cpuinfo") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), None)
    except OSError:
        return None


def timed(calls: dict, repeats: int, warmup: int) -> dict[str, list[float]]:
    """Seconds of ``repeats`` calls of each of ``calls`` (name -> function) after ``warmup`` untimed ones.

    The calls take turns, so that a change in the machine's load (a shared machine) falls on all alike.
    """
    for _ in range(warmup):
        for call in calls.values():
            call()
    seconds = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            seconds[name].append(time.perf_counter() - start)
    return seconds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=None, help="CPU threads of torch and ONNX Runtime")
    parser.add_argument("--repeats", type=int, default=30, help="timed calls per figure")
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls first")
    parser.add_argument("--tiny", action="store_true", help="small network and 2 repeats: a check that it runs")
    parser.add_argument("--out-dir", default=str(RESULTS))
    parser.add_argument("--name", default="onnx-cpu.json", help="results file in --out-dir")
    args = parser.parse_args(argv)
    if args.tiny:
        args.repeats, args.warmup = 2, 1
    out = prepare_run(args, args.name)

    import onnxruntime as ort
    import torch

    from mlstm_fcn import MLSTMFCNClassifier
    from mlstm_fcn.datasets import load_uea

    threads = torch.get_num_threads()
    load_start = os.getloadavg()[0]
    X_train, y_train = load_uea("BasicMotions", split="train")
    X_test, _ = load_uea("BasicMotions", split="test")
    network = TINY if args.tiny else {}
    # n_jobs=-1: torch's thread count, the one ONNX Runtime gets.
    clf = MLSTMFCNClassifier(epochs=1, device="cpu", random_state=0, n_jobs=-1, **network).fit(X_train, y_train)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.onnx"
        start = time.perf_counter()
        clf.export_onnx(path)
        export_seconds = time.perf_counter() - start
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # ONNX Runtime's idle threads spin by default, which would take the cores from torch's turn.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        model_bytes = path.stat().st_size

    results = []
    for batch in BATCHES:
        X = np.ascontiguousarray(np.resize(X_test, (batch,) + X_test.shape[1:]), dtype=np.float32)
        diff = float(np.abs(session.run(None, {"series": X})[0] - clf.predict_proba(X)).max())
        calls = {"predict_proba": lambda: clf.predict_proba(X),
                 "onnxruntime": lambda: session.run(None, {"series": X})}
        for method, seconds in timed(calls, args.repeats, args.warmup).items():
            median = statistics.median(seconds)
            results.append({"method": method, "batch": batch, "median_ms": 1000 * median,
                            "min_ms": 1000 * min(seconds), "series_per_sec": batch / median,
                            "repeats": args.repeats, "max_abs_diff": diff})
    for batch in BATCHES:
        rows = {r["method"]: r for r in results if r["batch"] == batch}
        rows["onnxruntime"]["speedup"] = rows["predict_proba"]["median_ms"] / rows["onnxruntime"]["median_ms"]
    report = {
        "versions": {**versions(), "onnxruntime": ort.__version__},
        "device": device_label(clf),
        "cpu_model": cpu_model(),
        "threads": threads,
        "onnxruntime_spinning": False,
        "load_average_1min": {"start": load_start, "end": os.getloadavg()[0]},
        "input": {"dataset": "BasicMotions (test series, repeated to the batch)",
                  "shape": [None, int(X_test.shape[1]), int(X_test.shape[2])]},
        "network": "tiny" if args.tiny else "default (paper size)",
        "export_seconds": export_seconds,
        "onnx_bytes": model_bytes,
        "results": results,
    }
    out.write_text(json.dumps(report, indent=2) + "\n")
    for r in results:
        print(f"{r['method']:>14} batch {r['batch']:>5}: {r['median_ms']:9.2f} ms, "
              f"{r['series_per_sec']:10.1f} series/s (max |diff| {r['max_abs_diff']:.1e})")
    print(f"wrote {out}")
    return report


if __name__ == "__main__":
    main()
