"""The result tables of the README and the docs, made from the committed result files (never typed by hand).

Each table stands in README.md or a page under docs/ between ``<!-- generated: NAME -->`` and
``<!-- end generated -->``; this script rewrites what is between them from
``benchmarks/results/``. ``--check`` changes nothing and exits 1 when a page
and the results disagree (``tests/test_readme_tables.py`` runs it; the docs
build checks its pages too).

    python benchmarks/readme_tables.py          # rewrite the tables
    python benchmarks/readme_tables.py --check  # do the pages and the results agree?
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from published import PUBLISHED  # noqa: E402
from results_io import read_rows  # noqa: E402

RESULTS = HERE / "results"
README = HERE.parent / "README.md"
DOCS = HERE.parent / "docs"

#: What each method of bench_speed.py is called in the speed table.
SPEED_LABELS = {
    "mlstm_fcn": "mlstm-fcn",
    "mlstm_fcn_fp32": "mlstm-fcn, fp32",
    "mlstm_fcn_nograph": "mlstm-fcn, no graph, fp32",
    "mlstm_fcn_fused": "mlstm-fcn, fused path (epochs per graph replay)",
    "plain_loop": "plain DataLoader loop",
    "sktime_lstmfcn_torch": "sktime LSTMFCNClassifierTorch",
    "sktime_lstmfcn_tf": "sktime LSTMFCNClassifier",
    "tsai_mlstm_fcn": "tsai MLSTM_FCN",
}
#: The speed runs of the table: (result file, how the row names its machine).
SPEED_RUNS = [("speed-gpu-h100.json", "H100"), ("speed-cpu.json", "2-core CPU")]
GPU_DEFAULT = " (graph + bf16)"  # the defaults on a GPU, said on the GPU rows of mlstm-fcn itself


def accuracy_table(results: Path = RESULTS) -> str:
    """The paper preset's test accuracy per dataset (mean ± sd over seeds) beside the published figures."""
    rows = [r for r in read_rows(results / "accuracy.csv") if r["config"] == "paper"]
    lines = ["| dataset | mlstm-fcn (mean ± sd) | MLSTM-FCN published | InceptionTime | MultiRocket |",
             "|---|---|---|---|---|"]
    means, published = [], []
    for d, figures in PUBLISHED.items():
        acc = [float(r["accuracy"]) for r in rows if r["dataset"] == d]
        if not acc:
            continue
        means.append(np.mean(acc))
        published.append(figures)
        lines.append(f"| {d} | {np.mean(acc):.4f} ± {np.std(acc):.4f} | "
                     + " | ".join(f"{v:.4f}" for v in figures) + " |")
    cols = np.mean(published, axis=0)
    lines.append(f"| **mean** | **{np.mean(means):.4f}** | " + " | ".join(f"**{v:.4f}**" for v in cols) + " |")
    return "\n".join(lines)


def _seconds(v: float) -> str:
    """Three significant digits, trailing zeros kept (0.150, 1.37, 0.00433)."""
    return f"{v:#.3g}"


def speed_runs(results: Path = RESULTS) -> list[tuple[str, str]]:
    """:data:`SPEED_RUNS`, after the GPU suite's runs (``speed-gpu-<device>.json``) found beside them."""
    known = {name for name, _ in SPEED_RUNS}
    suite = [(p.name, json.loads(p.read_text())["versions"].get("gpu", p.stem))
             for p in sorted(results.glob("speed-gpu-*.json")) if p.name not in known
             and not p.stem.endswith(tuple(f"-run{i}" for i in range(10)))]
    return suite + SPEED_RUNS


def speed_table(results: Path = RESULTS) -> str:
    """Seconds per epoch on the GPU and CPU runs, with each peer's ratio to mlstm-fcn."""
    runs = [(json.loads((results / name).read_text()), machine) for name, machine in speed_runs(results)]
    shapes: dict[str, list[int]] = {}
    for run, _ in runs:
        for r in run["results"]:
            shapes.setdefault(r["dataset"], r["shape"])
    datasets = [d for d in shapes if all(any(r["dataset"] == d for r in run["results"]) for run, _ in runs)]
    header = "| seconds per epoch | " + " | ".join(
        f"{d} ({' x '.join(map(str, shapes[d]))})" for d in datasets) + " |"
    lines = [header, "|---|" + "---|" * len(datasets)]
    for run, machine in runs:
        ratio = {(x["dataset"], x["versus"]): x["speedup"] for x in run.get("ratios", [])}
        methods = list(dict.fromkeys(r["method"] for r in run["results"] if r["dataset"] in datasets))
        for m in methods:
            cells = []
            for d in datasets:
                r = next((r for r in run["results"] if r["method"] == m and r["dataset"] == d), None)
                if r is None:
                    cells.append("–")
                    continue
                cell = _seconds(r["sec_per_epoch"])
                if (d, m) in ratio:
                    x = ratio[(d, m)]
                    cell += f" ({x:.1f}x slower)" if x >= 2 else f" ({x:.2f}x slower)" if x > 1 else f" ({x:.2f}x)"
                cells.append(cell)
            label = SPEED_LABELS.get(m, m) + (GPU_DEFAULT if m == "mlstm_fcn" and machine != "2-core CPU" else "")
            runtime = next((r.get("runtime", {}) for r in run["results"] if r["method"] == m), {})
            if "tensorflow" in runtime:
                label += f" on TensorFlow {runtime['tensorflow']}"
            elif "tsai" in runtime:
                label += f" {runtime['tsai']} on torch {runtime['torch']}"
            lines.append(f"| {machine}: {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def budgets_table(results: Path = RESULTS) -> str:
    """Accuracy against training time: the time-to-accuracy benchmark's summary."""
    from bench_budgets import summary_table

    return summary_table(read_rows(results / "budgets" / "budgets.csv"))


def budgets_defaults(results: Path = RESULTS) -> str:
    """The defaults' accuracy and time against the paper protocol's, in the same runs."""
    from bench_budgets import defaults_sentence

    return defaults_sentence(read_rows(results / "budgets" / "budgets.csv"))


def budgets_cv_table(results: Path = RESULTS) -> str:
    """The CV ranking of the training budgets (TRAIN splits only)."""
    from select_config import budgets_cv_summary

    return budgets_cv_summary(read_rows(results / "budgets" / "budgets-cv.csv"))


def regression_table(results: Path = RESULTS) -> str:
    """Test RMSE of the regressor beside baselines and published figures."""
    from bench_regression import summary_table

    return summary_table(read_rows(results / "regression" / "regression.csv"))


def onnx_table(results: Path = RESULTS) -> str:
    """Prediction latency and throughput on the CPU: ONNX Runtime against predict_proba."""
    d = json.loads((results / "onnx-cpu.json").read_text())
    rows = {(r["method"], r["batch"]): r for r in d["results"]}
    labels = {"predict_proba": f"`predict_proba` (torch {d['versions']['torch'].split('+')[0]})",
              "onnxruntime": f"ONNX Runtime {d['versions']['onnxruntime']}, CPU provider"}
    lines = ["| | 1 series (latency) | 1,024 series (throughput) |", "|---|---|---|"]
    for method, label in labels.items():
        one, many = rows[(method, 1)], rows[(method, 1024)]
        one_cell, many_cell = f"{one['median_ms']:.2f} ms", \
            f"{many['median_ms'] / 1000:.2f} s, {many['series_per_sec']:.0f} series/s"
        if "speedup" in one:
            one_cell += f" ({one['speedup']:.1f}x faster)"
            many_cell += f" ({many['speedup']:.1f}x)"
        lines.append(f"| {label} | {one_cell} | {many_cell} |")
    return "\n".join(lines)


def streaming_table(results: Path = RESULTS) -> str:
    """Resident against streamed fits and 1 against 2 processes, on a memory-mapped set."""
    d = json.loads((results / "streaming-cpu.json").read_text())
    runs = d["runs"]
    cap = d["cap_above_baseline_mb"]
    labels = {"resident": "resident (set read into memory)",
              "streamed": f"streamed from the memmap, under `RLIMIT_DATA` = own needs + {cap} MB",
              "processes_1": "`torchrun`, 1 process (gloo, streamed)",
              "processes_2": "`torchrun`, 2 processes (gloo, streamed)"}
    lines = ["| run | samples/s (training epochs) | peak anonymous memory | peak RSS (with mapped file pages) |",
             "|---|---:|---:|---:|"]
    for key, label in labels.items():
        r = runs.get(key)
        if r is None:
            continue
        anon = f"{r['peak_anon_mb']:.0f} MB" if "peak_anon_mb" in r else ""
        rss = f"{r['peak_rss_mb']:.0f} MB" if "peak_rss_mb" in r else ""
        lines.append(f"| {label} | {r['samples_per_s']:.0f} | {anon} | {rss} |")
    return "\n".join(lines)


TABLES = {"accuracy": accuracy_table, "speed": speed_table, "budgets": budgets_table,
          "budgets-cv": budgets_cv_table, "budgets-defaults": budgets_defaults, "regression": regression_table,
          "onnx": onnx_table, "streaming": streaming_table}
_BLOCK = re.compile(r"(<!-- generated: ([\w-]+) -->\n)(.*?)(<!-- end generated -->)", re.S)


def render(text: str, results: Path = RESULTS) -> str:
    """``text`` (the README) with every generated block made anew from ``results``."""
    def block(m: re.Match) -> str:
        name = m.group(2)
        if name not in TABLES:
            raise ValueError(f"README names an unknown generated table {name!r}; known: {sorted(TABLES)}")
        return m.group(1) + TABLES[name](results) + "\n" + m.group(4)

    return _BLOCK.sub(block, text)


def pages() -> list[Path]:
    """README.md and every docs page that holds a generated table."""
    docs = [p for p in sorted(DOCS.rglob("*.md")) if "_build" not in p.parts and "<!-- generated: " in p.read_text()]
    return [README] + docs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the README's tables are out of date")
    args = parser.parse_args()
    stale = []
    for page in pages():
        text = page.read_text()
        new = render(text)
        if new != text:
            stale.append(page.relative_to(HERE.parent))
            if not args.check:
                page.write_text(new)
    if args.check and stale:
        print(f"result tables differ from benchmarks/results/ in {', '.join(map(str, stale))}: run "
              "python benchmarks/readme_tables.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
