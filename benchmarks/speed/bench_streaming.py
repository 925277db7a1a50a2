"""Streamed against resident training, and 1 against 2 data-parallel processes, on a memory-mapped set.

A synthetic training set several times larger than a memory cap is written
to a ``.npy`` file. Each run is its own subprocess (peak memory belongs to it
alone):

* ``resident``: the set read into memory and fit with ``data_on_device=True``
  (no cap: it needs the whole set in memory);
* ``streamed``: the memory-mapped file fit as it is (``data_on_device`` "auto",
  streamed on the CPU) under ``RLIMIT_DATA`` = the process's own needs (a warm-up
  fit on a few batches) + ``--cap-mb``;
* ``processes_1`` / ``processes_2``: the streamed fit by ``torchrun -m mlstm_fcn.distributed``
  with one process and with two (gloo), one thread each, as every run here: on a shared,
  oversubscribed CPU a 2-thread OpenMP team mostly waits for its descheduled thread;
* on CUDA, ``cuda_resident`` / ``cuda_streamed`` with the GPU's peak allocated memory.

Samples/s count training epochs only (history ``time``, after the first
epoch), not the passes after training. Peak RSS is ``ru_maxrss``, which also
counts the file's pages that the page cache maps in; ``peak_anon_mb`` (sampled
``RssAnon``) is the process's own memory, the part the cap bounds.

    python -m benchmarks.speed.bench_streaming --out benchmarks/results/streaming-cpu.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks import REPO, RESULTS

#: The network of every run: the paper's filters are slow on a 2-core CPU; the data path is what is measured.
NETWORK = dict(filters=[8, 16, 8], kernel_sizes=[8, 5, 3], lstm_units=8, stop_when_fitted=None,
               scaling="channel", augmentation=None)


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


class AnonPeak:
    """Peak of the process's anonymous resident memory, sampled every 10 ms in a thread."""

    def __init__(self) -> None:
        self.peak = _status_kb("RssAnon")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _status_kb("RssAnon"))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 1024.0


def write_dataset(path: Path, n: int, c: int, t: int, seed: int = 0) -> None:
    """A learnable synthetic set (class = the channel with a bump), written in blocks, never whole in memory."""
    rng = np.random.default_rng(seed)
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, c, t))
    y = rng.integers(0, 4, size=n)
    step = max(1, (16 << 20) // (4 * c * t))
    for start in range(0, n, step):
        stop = min(start + step, n)
        block = rng.standard_normal((stop - start, c, t), dtype=np.float32)
        block[np.arange(stop - start), y[start:stop] % c, t // 4: t // 2] += 1.0
        mm[start:stop] = block
    mm.flush()
    np.save(path.with_name(path.stem + "-y.npy"), y)


def samples_per_second(history: dict, n: int) -> float:
    """Training samples per second over the epochs after the first (all of them when there is one)."""
    times = history["time"]
    if len(times) > 1:
        return n * (len(times) - 1) / (times[-1] - times[0])
    return n / times[0]


def worker(spec: dict) -> dict:
    """One run in this process: fit, and what it measured."""
    import torch

    from mlstm_fcn import MLSTMFCNClassifier

    torch.set_num_threads(spec["threads"])
    y = np.load(spec["y"])
    # Passes after training read predict_batch_size series at once: the same size as training's batches,
    # so that what the process may add under the cap is a multiple of one batch size.
    params = dict(NETWORK, epochs=spec["epochs"], batch_size=spec["batch_size"], random_state=0,
                  predict_batch_size=spec["batch_size"], device=spec["device"],
                  data_on_device=spec["data_on_device"], n_jobs=-1)  # the threads set above
    mm = np.load(spec["X"], mmap_mode="r")
    out = {}
    anon = AnonPeak()  # its thread started before the cap: a thread's stack counts against RLIMIT_DATA
    if spec.get("cap_mb") is not None:
        # Warm-up on a few batches: what torch and a fit of this batch size need.
        warm = np.asarray(mm[: 4 * spec["batch_size"]])
        MLSTMFCNClassifier(**dict(params, epochs=1)).fit(warm, y[: len(warm)])
        del warm
        baseline = _status_kb("VmData") * 1024
        cap = baseline + spec["cap_mb"] * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
        out["cap_above_baseline_mb"] = spec["cap_mb"]
    X = np.array(mm) if spec["in_memory"] else mm
    if torch.cuda.is_available() and params["device"].startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    clf = MLSTMFCNClassifier(**params).fit(X, y)
    out["fit_s"] = time.perf_counter() - start
    out["peak_anon_mb"] = anon.stop()
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    out["samples_per_s"] = samples_per_second(clf.history_, len(y))
    out["data_on_device"] = bool(clf.data_on_device_)
    if clf.device_.type == "cuda":
        out["gpu_peak_allocated_mb"] = torch.cuda.max_memory_allocated(clf.device_) / 2**20
    return out


def _run_worker(spec: dict) -> dict:
    env = dict(os.environ, MALLOC_ARENA_MAX="2", OMP_NUM_THREADS=str(spec["threads"]))
    proc = subprocess.run([sys.executable, "-m", __spec__.name, "--worker", json.dumps(spec)], capture_output=True,
                          text=True, env=env, cwd=REPO)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    return json.loads(proc.stdout.split("RESULT", 1)[1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_processes(spec: dict, processes: int, threads: int, workdir: Path) -> dict:
    """The streamed fit by torchrun on ``processes`` CPU processes of ``threads`` threads; samples/s from its model."""
    from mlstm_fcn import MLSTMFCNClassifier

    out = workdir / f"model-{processes}.safetensors"
    # n_jobs=-1: the OMP_NUM_THREADS below (the estimator's own default is one thread).
    params = dict(NETWORK, epochs=spec["epochs"], batch_size=spec["batch_size"], data_on_device=False,
                  device="cpu", n_jobs=-1)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(processes),
           "--master_addr", "127.0.0.1", "--master_port", str(_free_port()), "-m", "mlstm_fcn.distributed",
           "--X", spec["X"], "--y", spec["y"], "--out", str(out), "--backend", "gloo"]
    for k, v in params.items():
        cmd += ["--param", f"{k}={json.dumps(v)}"]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), PYTHONPATH=str(REPO))
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    clf = MLSTMFCNClassifier.load(out)
    return {"fit_s": time.perf_counter() - start, "threads_per_process": threads,
            "samples_per_s": samples_per_second(clf.history_, len(np.load(spec["y"])))}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n", type=int, default=16000)
    p.add_argument("--channels", type=int, default=8)
    p.add_argument("--timepoints", type=int, default=400)
    p.add_argument("--cap-mb", type=int, default=64,
                   help="memory the streamed fit may add to its own needs (at least a thread stack, 8 MB)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--device", default="cpu")
    p.add_argument("--tiny", action="store_true", help="a seconds-long run (tests)")
    p.add_argument("--out", default=str(RESULTS / "streaming-cpu.json"))
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print("RESULT" + json.dumps(worker(json.loads(args.worker))))
        return {}
    if args.tiny:
        args.n, args.channels, args.timepoints, args.cap_mb, args.epochs = 256, 3, 32, 32, 2
        args.batch_size = 64
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        X_path = workdir / "X.npy"
        write_dataset(X_path, args.n, args.channels, args.timepoints)
        data_mb = args.n * args.channels * args.timepoints * 4 / 2**20
        base = {"X": str(X_path), "y": str(workdir / "X-y.npy"), "epochs": args.epochs,
                "batch_size": args.batch_size, "threads": 1, "device": "cpu"}
        runs = {
            "resident": _run_worker({**base, "in_memory": True, "data_on_device": True}),
            "streamed": _run_worker({**base, "in_memory": False, "data_on_device": "auto",
                                     "cap_mb": args.cap_mb}),
            "processes_1": run_processes(base, 1, 1, workdir),
            "processes_2": run_processes(base, 2, 1, workdir),
        }
        if args.device.startswith("cuda"):
            gpu = {**base, "device": args.device, "in_memory": True}
            runs["cuda_resident"] = _run_worker({**gpu, "data_on_device": True})
            runs["cuda_streamed"] = _run_worker({**gpu, "data_on_device": False})
    result = {
        "dataset": {"n": args.n, "channels": args.channels, "timepoints": args.timepoints,
                    "float32_mb": round(data_mb, 1)},
        "cap_above_baseline_mb": args.cap_mb, "data_over_cap": round(data_mb / args.cap_mb, 1),
        "epochs": args.epochs, "batch_size": args.batch_size, "network": NETWORK,
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "load_average_1min_at_end": round(os.getloadavg()[0], 2)},
        "runs": runs,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
