"""What the accuracy, budget and selection benchmarks share: CSV rows, devices, common options."""

from __future__ import annotations

import argparse
import contextlib
import csv
import platform
from collections.abc import Callable, Iterator
from pathlib import Path


def read_rows(path: Path) -> list[dict]:
    """Rows of a results CSV (none when the file does not exist yet)."""
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def device_label(clf) -> str:
    """The fitted classifier's device as the results name it: the GPU's name, or the CPU's."""
    import torch

    if clf.device_.type == "cuda":
        return torch.cuda.get_device_name(clf.device_)
    return f"cpu ({platform.processor() or platform.machine()})"


@contextlib.contextmanager
def appending(path: Path, fields: list[str]) -> Iterator[tuple[csv.DictWriter, object]]:
    """``(writer, file)`` appending rows to a results CSV, with the header when the file is new.

    Rows already there stay: the benchmarks resume by skipping what they find.
    """
    new_file = not path.exists()
    with path.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        if new_file:
            writer.writeheader()
        yield writer, fh


def add_run_arguments(parser: argparse.ArgumentParser, out_dir: Path) -> None:
    """The options every benchmark run takes: data, device, CPU threads, time budget, output."""
    parser.add_argument("--archive", default=None,
                        help="UEA archive directory, or a packed .npz (pack_uea_npz.py); default: bundled datasets")
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
