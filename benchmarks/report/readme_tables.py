"""The result tables of the README and the docs, made from the committed result files (never typed by hand).

Each table stands in README.md or a page under docs/ between ``<!-- generated: NAME -->`` and
``<!-- end generated -->``; this script rewrites what is between them from
``benchmarks/results/``. ``--check`` changes nothing and exits 1 when a page
and the results disagree (``tests/test_readme_tables.py`` runs it; the docs
build checks its pages too).

    python -m benchmarks.report.readme_tables          # rewrite the tables
    python -m benchmarks.report.readme_tables --check  # do the pages and the results agree?
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

from benchmarks import REPO, RESULTS
from benchmarks.report.published import PUBLISHED
from benchmarks.report.results_io import read_rows

README = REPO / "README.md"
DOCS = REPO / "docs"

#: What each method of bench_speed.py is called in the speed table.
SPEED_LABELS = {
    "mlstm_fcn": "mlstm-fcn",
    "mlstm_fcn_fp32": "mlstm-fcn, fp32",
    "mlstm_fcn_nograph": "mlstm-fcn, no graph, fp32",
    "mlstm_fcn_fused": "mlstm-fcn, fused path (epochs per graph replay)",
    "mlstm_fcn_cutmix": "mlstm-fcn, cutmix (the classifier's default; no graph)",
    "plain_loop": "plain DataLoader loop",
    "sktime_lstmfcn_torch": "sktime LSTMFCNClassifierTorch",
    "sktime_lstmfcn_tf": "sktime LSTMFCNClassifier",
    "tsai_mlstm_fcn": "tsai MLSTM_FCN",
}
#: The CPU of the CPU results (the rows record "cpu (x86_64)"), as the tables name it.
CPU = "2-core x86_64 CPU"
#: The speed runs of the table: (result file, how the row names its machine).
SPEED_RUNS = [("speed-gpu-h100.json", "H100"), ("speed-cpu.json", CPU)]
GPU_DEFAULT = " (graph + bf16)"  # how the GPU rows of mlstm-fcn itself (no augmentation) train


def _mean_row(label: str, columns: list[dict[str, float]], datasets: list[str]) -> str:
    """A bold mean per column over ``datasets``; "–" for a column that lacks one of them."""
    cells = [f"**{np.mean([c[d] for d in datasets]):.4f}**" if all(d in c for d in datasets) else "–"
             for c in columns]
    return f"| {label} | " + " | ".join(cells) + " |"


def peers_measured(results: Path = RESULTS) -> tuple[dict[str, float], dict[str, float], list[dict]]:
    """The measured peer's seed-0 rows (``bench_peers.py``): accuracy and fit seconds per dataset, the rows."""
    rows = [r for r in read_rows(results / "peers" / "peers.csv")
            if r["method"] == "multirocket_hydra" and r["seed"] == "0"]
    return ({r["dataset"]: float(r["accuracy"]) for r in rows},
            {r["dataset"]: float(r["fit_seconds"]) for r in rows}, rows)


#: The TEST benchmark's configurations in the accuracy table: the defaults (the recipe study's
#: choice going on while still learning, with the small-data study's cutmix,
#: ``configs.CONFIGS["recipe_cutmix"]``), the paper preset, and the defaults before the small-data
#: study (``"recipe_train_on"``), beside which the full table shows what the change did per dataset.
DEFAULTS_CONFIG, PAPER_CONFIG, PREVIOUS_CONFIG = "recipe_cutmix", "paper", "recipe_train_on"
#: What the previous defaults lack, as the full table's column names it.
PREVIOUS_LABEL = "mlstm-fcn defaults before cutmix (mean ± sd)"


def paper_on_the_cpu(results: Path = RESULTS) -> dict[str, dict[str, float]]:
    """``{dataset: {seed: test accuracy}}`` of the paper preset on the CPU of the defaults' runs.

    The budget study's 500-epoch runs of the paper protocol (``budgets/budgets.csv``) are paper-preset
    fits; ``paper-cpu/accuracy.csv`` adds the seeds it lacks. CPU fits are deterministic, so a
    dataset and seed in both must agree to the digit (ERing, seed 0, is run in both to show it).
    """
    from benchmarks.studies.bench_budgets import paper_protocol_accuracy

    out = paper_protocol_accuracy(read_rows(results / "budgets" / "budgets.csv"))
    for r in read_rows(results / "paper-cpu" / "accuracy.csv"):
        if r["config"] != PAPER_CONFIG:
            continue
        seeds = out.setdefault(r["dataset"], {})
        if r["seed"] in seeds and abs(seeds[r["seed"]] - float(r["accuracy"])) > 1e-9:
            raise ValueError(f"paper preset on the CPU, {r['dataset']} seed {r['seed']}: the budget study's "
                             f"{seeds[r['seed']]} and paper-cpu's {r['accuracy']} differ")
        seeds[r["seed"]] = float(r["accuracy"])
    return out


def _per_dataset(rows: list[dict], config: str, field: str = "accuracy") -> dict[str, list[float]]:
    return {d: [float(r[field]) for r in rows if r["config"] == config and r["dataset"] == d] for d in PUBLISHED}


def _device(rows: list[dict], config: str) -> str:
    names = sorted({r["device"] for r in rows if r["config"] == config})
    return " and ".join(f"a {CPU}" if n.startswith("cpu") else n for n in names)


#: What "sd" means in the tables (numpy's default, ``ddof=0``).
SD = "sd: the standard deviation over the seeds, as the population sd (ddof=0)."


def _against_previous(ours: dict[str, list[float]], previous: dict[str, list[float]], datasets: list[str]) -> str:
    """The defaults against the defaults before cutmix, same seeds: the mean difference and the sets it lost."""
    both = [d for d in datasets if ours[d] and previous[d]]
    if len(both) < 2:
        return ""
    diffs = np.array([np.mean(ours[d]) - np.mean(previous[d]) for d in both])
    worse = [f"{d} ({x:+.4f})" for d, x in zip(both, diffs) if x < -0.02]
    return (f" Defaults minus the defaults before cutmix over the {len(both)} datasets: {diffs.mean():+.4f} ± "
            f"{diffs.std(ddof=1) / np.sqrt(len(diffs)):.4f} (better on {int((diffs > 0).sum())}, worse on "
            f"{int((diffs < 0).sum())}); more than 2 points under them: " + (", ".join(worse) if worse else "none")
            + ".")


def accuracy_table(results: Path = RESULTS) -> str:
    """Test accuracy per dataset (mean ± sd over seeds) of the defaults and the paper preset, beside peers."""
    from benchmarks.report.published import ANCHORS, METHODS

    rows = read_rows(results / "accuracy.csv")
    paper = _per_dataset(rows, PAPER_CONFIG)
    ours = _per_dataset(rows, DEFAULTS_CONFIG)
    ours_fit = _per_dataset(rows, DEFAULTS_CONFIG, "fit_seconds")
    ours_epochs = _per_dataset(rows, DEFAULTS_CONFIG, "epochs_run")
    previous = _per_dataset(rows, PREVIOUS_CONFIG)
    datasets = [d for d in PUBLISHED if paper[d]]
    with_defaults, with_previous = any(ours.values()), any(previous.values())
    mrh_acc, mrh_fit, mrh_rows = peers_measured(results)
    labels = (["mlstm-fcn defaults: mean ± sd (fit s, epochs)"] if with_defaults else []) + (
        [PREVIOUS_LABEL] if with_previous else []) + [
        "mlstm-fcn paper preset (mean ± sd)", "MLSTM-FCN published", *METHODS[1:], *ANCHORS]
    columns = ([{d: np.mean(ours[d]) for d in datasets if ours[d]}] if with_defaults else []) + (
        [{d: np.mean(previous[d]) for d in datasets if previous[d]}] if with_previous else []) + [
        {d: np.mean(paper[d]) for d in datasets},
        *({d: PUBLISHED[d][i] for d in PUBLISHED} for i in range(len(METHODS))), *ANCHORS.values()]
    if mrh_rows:
        labels.append("MultiRocket-Hydra (measured here, seed 0): accuracy (fit s)")
        columns.append(mrh_acc)
    lines = ["| dataset | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    for d in datasets:
        cells = ([f"{np.mean(ours[d]):.4f} ± {np.std(ours[d]):.4f} ({_fit_seconds(np.mean(ours_fit[d]))}, "
                  f"{np.mean(ours_epochs[d]):.0f})" if ours[d] else "–"] if with_defaults else [])
        if with_previous:
            cells += [f"{np.mean(previous[d]):.4f} ± {np.std(previous[d]):.4f}" if previous[d] else "–"]
        cells += [f"{np.mean(paper[d]):.4f} ± {np.std(paper[d]):.4f}"]
        cells += [f"{c[d]:.4f}" if d in c else "" for c in columns[len(cells):]]
        if mrh_rows and d in mrh_fit:
            cells[-1] += f" ({_fit_seconds(mrh_fit[d])})"
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    lines.append(_mean_row("**mean**", columns, datasets))
    common = [d for d in datasets if all(d in c for c in columns)]
    if common != datasets:
        lines.append(_mean_row(f"**mean without {', '.join(d for d in datasets if d not in common)}**",
                               columns, common))
    seeds = {c: sorted({int(r["seed"]) for r in rows if r["config"] == c}) for c in (DEFAULTS_CONFIG, PAPER_CONFIG)}
    text = (f"The paper preset: {len(seeds[PAPER_CONFIG])} seeds on {_device(rows, PAPER_CONFIG)}.")
    if with_defaults:
        text = (f"The defaults: {len(seeds[DEFAULTS_CONFIG])} seeds on one thread of "
                f"{_device(rows, DEFAULTS_CONFIG)}, shared with other benchmark runs (fit times of a loaded "
                f"machine), mean fit time in seconds beside each accuracy "
                f"({sum(np.mean(v) for v in ours_fit.values() if v):.0f} s for one seed of all "
                f"{len([v for v in ours_fit.values() if v])}); " + text[0].lower() + text[1:])
        both = [d for d in datasets if ours[d] and paper[d]]
        diffs = np.array([np.mean(ours[d]) - np.mean(paper[d]) for d in both])
        if len(both) > 1:
            text += (f" Defaults minus paper preset over the {len(both)} datasets: {diffs.mean():+.4f} ± "
                     f"{diffs.std(ddof=1) / np.sqrt(len(diffs)):.4f} (mean ± standard error).")
        cpu_paper = paper_on_the_cpu(results)
        ours_seeds = {d: {r["seed"]: float(r["accuracy"]) for r in rows
                          if r["config"] == DEFAULTS_CONFIG and r["dataset"] == d} for d in both}
        pairs = {d: sorted(set(ours_seeds[d]) & set(cpu_paper.get(d, {}))) for d in both}
        if all(pairs.values()):
            n_seeds = sorted({len(p) for p in pairs.values()})
            cpu = np.array([np.mean([cpu_paper[d][s] for s in pairs[d]]) for d in both])
            mine = np.array([np.mean([ours_seeds[d][s] for s in pairs[d]]) for d in both])
            diff = mine - cpu
            count = f"{n_seeds[0]}" if len(n_seeds) == 1 else f"{n_seeds[0]} to {n_seeds[-1]}"
            text += (f" The paper preset on the same CPU, same seeds ({count} per dataset): "
                     f"{cpu.mean():.4f}, against the defaults' {mine.mean():.4f} on those "
                     f"seeds; defaults minus paper preset {diff.mean():+.4f} ± "
                     f"{diff.std(ddof=1) / np.sqrt(len(diff)):.4f} over the {len(both)} datasets.")
        under = [f"{d} ({np.mean(ours[d]) - PUBLISHED[d][0]:+.4f})" for d in both
                 if np.mean(ours[d]) < PUBLISHED[d][0] - 0.02]
        text += (" Datasets more than 2 points under the published MLSTM-FCN: "
                 + (", ".join(under) if under else "none") + ".")
        text += _against_previous(ours, previous, datasets)
    text += f" {SD}"
    lines += ["", text]
    if mrh_rows:
        loads = [float(r[k]) for r in mrh_rows for k in ("load1_before", "load1_after")]
        r0 = mrh_rows[0]
        text = (f"MultiRocket-Hydra: aeon {r0['aeon']} `MultiRocketHydraClassifier` with its defaults, "
                f"`random_state=0`, `n_jobs={r0['n_jobs']}`, `OMP_NUM_THREADS={r0['omp_num_threads']}`, on a "
                f"2-core CPU ({r0['cpu']}) shared with other jobs: the 1-minute load average was "
                f"{min(loads):.2f}-{max(loads):.2f} (mean {np.mean(loads):.2f}) before and after the fits, so "
                f"the fit times are those of a loaded machine; {len(mrh_rows)} fits, "
                f"{sum(mrh_fit.values()):.0f} s in all.")
        padded = [f"{r['dataset']} ({r['padding'].split(' by ')[0]})" for r in mrh_rows if r["padding"] != "none"]
        if padded:
            text += (" Series under 10 steps (aeon 1.6.0's MultiRocket needs 10) and unequal-length ones were "
                     "padded at the end by repeating each channel's last value: " + "; ".join(padded) + ".")
        seeds = [r for r in read_rows(results / "peers" / "peers.csv") if r["method"] == "multirocket_hydra"]
        per_seed = {s: {r["dataset"]: float(r["accuracy"]) for r in seeds if r["seed"] == s}
                    for s in sorted({r["seed"] for r in seeds})}
        full = [s for s, acc in per_seed.items() if set(acc) >= set(datasets)]
        if len(full) > 1:
            means = [np.mean([per_seed[s][d] for d in datasets]) for s in full]
            text += (f" Over seeds {', '.join(full)}: mean accuracy {np.mean(means):.4f} ± {np.std(means):.4f} "
                     f"(sd of the seeds' means, ddof=0).")
        lines += ["", text]
    return "\n".join(lines)


def accuracy_summary_table(results: Path = RESULTS) -> str:
    """The README's compact table: the defaults, the paper preset, the published MLSTM-FCN and the best peer.

    The best peer is the one with the highest mean accuracy over the datasets of the table, among the
    peers with a figure for each of them; the full table is :func:`accuracy_table`'s.
    """
    from benchmarks.report.published import ANCHORS, METHODS

    rows = read_rows(results / "accuracy.csv")
    ours, paper = _per_dataset(rows, DEFAULTS_CONFIG), _per_dataset(rows, PAPER_CONFIG)
    datasets = [d for d in PUBLISHED if ours[d] and paper[d]]
    peers = {name: {d: PUBLISHED[d][i] for d in PUBLISHED} for i, name in enumerate(METHODS) if i > 0}
    peers.update(ANCHORS)
    measured = peers_measured(results)[0]
    if measured:
        peers["MultiRocket-Hydra (measured, seed 0)"] = measured
    complete = {name: acc for name, acc in peers.items() if all(d in acc for d in datasets)}
    best = max(complete, key=lambda name: np.mean([complete[name][d] for d in datasets]))
    columns = [("mlstm-fcn defaults (mean ± sd)", {d: np.mean(ours[d]) for d in datasets}, ours),
               ("mlstm-fcn paper preset (mean ± sd)", {d: np.mean(paper[d]) for d in datasets}, paper),
               ("MLSTM-FCN published", {d: PUBLISHED[d][0] for d in datasets}, None),
               (f"best peer: {best}", complete[best], None)]
    lines = ["| dataset | " + " | ".join(c[0] for c in columns) + " |", "|---|" + "---:|" * len(columns)]
    for d in datasets:
        cells = [f"{means[d]:.4f} ± {np.std(seeds[d]):.4f}" if seeds else f"{means[d]:.4f}"
                 for _, means, seeds in columns]
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    lines.append(_mean_row("**mean**", [c[1] for c in columns], datasets))
    seeds = {c: len({r["seed"] for r in rows if r["config"] == c}) for c in (DEFAULTS_CONFIG, PAPER_CONFIG)}
    lines += ["", f"Test accuracy on {len(datasets)} UEA datasets. The defaults: {seeds[DEFAULTS_CONFIG]} seeds "
              f"on {_device(rows, DEFAULTS_CONFIG)}; the paper preset (the paper's protocol): "
              f"{seeds[PAPER_CONFIG]} seeds on {_device(rows, PAPER_CONFIG)}. The best peer has the highest "
              f"mean of the {len(complete)} peers with a figure for every dataset. {SD}"]
    return "\n".join(lines)


def _fit_seconds(v: float) -> str:
    """A fit time: three significant digits below 100 s, whole seconds above."""
    return _seconds(v) if v < 100 else str(round(v))


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
            label = SPEED_LABELS.get(m, m) + (GPU_DEFAULT if m == "mlstm_fcn" and machine != CPU else "")
            runtime = next((r.get("runtime", {}) for r in run["results"] if r["method"] == m), {})
            if "tensorflow" in runtime:
                label += f" on TensorFlow {runtime['tensorflow']}"
            elif "tsai" in runtime:
                label += f" {runtime['tsai']} on torch {runtime['torch']}"
            lines.append(f"| {machine}: {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def budgets_table(results: Path = RESULTS) -> str:
    """Accuracy against training time: the time-to-accuracy benchmark's summary."""
    from benchmarks.studies.bench_budgets import summary_table

    return summary_table(read_rows(results / "budgets" / "budgets.csv"))


def budgets_defaults(results: Path = RESULTS) -> str:
    """The defaults' accuracy and time against the paper protocol's, in the same runs."""
    from benchmarks.studies.bench_budgets import defaults_sentence

    return defaults_sentence(read_rows(results / "budgets" / "budgets.csv"))


def budgets_cv_table(results: Path = RESULTS) -> str:
    """The CV ranking of the training budgets (TRAIN splits only)."""
    from benchmarks.studies.select_config import budgets_cv_summary

    return budgets_cv_summary(read_rows(results / "budgets" / "budgets-cv.csv"))


def regression_table(results: Path = RESULTS) -> str:
    """Test RMSE of the regressor beside baselines and published figures."""
    from benchmarks.studies.bench_regression import summary_table

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


def step_table(results: Path = RESULTS, name: str = "step-cpu.json") -> str:
    """Our loop against the plain loop, per epoch and per optimizer step (bench_step.py)."""
    d = json.loads((results / name).read_text())
    lines = ["| dataset | batch | steps per epoch | ours: ms per epoch (per step) | plain loop: ms per epoch "
             "(per step) | our speed / plain's, per epoch | per step |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in d["results"]:
        ours, plain = r["ours"], r["plain"]
        lines.append(f"| {r['dataset']} | {r['batch_size']} | {r['steps_per_epoch']['ours']} | "
                     f"{1e3 * ours['seconds_per_epoch']:.1f} ({1e3 * ours['seconds_per_step']:.2f}) | "
                     f"{1e3 * plain['seconds_per_epoch']:.1f} ({1e3 * plain['seconds_per_step']:.2f}) | "
                     f"{r['speed_vs_plain_per_epoch']:.3f}x | {r['speed_vs_plain_per_step']:.3f}x |")
    m, a = d["machine"], d["args"]
    load = (f"; 1-minute load average {d['load_average']['start']:.2f} at the start, "
            f"{d['load_average']['end']:.2f} at the end" if "load_average" in d else "")
    lines.append(f"\n{m['processor']} CPU, {m['threads']} torch thread{'s' if m['threads'] != 1 else ''}, torch {m['torch']}; {a['rounds']} "
                 f"interleaved rounds of {a['epochs']} timed epochs each (after {a['warmup']}), {d['started']}"
                 f"{load}.")
    return "\n".join(lines)


def recipe_table(results: Path = RESULTS) -> str:
    """The recipe study's comparison with the defaults it started from, and its choice (``recipe_choice.py``)."""
    from benchmarks.studies.recipe_choice import summary

    status, comparison, choice = summary(read_rows(results / "recipe-cv" / "cv.csv"))
    return f"{status}\n\n{comparison}\n\nChoice per parameter:\n\n{choice}"


def train_on_table(results: Path = RESULTS) -> str:
    """RULE.md's amendment: going on past 100 epochs while still learning, against the cap (``recipe_choice.py``)."""
    from benchmarks.studies.recipe_choice import train_on_verdict

    return train_on_verdict(read_rows(results / "recipe-cv" / "cv.csv"),
                            read_rows(results / "hard-case" / "hard_case.csv"))[1]


def ensembles_table(results: Path = RESULTS) -> str:
    """CV accuracy of 1, 2 and 3 networks of the recipe study's choice, and the rule's verdict."""
    from benchmarks.studies.recipe_ensembles import summary

    return summary(results / "recipe-cv")[1]


def hard_case_table(results: Path = RESULTS) -> str:
    """The constructed case that 100 epochs cannot fit (``hard_case.py``): one row per configuration and seed."""
    rows = read_rows(results / "hard-case" / "hard_case.csv")
    lines = ["| configuration | seed | test accuracy | training accuracy | epochs run | converged | fit s | load |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['config']} | {r['seed']} | {r['test_accuracy']} | {r['train_accuracy']} | {r['epochs_run']} | "
              f"{r['converged']} | {r['fit_seconds']} | {r['load_average']} |" for r in rows]
    return "\n".join(lines)


def regression_cv_table(results: Path = RESULTS) -> str:
    """How long the regressor trains: the CV choice inside the TRAIN splits (``select_regression.py``)."""
    from benchmarks.studies.select_regression import choice_summary

    return choice_summary(read_rows(results / "regression-cv" / "cv.csv"))


def small_data_table(results: Path = RESULTS) -> str:
    """Each lever of the small-data study complete on every set: gain over the defaults, cost, verdict."""
    from benchmarks.studies import small_data

    return small_data.levers_table(small_data.read_rows(results / "small-data" / "cv.csv"))


TABLES = {"small-data": small_data_table, "accuracy": accuracy_table, "accuracy-summary": accuracy_summary_table, "regression-cv": regression_cv_table, "ensembles": ensembles_table,
          "recipe": recipe_table, "train-on": train_on_table, "hard-case": hard_case_table, "step": step_table,
          "step-one-thread": lambda results: step_table(results, "step-cpu-run-plan.json"),
          "speed": speed_table, "budgets": budgets_table,
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
            stale.append(page.relative_to(REPO))
            if not args.check:
                page.write_text(new)
    if args.check and stale:
        print(f"result tables differ from benchmarks/results/ in {', '.join(map(str, stale))}: run "
              "python -m benchmarks.report.readme_tables", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
