"""The command line the benchmark scripts share: their common options, and the report-only scripts' ``main``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path


def add_run_arguments(parser: argparse.ArgumentParser, out_dir: Path) -> None:
    """The options every benchmark run takes: data, device, CPU threads, time budget, output."""
    parser.add_argument("--archive", default=None,
                        help="UEA archive directory, or a packed .npz (benchmarks.pack_uea_npz); "
                             "default: bundled datasets")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--time-budget", type=float, default=None, help="stop starting fits after N seconds")
    parser.add_argument("--out-dir", default=str(out_dir))
    parser.add_argument("--report-only", action="store_true", help="only write the report of what ran")


def prepare_run(args, name: str) -> Path:
    """Set torch's CPU threads (``--threads``) and return ``<out-dir>/<name>``, its folder made."""
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return out / name


def report_main(doc: str, report: Callable[[Path], str], out_dir: Path) -> None:
    """The command line of a script that only writes a report from committed rows: ``--out-dir``, then print it."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out-dir", default=str(out_dir))
    print(report(Path(parser.parse_args().out_dir)))


def write_json(report: dict, path: str | Path) -> None:
    """Write a benchmark's ``report`` as indented JSON to ``path``, its folder made."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
