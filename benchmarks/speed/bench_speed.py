"""Training and prediction speed of mlstm-fcn against a plain PyTorch loop and peers.

Each (method, dataset) runs in its own subprocess so that peak memory (RSS,
GPU max allocated) belongs to that run alone. Seconds per epoch are the
median over the epochs after warm-up.

    python -m benchmarks.speed.bench_speed --archive ../shared/uea \\
        --datasets BasicMotions ArticularyWordRecognition --synthetic 20000x200x100 \\
        --out benchmarks/results/speed-cpu.json

Peers are measured when installed and skipped with the reason otherwise:

* ``sktime_lstmfcn_torch``: sktime's ``LSTMFCNClassifierTorch``;
* ``sktime_lstmfcn_tf``: sktime's TensorFlow ``LSTMFCNClassifier`` (needs ``tensorflow``);
* ``tsai_mlstm_fcn``: tsai's ``MLSTM_FCN`` trained through ``TSClassifier`` (needs ``tsai``,
  hence fastai and a torchvision that imports beside the installed torch).

A peer that cannot share an interpreter with the others runs its worker under another one:
``--peer-python tsai_mlstm_fcn=/path/to/venv/bin/python`` (see ``docs/peers-setup.md``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks import REPO

METHODS = ["mlstm_fcn", "mlstm_fcn_fp32", "mlstm_fcn_nograph", "mlstm_fcn_fused", "mlstm_fcn_cutmix", "plain_loop",
           "sktime_lstmfcn_torch",
           "sktime_lstmfcn_tf", "tsai_mlstm_fcn"]
DEFAULT_METHODS = ["mlstm_fcn", "plain_loop", "sktime_lstmfcn_torch", "sktime_lstmfcn_tf", "tsai_mlstm_fcn"]
# What a peer needs importable (the modules its runner imports).
PEER_MODULES = {"sktime_lstmfcn_torch": ["sktime.classification.deep_learning.lstmfcn"],
                "sktime_lstmfcn_tf": ["tensorflow", "sktime.classification.deep_learning.lstmfcn"],
                "tsai_mlstm_fcn": ["tsai.tslearner", "tsai.models.RNN_FCN", "tsai.inference"]}

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
    from benchmarks.pack_uea_npz import load_split

    return load_split(dataset, "train", archive)


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
                  "mlstm_fcn_nograph": {"cuda_graph": False, "precision": "fp32"},
                  # One network through the fused path: several epochs per graph replay.
                  "mlstm_fcn_fused": {"fused": True},
                  # The classifier's default augmentation: on a GPU its epochs run without the graph.
                  "mlstm_fcn_cutmix": {"augmentation": "cutmix"}}[method]
        # n_jobs=-1: torch's thread count (recorded as torch_threads), as the plain loop runs on;
        # no augmentation unless the method says so: the others train the same steps on the same batches.
        clf = MLSTMFCNClassifier(epochs=total, device=dev, random_state=0, n_jobs=-1,
                                 **{"augmentation": None, **kwargs})
        start = time.perf_counter()
        clf.fit(X, y)
        fit_seconds = time.perf_counter() - start
        ends = np.array(clf.history_["time"])
        per_epoch = np.diff(np.concatenate([[0.0], ends]))
        out.update(fit_seconds=fit_seconds, loop_seconds=float(ends[-1]),
                   setup_seconds=fit_seconds - float(ends[-1]), used_cuda_graph=clf.used_cuda_graph_)
        predict = clf.predict_proba
    elif method == "plain_loop":
        from benchmarks.speed.plain_loop import predict_plain, train_plain

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
    elif method == "sktime_lstmfcn_tf":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
        from keras.callbacks import LambdaCallback
        from sktime.classification.deep_learning.lstmfcn import LSTMFCNClassifier

        cuda = False  # torch's GPU counters say nothing about TensorFlow
        out["device"] = "gpu" if tf.config.list_physical_devices("GPU") else "cpu"
        # sktime deep-copies the callbacks; the lambdas (copied by reference) keep appending to `marks`.
        marks: list[float] = []
        timer = LambdaCallback(on_train_begin=lambda logs=None: marks.append(time.perf_counter()),
                               on_epoch_end=lambda epoch, logs=None: marks.append(time.perf_counter()))
        clf = LSTMFCNClassifier(n_epochs=total, batch_size=128, random_state=0, callbacks=[timer])
        start = time.perf_counter()
        clf.fit(X, y)
        out["fit_seconds"] = time.perf_counter() - start
        per_epoch = np.diff(np.array(marks))
        if len(per_epoch) != total:
            raise RuntimeError(f"epoch timer saw {len(per_epoch)} epochs, expected {total}")
        out["note"] = ("seconds/epoch from a Keras callback at each epoch end; sktime defaults (Keras Adam "
                       "lr 1e-3, lstm_size 8, kernels 8/5/3, dropout 0.8, no LR schedule)")
        predict = clf.predict_proba
    elif method == "tsai_mlstm_fcn":
        import tsai.inference  # noqa: F401  # patches Learner.get_X_preds
        from fastai.callback.core import Callback
        from tsai.data.core import TSClassification
        from tsai.models.RNN_FCN import MLSTM_FCN
        from tsai.tslearner import TSClassifier
        from tsai.utils import set_seed

        class EpochTimer(Callback):
            """Seconds since the start of `fit` at each epoch end (after fastai's own after_epoch work)."""

            order = 100

            def before_fit(self):
                self.epoch_marks = [time.perf_counter()]

            def after_epoch(self):
                self.epoch_marks.append(time.perf_counter())

        timer = EpochTimer()
        set_seed(0, reproducible=False)
        start = time.perf_counter()
        # The paper's MLSTM-FCN: LSTM of 8 cells over the shuffled dimensions, kernels 8/5/3, SE ratio 16,
        # dropout 0.8; Adam at a constant 1e-3 (no weight decay), batches of 128, every sample every epoch.
        learn = TSClassifier(X, y, splits=None, tfms=[None, TSClassification()], arch=MLSTM_FCN,
                             arch_config={"hidden_size": 8, "kss": [8, 5, 3]}, batch_size=128, drop_last=False,
                             lr=1e-3, wd=0.0, metrics=None, device=torch.device(dev), cbs=[timer])
        with learn.no_bar(), learn.no_logging():
            learn.fit(total, lr=1e-3)
        out["fit_seconds"] = time.perf_counter() - start
        per_epoch = np.diff(np.array(timer.epoch_marks))
        if len(per_epoch) != total:
            raise RuntimeError(f"epoch timer saw {len(per_epoch)} epochs, expected {total}")
        out["note"] = ("tsai TSClassifier(arch=MLSTM_FCN, hidden_size=8, kss=[8,5,3]) + Learner.fit at a "
                       "constant lr 1e-3 (not fit_one_cycle), wd 0, drop_last=False, no validation set, "
                       "progress bar and logging off; seconds/epoch from a fastai callback at each epoch end")

        def predict(Z):
            with learn.no_bar():
                return learn.get_X_preds(Z, bs=128, with_decoded=False)[0]
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
    out["runtime"] = runtime_versions(method)
    flops = model_flops_per_sample(X.shape[1], X.shape[2], len(np.unique(y)))
    out["train_tflops"] = 3.0 * flops * len(X) / sec / 1e12  # forward + backward ~ 3x forward
    return out


def runtime_versions(method: str) -> dict:
    """The interpreter and library versions a worker ran with (peers may run under another Python)."""
    from importlib.metadata import PackageNotFoundError, version

    info = {"python_executable": sys.executable}
    wanted = {"sktime_lstmfcn_torch": ["sktime"], "sktime_lstmfcn_tf": ["sktime", "tensorflow", "keras"],
              "tsai_mlstm_fcn": ["tsai", "fastai", "torchvision"]}.get(method, [])
    for dist in ["torch", *wanted]:
        try:
            info[dist] = version(dist)
        except PackageNotFoundError:
            pass
    return info


def _import_check(method: str) -> str | None:
    """Import what ``method`` needs, in this process; None when it can run, else why not."""
    for mod in PEER_MODULES.get(method, []):
        try:
            __import__(mod)
        except ImportError as exc:
            return f"{mod.split('.')[0]} not installed ({exc})"
        except Exception as exc:  # noqa: BLE001  # e.g. a torchvision built for another torch
            why = f"{mod} fails to import: {type(exc).__name__}: {exc}"
            if "torchvision::" in str(exc):
                why += (" (torchvision's compiled ops do not load beside this torch, e.g. PyPI's CUDA torchvision "
                        "with a CPU-only torch; give the peer its own venv: --peer-python, docs/peers-setup.md)")
            return why
    if method.startswith("sktime_"):
        # sktime checks distributions by name: tensorflow-cpu, for one, does not count as 'tensorflow'.
        from sktime.classification.deep_learning import lstmfcn
        from sktime.utils.dependencies import _check_estimator_deps

        cls = {"sktime_lstmfcn_torch": lstmfcn.LSTMFCNClassifierTorch,
               "sktime_lstmfcn_tf": lstmfcn.LSTMFCNClassifier}[method]
        if not _check_estimator_deps(cls, severity="none"):
            return (f"sktime refuses {cls.__name__}: its python_dependencies "
                    f"{cls.get_class_tag('python_dependencies')!r} are not installed as such")
    return None


_AVAILABLE: dict = {}


def available(method: str, python: str | None = None) -> str | None:
    """None when ``method`` can run under ``python`` (default: this one), else why not.

    Peers are imported in a subprocess, so that TensorFlow, fastai and the rest are
    neither loaded into this process nor into each other's measurements.
    """
    if method not in PEER_MODULES:
        return None
    python = python or sys.executable
    if (method, python) not in _AVAILABLE:
        try:
            proc = subprocess.run([python, "-m", __spec__.name, "--available", method], capture_output=True, text=True,
                                  timeout=600, check=False, cwd=REPO)
            lines = proc.stdout.strip().splitlines()
            if proc.returncode == 0 and lines:
                why = json.loads(lines[-1])["why"]
            else:
                why = f"import check under {python} failed: " + _last_line(proc)
        except (OSError, subprocess.TimeoutExpired) as exc:
            why = f"cannot run {python}: {exc}"
        _AVAILABLE[method, python] = why
    return _AVAILABLE[method, python]


def _last_line(proc: subprocess.CompletedProcess) -> str:
    lines = (proc.stderr or proc.stdout or "").strip().splitlines()
    return lines[-1][:300] if lines else f"exit status {proc.returncode}, no output"


def versions() -> dict:
    import sklearn
    import torch

    import mlstm_fcn

    info = {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
            "scikit-learn": sklearn.__version__, "mlstm_fcn": mlstm_fcn.__version__,
            "machine": platform.machine(), "cpu_count": __import__("os").cpu_count(),
            "torch_threads": torch.get_num_threads()}
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
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
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=DEFAULT_METHODS, metavar="METHOD",
                        help=f"any of {', '.join(METHODS)} (default: {' '.join(DEFAULT_METHODS)})")
    parser.add_argument("--epochs", type=int, default=20, help="timed epochs after warm-up")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", default=None, help="JSON results file")
    parser.add_argument("--timeout", type=float, default=300, help="seconds allowed per measurement")
    parser.add_argument("--peers-on-synthetic", action="store_true",
                        help="also time peers on synthetic sets (slow: sktime converts them to float64)")
    parser.add_argument("--peer-python", action="append", default=[], metavar="METHOD=PYTHON",
                        help="run METHOD's worker (and its import check) under another interpreter, e.g. "
                             "tsai_mlstm_fcn=/work/tsaivenv/bin/python; repeatable")
    parser.add_argument("--worker", nargs=2, metavar=("METHOD", "DATASET"), help=argparse.SUPPRESS)
    parser.add_argument("--available", metavar="METHOD", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.available:
        print(json.dumps({"why": _import_check(args.available)}))
        return
    peer_python = {}
    for item in args.peer_python:
        method, sep, python = item.partition("=")
        if not sep or method not in METHODS or not python:
            parser.error(f"--peer-python wants METHOD=PYTHON with METHOD one of {METHODS}, got {item!r}")
        peer_python[method] = python
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], args.archive, args.epochs, args.warmup,
                                args.device)))
        return

    results, skipped = [], []
    for dataset in args.datasets + args.synthetic:
        for method in args.methods:
            python = peer_python.get(method, sys.executable)
            why = available(method, python)
            if not why and method not in ("plain_loop",) and not method.startswith("mlstm_fcn") \
                    and dataset in args.synthetic and not args.peers_on_synthetic:
                why = "peers not run on synthetic sets (see --peers-on-synthetic)"
            if why:
                skipped.append({"method": method, "dataset": dataset, "reason": why})
                continue
            cmd = [python, "-m", __spec__.name, "--worker", method, dataset, "--epochs", str(args.epochs),
                   "--warmup", str(args.warmup), "--device", args.device]
            if args.archive:
                cmd += ["--archive", args.archive]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, check=False, cwd=REPO)
            except subprocess.TimeoutExpired:
                skipped.append({"method": method, "dataset": dataset, "reason": f"over {args.timeout} s"})
                print(f"{dataset:28s} {method:22s} TIMEOUT after {args.timeout} s", flush=True)
                continue
            if proc.returncode != 0:
                skipped.append({"method": method, "dataset": dataset,
                                "reason": "failed: " + _last_line(proc)})
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
