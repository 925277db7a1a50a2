"""Training and prediction speed of mlstm-fcn against a plain PyTorch loop and peers.

Each (method, dataset) runs in its own subprocess so that peak memory (RSS,
GPU max allocated) belongs to that run alone. Seconds per epoch are the
median over the epochs after warm-up.

    python benchmarks/bench_speed.py --archive ../shared/uea \\
        --datasets BasicMotions ArticularyWordRecognition --synthetic 20000x200x100 \\
        --out benchmarks/results/speed-cpu.json

Peers (sktime's LSTMFCNClassifierTorch, tsai's MLSTM_FCN) are measured when
installed and skipped with a note otherwise.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# H100 SXM dense bf16 peak (NVIDIA datasheet), for the achieved-FLOP/s ratio.
PEAK_BF16_TFLOPS = {"H100": 989.4, "H200": 989.4}


def load(dataset: str, archive: str | None, seed: int = 0):
    """(X, y) of a UEA dataset's train split, or a synthetic set 'NxCxT'."""
    if "x" in dataset and dataset.replace("x", "").isdigit():
        n, c, t = (int(v) for v in dataset.split("x"))
        rng = np.random.default_rng(seed)
        y = rng.integers(0, 10, size=n)
        X = rng.standard_normal((n, c, t), dtype=np.float32)
        X[np.arange(n), y % c, :] += 1.0  # learnable, so the loss moves
        return X, y
    from mlstm_fcn.datasets import load_uea

    return load_uea(dataset, "train", data_dir=archive)


def model_flops_per_sample(c: int, t: int, n_classes: int, units: int = 8,
                           filters=(128, 256, 128), kernels=(8, 5, 3)) -> float:
    """Forward multiply-adds x 2 of one sample (convolutions, LSTM, head)."""
    flops, c_in = 0.0, c
    for f, k in zip(filters, kernels):
        flops += 2.0 * c_in * f * k * t
        c_in = f
    flops += c * 2.0 * 4 * units * (t + units)  # LSTM over the c channel steps
    flops += 2.0 * (units + filters[-1]) * n_classes
    return flops


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker(method: str, dataset: str, archive: str | None, epochs: int, warmup: int, device: str) -> dict:
    """Run one measurement in this process; return its figures."""
    import torch

    X, y = load(dataset, archive)
    dev = device if device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    cuda = dev.startswith("cuda")
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    out = {"method": method, "dataset": dataset, "shape": list(X.shape), "device": dev}
    total = warmup + epochs
    if method.startswith("mlstm_fcn"):
        from mlstm_fcn import MLSTMFCNClassifier

        kwargs = {"mlstm_fcn": {}, "mlstm_fcn_fp32": {"precision": "fp32"},
                  "mlstm_fcn_nograph": {"cuda_graph": False, "precision": "fp32"}}[method]
        clf = MLSTMFCNClassifier(epochs=total, device=dev, random_state=0, **kwargs)
        start = time.perf_counter()
        clf.fit(X, y)
        fit_seconds = time.perf_counter() - start
        ends = np.array(clf.history_["time"])
        per_epoch = np.diff(np.concatenate([[0.0], ends]))
        out.update(fit_seconds=fit_seconds, loop_seconds=float(ends[-1]),
                   setup_seconds=fit_seconds - float(ends[-1]), used_cuda_graph=clf.used_cuda_graph_)
        predict = clf.predict_proba
    elif method == "plain_loop":
        from plain_loop import predict_plain, train_plain

        start = time.perf_counter()
        res = train_plain(X, y, total, dev)
        out["fit_seconds"] = time.perf_counter() - start
        per_epoch = np.array(res["epoch_seconds"])
        model = res["model"]

        def predict(Z):
            return predict_plain(model, Z, dev)
    elif method == "sktime_lstmfcn_torch":
        from sktime.classification.deep_learning.lstmfcn import LSTMFCNClassifierTorch

        clf = LSTMFCNClassifierTorch(num_epochs=total, batch_size=128, random_state=0)
        start = time.perf_counter()
        clf.fit(X.astype(np.float64), y)
        out["fit_seconds"] = time.perf_counter() - start
        per_epoch = np.full(total, out["fit_seconds"] / total)  # no per-epoch timings exposed
        out["note"] = "seconds/epoch = fit time / epochs (includes set-up)"
        predict = clf.predict_proba
    elif method == "tsai_mlstm_fcn":
        import tsai  # noqa: F401  # measured only when installed

        raise NotImplementedError("tsai is installed but its runner is not written yet")
    else:
        raise ValueError(method)
    steady = per_epoch[warmup:] if len(per_epoch) > warmup else per_epoch
    sec = float(statistics.median(steady))
    out.update(epochs=total, warmup=warmup, sec_per_epoch=sec, samples_per_sec=len(X) / sec)
    if cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    predict(X)
    pred_seconds = time.perf_counter() - start
    out["predict_samples_per_sec"] = len(X) / pred_seconds
    out["peak_rss_mb"] = peak_rss_mb()
    if cuda:
        out["gpu_max_allocated_mb"] = torch.cuda.max_memory_allocated() / 2**20
        out["gpu_name"] = torch.cuda.get_device_name()
    out["data_mb"] = X.nbytes / 2**20
    flops = model_flops_per_sample(X.shape[1], X.shape[2], len(np.unique(y)))
    out["train_tflops"] = 3.0 * flops * len(X) / sec / 1e12  # forward + backward ~ 3x forward
    return out


def available(method: str) -> str | None:
    """None when ``method`` can run here, else why not."""
    mod = {"sktime_lstmfcn_torch": "sktime", "tsai_mlstm_fcn": "tsai"}.get(method)
    if mod is None:
        return None
    try:
        __import__(mod)
    except ImportError:
        return f"{mod} not installed"
    if method == "tsai_mlstm_fcn":
        return "tsai runner not implemented"
    return None


def versions() -> dict:
    import sklearn
    import torch

    import mlstm_fcn

    info = {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "scikit-learn": sklearn.__version__, "mlstm_fcn": mlstm_fcn.__version__,
            "machine": platform.machine(), "cpu_count": __import__("os").cpu_count(),
            "torch_threads": torch.get_num_threads()}
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                        text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        info["commit"] = "unknown"
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name()
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=None, help="UEA archive directory (default: bundled datasets)")
    parser.add_argument("--datasets", nargs="+", default=["BasicMotions"])
    parser.add_argument("--synthetic", nargs="*", default=[], help="synthetic sets as NxCxT")
    parser.add_argument("--methods", nargs="+",
                        default=["mlstm_fcn", "plain_loop", "sktime_lstmfcn_torch", "tsai_mlstm_fcn"])
    parser.add_argument("--epochs", type=int, default=20, help="timed epochs after warm-up")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", default=None, help="JSON results file")
    parser.add_argument("--timeout", type=float, default=300, help="seconds allowed per measurement")
    parser.add_argument("--peers-on-synthetic", action="store_true",
                        help="also time peers on synthetic sets (slow: sktime converts them to float64)")
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "DATASET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.archive, args.epochs, args.warmup,
                                args.device)))
        return

    results, skipped = [], []
    for dataset in args.datasets + args.synthetic:
        for method in args.methods:
            why = available(method)
            if not why and method not in ("plain_loop",) and not method.startswith("mlstm_fcn") \
                    and dataset in args.synthetic and not args.peers_on_synthetic:
                why = "peers not run on synthetic sets (see --peers-on-synthetic)"
            if why:
                skipped.append({"method": method, "dataset": dataset, "reason": why})
                continue
            cmd = [sys.executable, __file__, "--worker", method, dataset, "--epochs", str(args.epochs),
                   "--warmup", str(args.warmup), "--device", args.device]
            if args.archive:
                cmd += ["--archive", args.archive]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
            except subprocess.TimeoutExpired:
                skipped.append({"method": method, "dataset": dataset, "reason": f"over {args.timeout} s"})
                print(f"{dataset:28s} {method:22s} TIMEOUT after {args.timeout} s", flush=True)
                continue
            if proc.returncode != 0:
                skipped.append({"method": method, "dataset": dataset,
                                "reason": "failed: " + proc.stderr.strip().splitlines()[-1][:300]})
                print(f"{dataset:28s} {method:22s} FAILED {skipped[-1]['reason']}", flush=True)
                continue
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            results.append(res)
            write_report(args, results, skipped, final=False)
            print(f"{dataset:28s} {method:22s} {res['sec_per_epoch']:9.4f} s/epoch "
                  f"{res['samples_per_sec']:10.0f} samples/s  predict {res['predict_samples_per_sec']:10.0f}/s "
                  f"rss {res['peak_rss_mb']:7.0f} MB"
                  + (f"  gpu {res['gpu_max_allocated_mb']:8.1f} MB" if "gpu_max_allocated_mb" in res else "")
                  + f"  {res['train_tflops']:.3f} TFLOP/s", flush=True)
    write_report(args, results, skipped)


def write_report(args, results: list, skipped: list, final: bool = True) -> None:
    """Print ratios (when final) and write the JSON report (also after every measurement)."""
    ratios = []
    for dataset in args.datasets + args.synthetic:
        ours = {r["method"]: r for r in results if r["dataset"] == dataset}
        if "mlstm_fcn" not in ours:
            continue
        for other, r in ours.items():
            if other != "mlstm_fcn":
                ratios.append({"dataset": dataset, "versus": other,
                               "speedup": r["sec_per_epoch"] / ours["mlstm_fcn"]["sec_per_epoch"]})
                if final:
                    print(f"{dataset:28s} mlstm_fcn is {ratios[-1]['speedup']:.2f}x {other}")
    if final:
        for s in skipped:
            print(f"skipped {s['method']} on {s['dataset']}: {s['reason']}")
    report = {"versions": versions(), "args": vars(args), "results": results, "ratios": ratios,
              "skipped": skipped, "complete": final}
    gpu = report["versions"].get("gpu", "")
    peak = next((v for k, v in PEAK_BF16_TFLOPS.items() if k in gpu), None)
    if peak:
        report["peak_bf16_tflops"] = peak
        for r in results:
            r["fraction_of_bf16_peak"] = r["train_tflops"] / peak
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2))
        if final:
            print(f"wrote {args.out}")

if __name__ == "__main__":
    main()
