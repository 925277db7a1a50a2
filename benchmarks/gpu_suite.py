"""Every GPU figure of the project from one command, inside a time budget it never overruns.

The one command to run on a machine with a GPU (the data packed
here first, since that machine has no sktime; the package is put on
``PYTHONPATH``, nothing installed):

    python -m benchmarks.pack_uea_npz --archive ../shared/uea      # here: benchmarks/data/uea12.npz
    # then the device tool's `run`, carry ["benchmarks/data/uea12.npz"], timeout_s 600:
    PYTHONPATH=$PWD PYTHONUNBUFFERED=1 python3 -m benchmarks.gpu_suite --budget 540; cp -r benchmarks/results $OUT/

then copy the fetched ``results/`` over ``benchmarks/results/`` here, run
``python -m benchmarks.report.readme_tables`` (the tables of README.md and docs/) and commit them. A rerun with
the same ``--out-dir`` resumes: steps done are skipped, a step cut short continues (the CV and accuracy
benchmarks skip the rows they find).

Steps, in order, each with a share of the budget (what a step leaves unused
goes to the next ones) and killed at its time box: GPU tests
(``pytest -m gpu``), speed (``speed/bench_speed.py``: ours graphed and eager, with the default cutmix augmentation, the
one network through the fused path (epochs per replay), the plain loop,
sktime's LSTM-FCN when importable; BasicMotions,
ArticularyWordRecognition, a synthetic set), set-up cost
(``speed/bench_setup.py``), fused throughput (``speed/bench_fused.py``, k = 1, 3, 4, 5, 16,
64), resident against streamed training sets (``speed/bench_streaming.py``), the CV selection on the TRAIN
splits with fused folds and seeds (``studies/select_config.py``), the test-split accuracy of the chosen
configuration beside the paper preset (``studies/bench_accuracy.py``, 3 seeds), and the README
tables (``report/readme_tables.py``, only when writing to ``benchmarks/results``).
``suite-state.json`` in the output folder records each step (done, partial,
failed, left for lack of budget, seconds, log); ``suite-report.md`` sums up,
device named. ``--smoke`` runs every step tiny (one dataset, a few epochs)
so that CI runs the suite on a CPU (``tests/test_gpu_suite.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import REPO, RESULTS
from benchmarks.pack_uea_npz import DEFAULT_OUT as PACKED

#: The issue's shared datasets (benchmarks/report/published.py), in the packed file.
DATASETS = ["ArticularyWordRecognition", "AtrialFibrillation", "BasicMotions", "ERing", "Epilepsy",
            "FingerMovements", "JapaneseVowels", "Libras", "NATOPS", "PenDigits", "RacketSports", "StandWalkJump"]
#: The CV's order: smallest TRAIN splits first, so that a time box cut short still compares
#: every candidate on the datasets it reached (PenDigits, 7494 series, last).
CV_DATASETS = ["StandWalkJump", "AtrialFibrillation", "ERing", "BasicMotions", "Epilepsy", "RacketSports", "Libras",
               "NATOPS", "JapaneseVowels", "ArticularyWordRecognition", "FingerMovements", "PenDigits"]
#: Candidates of the CV on the GPU (benchmarks/studies/configs.py), the paper protocol first.
CV_CONFIGS = ["paper", "valsplit", "valsplit_es", "valsplit_instance", "scaling_instance", "valsplit1000",
              "valsplit2000_es", "ensemble5_valsplit"]
#: Seconds kept back from every time box for the step's own wrap-up (reports, files).
MARGIN = 10.0


@dataclass
class Step:
    """One step of the suite: its command (made from the options) and its share of the budget."""

    name: str
    share: float
    command: list[str] = field(default_factory=list)
    #: The step's own time limit option (stop starting fits), set from its time box.
    budget_flag: str | None = None


def device_name() -> str:
    """The GPU's name, or the CPU's."""
    import torch

    if torch.cuda.is_available():
        return torch.cuda.get_device_name()
    return f"cpu ({platform.processor() or platform.machine()})"


def slug(name: str) -> str:
    """A file-name part for a device: 'NVIDIA H200' -> 'h200', a CPU -> 'cpu'."""
    if name.startswith("cpu"):
        return "cpu"
    last = [w for w in name.replace("-", " ").split() if any(ch.isdigit() for ch in w)]
    return (last[0] if last else name.split()[-1]).lower()


def steps(args, out: Path, dev: str) -> list[Step]:
    """The suite's steps for these options (``--smoke``: tiny)."""
    py = sys.executable
    smoke = args.smoke
    data = str(args.data)
    one = ["1"] if smoke else None  # epochs of every smoke run
    datasets = ["BasicMotions"] if smoke else CV_DATASETS
    # The files with GPU tests only: collecting the others would import what the machine lacks (dask, sktime).
    tests = ["tests/test_fused.py"] if smoke else sorted(
        str(p.relative_to(REPO)) for p in (REPO / "tests").glob("test_*.py") if "mark.gpu" in p.read_text())
    s = slug(dev)
    # On a CPU (the smoke run) the speed file must not take the name of the committed CPU figures.
    speed_file = f"speed-gpu-{s}.json" if s != "cpu" else "speed-suite-cpu.json"
    streaming_file = f"streaming-{s}.json" if s != "cpu" else "streaming-suite-cpu.json"
    speed_data = (["--datasets", "BasicMotions"] if smoke else
                  ["--datasets", "BasicMotions", "ArticularyWordRecognition", "--synthetic", "20000x200x100"])
    return [
        # packed_data_plugin: the tests' load_uea reads the packed file where sktime is missing.
        Step("gpu_tests", 0.13, [py, "-m", "pytest", "-m", "gpu", "-q", "-p", "no:cacheprovider",
                                 "-p", "benchmarks.packed_data_plugin", *tests,
                                 "--junitxml", str(out / "gpu-tests.xml")]),
        Step("speed", 0.12, [py, "-m", "benchmarks.speed.bench_speed", "--archive", data, *speed_data,
                             "--methods", "mlstm_fcn", "mlstm_fcn_fused", *([] if smoke else ["mlstm_fcn_nograph", "mlstm_fcn_cutmix"]),
                             "plain_loop",
                             "sktime_lstmfcn_torch", "--epochs", *(one or ["20"]), "--warmup", *(one or ["3"]),
                             "--timeout", "60", "--out", str(out / speed_file)]),
        Step("setup", 0.05, [py, "-m", "benchmarks.speed.bench_setup", "--archive", data, "--datasets",
                             *(["BasicMotions", "BasicMotions"] if smoke else ["BasicMotions", "ERing"]),
                             "--epochs", *(one or ["500"]), "--out", str(out / f"setup-{s}.json")]),
        Step("fused", 0.07, [py, "-m", "benchmarks.speed.bench_fused", "--archive", data, "--ks",
                             *(["1", "2"] if smoke else ["1", "3", "4", "5", "16", "64"]),
                             "--epochs", *(one or ["100"]), "--warmup", *(one or ["25"]),
                             "--readback", *(one or ["25"]), "--out", str(out / f"fused-{s}.json")]),
        # The synthetic set: is the GPU's arithmetic busy (fraction of the bf16 peak), fused or not?
        Step("fused_synthetic", 0.03, [py, "-m", "benchmarks.speed.bench_fused", "--dataset",
                                       "200x3x20" if smoke else "20000x200x100", "--ks", "1", "2" if smoke else "4",
                                       "--epochs", *(one or ["3"]), "--warmup", "1", "--readback", "1",
                                       "--out", str(out / f"fused-synthetic-{s}.json")]),
        # Resident against streamed training sets on the GPU (and the CPU runs beside them).
        Step("streaming", 0.05, [py, "-m", "benchmarks.speed.bench_streaming",
                                 *(["--tiny", "--device", "cpu"] if smoke else ["--device", "cuda"]),
                                 "--out", str(out / streaming_file)]),
        Step("cv", 0.35, [py, "-m", "benchmarks.studies.select_config", "--archive", data, "--datasets", *datasets,
                          "--configs", *(["paper", "valsplit"] if smoke else CV_CONFIGS),
                          "--folds", "2" if smoke else "3", "--seeds", "0",
                          "--fused", "on" if smoke else "auto", *(["--epochs", "1"] if smoke else []),
                          "--out-dir", str(out / "selection")], budget_flag="--time-budget"),
        Step("accuracy", 0.18, [], budget_flag="--time-budget"),  # command made once the CV has chosen
        Step("readme", 0.02, [py, "-m", "benchmarks.report.readme_tables"]),
    ]


def accuracy_command(args, out: Path) -> tuple[list[str], str]:
    """The test-split run of the configuration the CV chose, beside the paper preset (3 seeds)."""
    from benchmarks.report.results_io import read_rows
    from benchmarks.studies.select_config import choose_config

    chosen, _ = choose_config(read_rows(out / "selection" / "cv.csv"))
    configs = ["paper"] if chosen == "paper" else [chosen, "paper"]
    datasets = ["BasicMotions"] if args.smoke else DATASETS
    cmd = [sys.executable, "-m", "benchmarks.studies.bench_accuracy", "--archive", str(args.data), "--datasets", *datasets,
           "--configs", *configs, "--seeds", *(["0"] if args.smoke else ["0", "1", "2"]),
           *(["--epochs", "1"] if args.smoke else []), "--out-dir", str(out / "accuracy")]
    return cmd, chosen


def load_state(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {"steps": {}}


def save_state(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(path)


def run_step(step: Step, box: float, log: Path, env: dict) -> tuple[str, int | None, float]:
    """Run ``step`` for at most ``box`` seconds; ``(status, return code, seconds)``."""
    cmd = list(step.command)
    if step.budget_flag:
        cmd += [step.budget_flag, f"{max(box - 2 * MARGIN, 1.0):.0f}"]
    start = time.perf_counter()
    with log.open("a") as fh:
        fh.write(f"$ {' '.join(cmd)}\n")
        fh.flush()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=REPO, env=env,
                                start_new_session=True)
        try:
            rc = proc.wait(timeout=max(box, 1.0))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # the step's own process group, workers included
            proc.wait()
            return "partial", None, time.perf_counter() - start
    seconds = time.perf_counter() - start
    if rc == 0 and step.budget_flag and "time budget of" in log.read_text()[-2000:]:
        return "partial", rc, seconds  # it stopped starting fits: more to do on a rerun
    return ("done" if rc == 0 else "failed"), rc, seconds


def write_report(out: Path, state: dict) -> None:
    """``suite-report.md``: device, what each step did, and the headline figures found."""
    lines = ["# GPU suite", "", f"Device: {state['device']}. Budget {state['budget']:.0f} s"
             f"{' (smoke)' if state.get('smoke') else ''}. Runs: {state.get('runs', 1)}.", "",
             "| step | status | seconds | note |", "|---|---|---|---|"]
    for name, st in state["steps"].items():
        lines.append(f"| {name} | {st['status']} | {st.get('seconds', 0):.1f} | {st.get('note', '')} |")
    junit = out / "gpu-tests.xml"
    if junit.exists():
        import xml.etree.ElementTree as ET

        suite = ET.parse(junit).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        counts = {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")}
        lines += ["", f"GPU tests (`pytest -m gpu`): {counts['tests']} collected, {counts['failures']} failed, "
                  f"{counts['errors']} errors, {counts['skipped']} skipped, {float(suite.get('time', 0)):.1f} s."]
    s = slug(state["device"])
    for title, name in [("Fused throughput", f"fused-{s}.json"),
                        ("Fused throughput, synthetic set", f"fused-synthetic-{s}.json")]:
        if not (out / name).exists():
            continue
        run = json.loads((out / name).read_text())
        rows = [r for r in run["results"] if "sec_per_epoch" in r]
        lines += ["", f"## {title}", "", f"Shape {run.get('shape', '?')}.", "",
                  "| k | s/epoch | network-epochs/s | x vs k=1 | TFLOP/s | fraction of bf16 peak |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {r['k']} | {r['sec_per_epoch']:.5f} | {r['networks_epochs_per_sec']:.1f} | "
                  f"{r['speedup_vs_k1']:.2f} | {r['train_tflops']:.3f} | "
                  f"{r['fraction_of_bf16_peak']:.1%} |" if "fraction_of_bf16_peak" in r else
                  f"| {r['k']} | {r['sec_per_epoch']:.5f} | {r['networks_epochs_per_sec']:.1f} | "
                  f"{r['speedup_vs_k1']:.2f} | {r['train_tflops']:.3f} | – |" for r in rows]
    setup = out / f"setup-{s}.json"
    if setup.exists():
        rep = json.loads(setup.read_text())
        lines += ["", "## Fit set-up", "", f"CUDA start {rep['cuda_start_seconds']:.2f} s.", "",
                  "| dataset | fit | seconds | loop | capture | other training | BN statistics | outside |",
                  "|---|---|---|---|---|---|---|---|"]
        lines += [f"| {f['dataset']} | {f['kind']} | {f['fit_seconds']:.3f} | {f['loop']:.3f} | {f['capture']:.3f} | "
                  f"{f['train_other']:.3f} | {f['bn_statistics']:.3f} | {f['outside']:.3f} |" for f in rep["fits"]]
    if state.get("chosen"):
        lines += ["", f"Configuration chosen by the CV on TRAIN splits: **{state['chosen']}** "
                  "(paper when no candidate beats it)"
                  + (", provisional: the CV was not complete when the accuracy step ran." if
                     state.get("chosen_provisional") else ".")]
    (out / "suite-report.md").write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=540.0, help="seconds for the whole suite")
    parser.add_argument("--smoke", action="store_true", help="every step tiny (CI on a CPU)")
    parser.add_argument("--data", default=str(PACKED), help="the packed datasets (benchmarks.pack_uea_npz)")
    parser.add_argument("--out-dir", default=str(RESULTS))
    parser.add_argument("--only", nargs="*", default=None, help="run only these steps")
    args = parser.parse_args()
    started = time.perf_counter()
    out = Path(args.out_dir).resolve()
    (out / "logs").mkdir(parents=True, exist_ok=True)
    state_path = out / "suite-state.json"
    state = load_state(state_path)
    dev = device_name()
    state.update(device=dev, budget=args.budget, smoke=args.smoke, runs=state.get("runs", 0) + 1)
    if not Path(args.data).exists():
        print(f"[suite] no packed data at {args.data}: run python -m benchmarks.pack_uea_npz first", flush=True)
        return 2
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "MLSTM_FCN_PACKED": str(Path(args.data).resolve())}
    plan = [s for s in steps(args, out, dev) if args.only is None or s.name in args.only]
    if out != RESULTS.resolve():
        plan = [s for s in plan if s.name != "readme"]  # the README reads benchmarks/results only
        state["steps"].pop("readme", None)
    total_share = sum(s.share for s in plan if state["steps"].get(s.name, {}).get("status") != "done")
    print(f"[suite] device {dev}; budget {args.budget:.0f} s; output {out}", flush=True)
    for step in plan:
        st = state["steps"].setdefault(step.name, {"status": "left"})
        if st["status"] == "done":
            print(f"[suite] {step.name}: done in an earlier run, skipped", flush=True)
            continue
        left = args.budget - (time.perf_counter() - started) - MARGIN
        # Its share of what is left, in proportion to the steps still to run.
        box = min(left, left * step.share / max(total_share, 1e-9))
        total_share -= step.share
        if box < 5:
            st.update(status="left", note="no budget left")
            print(f"[suite] {step.name}: left for lack of budget", flush=True)
            continue
        if step.name == "accuracy":
            step.command, chosen = accuracy_command(args, out)
            # Chosen on the CV done so far; a rerun that completes the CV may choose again.
            state.update(chosen=chosen, chosen_provisional=state["steps"].get("cv", {}).get("status") != "done")
        log = out / "logs" / f"{step.name}.log"
        print(f"[suite] t={time.perf_counter() - started:6.1f}s {step.name}: start (time box {box:.0f} s)",
              flush=True)
        status, rc, seconds = run_step(step, box, log, env)
        note = {"done": "", "partial": "time box reached: rerun to continue", "failed": f"exit {rc}"}[status]
        st.update(status=status, rc=rc, seconds=st.get("seconds", 0.0) + seconds, note=note,
                  log=str(log.relative_to(out)))
        save_state(state_path, state)
        write_report(out, state)
        print(f"[suite] t={time.perf_counter() - started:6.1f}s {step.name}: {status} ({seconds:.1f} s) {note}",
              flush=True)
    state["seconds_this_run"] = time.perf_counter() - started
    save_state(state_path, state)
    write_report(out, state)
    left = [n for n, st in state["steps"].items() if st["status"] != "done"]
    print(f"[suite] finished in {state['seconds_this_run']:.1f} s; "
          + (f"not done: {', '.join(left)} (rerun to continue)" if left else "every step done"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
