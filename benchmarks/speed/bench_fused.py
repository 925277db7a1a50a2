"""Throughput of fused training: networks trained per second for k = 1, 4, 16, 64 fused members.

Each k trains k paper-shaped networks on one data set as one
:class:`~mlstm_fcn.nn.fused.FusedMLSTMFCN` (on CUDA: decisions on the device,
``--readback`` epochs per CUDA-graph replay). One run of ``--warmup`` +
``--epochs`` epochs per k; seconds per epoch are read off the run's history
clock after the warm-up epochs (a multiple of ``--readback``: on the device
path the clock is read once per block), set-up is the rest of its wall time. Figures:
networks x epochs per second, its ratio to k = 1, and the achieved fraction
of the GPU's bf16 peak (model FLOPs, forward + backward = 3 x forward).

    python -m benchmarks.speed.bench_fused --archive benchmarks/data/uea12.npz --dataset BasicMotions \\
        --ks 1 4 16 64 --out benchmarks/results/fused-gpu.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from benchmarks.speed.bench_speed import PEAK_BF16_TFLOPS, load, model_flops_per_sample, versions


def fused_run(X: np.ndarray, y_idx: np.ndarray, k: int, epochs: int, device, readback: int,
              autocast) -> tuple[float, list[float]]:
    """Wall seconds of one fused run of ``k`` members for ``epochs`` epochs, and its history clock."""
    import torch

    from mlstm_fcn.nn import MLSTMFCN
    from mlstm_fcn.nn.fused import FusedMLSTMFCN
    from mlstm_fcn.training import SeriesOnDevice, TrainConfig
    from mlstm_fcn.training.fused import FusedData, train_fused

    cuda = device.type == "cuda"
    start = time.perf_counter()
    torch.manual_seed(0)
    n_classes = int(y_idx.max()) + 1
    members = [MLSTMFCN(X.shape[1], X.shape[2], n_classes).to(device) for _ in range(k)]
    fused = FusedMLSTMFCN.from_members(members)
    series = SeriesOnDevice.from_numpy(X, y_idx, None, device)
    rows = torch.arange(len(X), device=device).expand(k, -1).contiguous()
    data = FusedData(series, rows, torch.ones(k, len(X), device=device))  # every series weighs 1
    gens = []
    for j in range(k):
        gens.append(torch.Generator(device=device))
        gens[-1].manual_seed(j)
    config = TrainConfig(epochs=epochs, autocast_dtype=autocast, cuda_graph=cuda)
    result = train_fused(fused, data, config, gens, rules="device" if cuda else "host", readback_every=readback)
    if cuda:
        torch.cuda.synchronize()
    return time.perf_counter() - start, result.results[0].history["time"]


def sequential_run(X: np.ndarray, y_idx: np.ndarray, k: int, warmup: int, epochs: int, device, autocast) -> float:
    """Seconds per epoch of ``k`` networks trained one after the other (the single-network loop), after warm-up."""
    import torch

    from mlstm_fcn.nn import MLSTMFCN
    from mlstm_fcn.training import SeriesOnDevice, TrainConfig, train

    n_classes = int(y_idx.max()) + 1
    series = SeriesOnDevice.from_numpy(X, y_idx, None, device)
    config = TrainConfig(epochs=warmup + epochs, autocast_dtype=autocast, cuda_graph=device.type == "cuda")
    seconds = 0.0
    for j in range(k):
        torch.manual_seed(j)
        gen = torch.Generator(device=device)
        gen.manual_seed(j)
        result = train(MLSTMFCN(X.shape[1], X.shape[2], n_classes).to(device), series, config, gen)
        clock = result.history["time"]
        seconds += clock[-1] - (clock[warmup - 1] if warmup else 0.0)
    return seconds / epochs


def device_and_precision(name: str):
    """``(torch device, autocast dtype)``: what the estimators' ``device=name, precision="auto"`` train with.

    ``"auto"`` is the GPU when there is one; on a GPU with bfloat16 the networks train in bf16, else in
    float32 (autocast None).
    """
    import torch

    device = torch.device("cuda" if name == "auto" and torch.cuda.is_available() else
                          "cpu" if name == "auto" else name)
    bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
    return device, (torch.bfloat16 if bf16 else None)


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=None)
    parser.add_argument("--dataset", default="BasicMotions", help="a UEA name or a synthetic NxCxT")
    parser.add_argument("--ks", nargs="+", type=int, default=[1, 4, 16, 64])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=25)
    parser.add_argument("--readback", type=int, default=25)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--sequential", action="store_true",
                        help="also time the k networks trained one after the other (the CPU's choice)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device, autocast = device_and_precision(args.device)
    X, y = load(args.dataset, args.archive)
    X = np.nan_to_num(np.asarray(X, dtype=np.float32))
    _, y_idx = np.unique(y, return_inverse=True)
    rows = []
    report = {"versions": versions(), "args": vars(args), "results": rows, "complete": False}
    gpu = report["versions"].get("gpu", "")
    peak = next((v for name, v in PEAK_BF16_TFLOPS.items() if name in gpu), None)
    flops = model_flops_per_sample(X.shape[1], X.shape[2], int(y_idx.max()) + 1)
    for k in args.ks:
        try:
            wall, clock = fused_run(X, y_idx, k, args.warmup + args.epochs, device, args.readback, autocast)
        except torch.cuda.OutOfMemoryError as exc:
            rows.append({"k": k, "error": f"out of memory: {exc}"[:300]})
            break
        sec = (clock[-1] - (clock[args.warmup - 1] if args.warmup else 0.0)) / args.epochs
        row = {"k": k, "sec_per_epoch": sec, "networks_epochs_per_sec": k / sec, "setup_seconds": wall - clock[-1],
               "train_tflops": 3.0 * flops * len(X) * k / sec / 1e12}
        if peak:
            row["fraction_of_bf16_peak"] = row["train_tflops"] / peak
        if args.sequential:
            row["sequential_sec_per_epoch"] = sequential_run(X, y_idx, k, args.warmup, args.epochs, device,
                                                             autocast)
            row["fused_speedup_vs_sequential"] = row["sequential_sec_per_epoch"] / sec
        rows.append(row)
        base = rows[0]["networks_epochs_per_sec"]
        row["speedup_vs_k1"] = row["networks_epochs_per_sec"] / base
        print(f"k={k:3d} {sec:.5f} s/epoch  {row['networks_epochs_per_sec']:9.1f} network-epochs/s  "
              f"x{row['speedup_vs_k1']:.2f} vs k=1  {row['train_tflops']:.3f} TFLOP/s"
              + (f"  sequential {row['sequential_sec_per_epoch']:.5f} s/epoch (fused x"
                 f"{row['fused_speedup_vs_sequential']:.2f})" if args.sequential else ""), flush=True)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(report, indent=2))
    report["complete"] = True
    report["shape"] = list(X.shape)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
