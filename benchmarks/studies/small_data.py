"""The small-data study: augmentation, ensembles and the LSTM's size, judged dataset by dataset.

Cross-validation inside the TRAIN splits only, with repeated stratified
folds on the small sets, as ``benchmarks/results/small-data/RULE.md`` says
(the protocol and the decision rule, fixed before the first row). Each row of
``cv.csv`` is one fit of one candidate on one fold of one repeat, scored on
the held-out fold; a rerun skips the rows already there, so the study can be
stopped and resumed at any time. ``--report`` writes ``report.md`` from the
rows, applying the rule.

    python -m benchmarks.studies.small_data --archive path/to/uea --configs baseline ens3
    python -m benchmarks.studies.small_data --report

Only the package's public API is used.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "results" / "small-data"

#: The 11 sets that choose a lever, cheapest first (PenDigits only guards the combination).
DATASETS = ["ERing", "BasicMotions", "AtrialFibrillation", "RacketSports", "StandWalkJump", "Libras", "NATOPS",
            "JapaneseVowels", "Epilepsy", "FingerMovements", "ArticularyWordRecognition"]
GUARD_DATASET = "PenDigits"

#: Each candidate: the defaults with one change (its lever names what it changes).
CANDIDATES: dict[str, tuple[str, dict]] = {
    "baseline": ("", {}),
    "aug_window_slice": ("augmentation", {"augmentation": "window_slice"}),
    "aug_jitter": ("augmentation", {"augmentation": "jitter"}),
    "aug_scaling": ("augmentation", {"augmentation": "scaling"}),
    "aug_magnitude_warp": ("augmentation", {"augmentation": "magnitude_warp"}),
    "aug_time_warp": ("augmentation", {"augmentation": "time_warp"}),
    "aug_mixup": ("augmentation", {"augmentation": "mixup"}),
    "aug_cutmix": ("augmentation", {"augmentation": "cutmix"}),
    "ens3": ("ensemble", {"n_estimators": 3}),
    "ens5": ("ensemble", {"n_estimators": 5}),
    "lstm64": ("lstm", {"lstm_units": 64}),
    "lstm128": ("lstm", {"lstm_units": 128}),
    # RULE.md's amendment: a fourth lever, added after the first rows and before any of its own.
    "train_longer": ("training length", {"stop_when_fitted": None}),
    # The second amendment: weight averaging, one network's cost, in the ensemble lever.
    "avg_last20": ("ensemble", {"average_last_epochs": 20}),
}

#: The defaults every candidate starts from, as they were when the study began, so that its rows keep
#: meaning the same thing when the defaults follow it (the classifier now augments with cutmix).
STUDY_DEFAULTS = {"augmentation": None}

#: Candidates the rule composes from the winners, their changes read from the rows' results: the
#: winning transforms together (rule 2), the lever winners together (rule 4).
COMPOSED = {"aug_winners": "augmentation", "combined": "combination"}
LEVERS = ("augmentation", "ensemble", "lstm", "training length")

# The rule's thresholds (RULE.md states them; the report reads them from here).
TIE = 0.005
MAX_LOSS = 0.03
MAX_P = 0.10
MAX_COST = 4.0
GUARD_MAX_LOSS = 0.01
HELD_OUT_TARGET = 100
MAX_FOLDS_SMALL = 5
FOLDS_LARGE = 3

FIELDS = ["config", "dataset", "repeat", "fold", "folds", "seed", "n_fit", "n_held_out", "correct", "accuracy",
          "fit_seconds", "cpu_seconds", "epochs_run", "load_average", "device", "torch", "mlstm_fcn", "params"]


def fold_plan(y: np.ndarray) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
    """Every ``(repeat, fold, fit_idx, held_idx)`` of a set with labels ``y``, as RULE.md says."""
    from sklearn.model_selection import StratifiedKFold

    n = len(y)
    smallest = int(np.unique(y, return_counts=True)[1].min())
    if n < HELD_OUT_TARGET:
        k, repeats = max(2, min(MAX_FOLDS_SMALL, smallest)), max(1, math.ceil(HELD_OUT_TARGET / n))
    else:
        k, repeats = max(2, min(FOLDS_LARGE, smallest)), 1
    plan = []
    for r in range(repeats):
        splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=r)
        for f, (fit_idx, held_idx) in enumerate(splitter.split(np.zeros(n), y)):
            plan.append((r, f, fit_idx, held_idx))
    return plan


def _load(archive: Path, name: str):
    from mlstm_fcn.datasets import load_uea

    return load_uea(name, split="train", data_dir=archive)


def _done(path: Path) -> set[tuple[str, str, int, int]]:
    if not path.exists():
        return set()
    with path.open(newline="") as fh:
        return {(r["config"], r["dataset"], int(r["repeat"]), int(r["fold"])) for r in csv.DictReader(fh)}


def _results(path: Path, archive: str) -> dict[str, dict]:
    """compare()'s figures of every candidate with rows in ``path`` (for the composed candidates' changes)."""
    if not path.exists():
        return {}
    rows = read_rows(path)
    return candidate_results(rows, plan_sizes(Path(archive) if Path(archive).exists() else None, rows))


def run(args) -> None:
    import torch

    import mlstm_fcn
    from mlstm_fcn import MLSTMFCNClassifier

    torch.set_num_threads(args.threads)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "cv.csv"
    done = _done(path)
    device = f"cpu ({platform.machine()})"
    for config in args.configs:
        change = change_of(config, _results(path, args.archive))
        if change is None:
            sys.exit(f"{config}: the rule does not define it yet (its inputs are incomplete or no two winners)")
        for name in args.datasets:
            X, y = _load(Path(args.archive), name)
            plan = fold_plan(y)
            if name == GUARD_DATASET:
                plan = [p for p in plan if p[0] == 0]
            folds = max(p[1] for p in plan) + 1
            for r, f, fit_idx, held_idx in (reversed(plan) if args.reverse else plan):
                # Read again before each fit: another process may be running the same candidate from the other end.
                if (config, name, r, f) in done | _done(path):
                    continue
                clf = MLSTMFCNClassifier(random_state=r, device="cpu", **{**STUDY_DEFAULTS, **change})
                start, cpu_start = time.perf_counter(), time.process_time()
                clf.fit(X[fit_idx], y[fit_idx])
                seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
                correct = int((clf.predict(X[held_idx]) == y[held_idx]).sum())
                row = {"config": config, "dataset": name, "repeat": r, "fold": f, "folds": folds, "seed": r,
                       "n_fit": len(fit_idx), "n_held_out": len(held_idx), "correct": correct,
                       "accuracy": f"{correct / len(held_idx):.4f}", "fit_seconds": f"{seconds:.2f}",
                       "cpu_seconds": f"{cpu_seconds:.2f}",
                       "epochs_run": clf.n_epochs_, "load_average": f"{os.getloadavg()[0]:.2f}",
                       "device": device, "torch": torch.__version__, "mlstm_fcn": mlstm_fcn.__version__,
                       "params": json.dumps(change, sort_keys=True)}
                new = not path.exists()
                with path.open("a", newline="") as fh:  # one whole row at a time: safe to kill
                    writer = csv.DictWriter(fh, fieldnames=FIELDS)
                    if new:
                        writer.writeheader()
                    writer.writerow(row)
                done.add((config, name, r, f))
                print(f"{config} {name} r{r} f{f}: {row['accuracy']} ({seconds:.1f} s, {clf.n_epochs_} epochs)",
                      flush=True)


# ------------------------------------------------------------------ report
def read_rows(path: Path) -> list[dict]:
    """The rows, each fit once: where two processes ran the same fold, the first row counts."""
    rows, seen = [], set()
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            key = (row["config"], row["dataset"], row["repeat"], row["fold"])
            if key not in seen:
                seen.add(key)
                rows.append(row)
    return rows


def pooled(rows: list[dict], config: str, dataset: str, plan_size: int) -> tuple[float, float] | None:
    """(pooled held-out accuracy, summed CPU seconds of fitting) of a candidate on a set, None until all fits are in."""
    mine = [r for r in rows if r["config"] == config and r["dataset"] == dataset]
    if len(mine) < plan_size:
        return None
    return (sum(int(r["correct"]) for r in mine) / sum(int(r["n_held_out"]) for r in mine),
            sum(float(r["cpu_seconds"]) for r in mine))


def compare(rows: list[dict], config: str, sizes: dict[str, int]) -> dict | None:
    """The rule's figures of ``config`` against ``baseline`` over the sets both completed (None: none yet)."""
    from scipy.stats import wilcoxon

    diffs, cost, base_cost, per_set = [], 0.0, 0.0, {}
    for d in DATASETS:
        a, b = pooled(rows, config, d, sizes.get(d, 0)), pooled(rows, "baseline", d, sizes.get(d, 0))
        if a is None or b is None:
            continue
        diffs.append(a[0] - b[0])
        per_set[d] = (b[0], a[0])
        cost += a[1]
        base_cost += b[1]
    if not diffs:
        return None
    d = np.array(diffs)
    better, worse = int((d >= TIE).sum()), int((d <= -TIE).sum())
    nonzero = d[d != 0]
    p = float(wilcoxon(nonzero, zero_method="wilcox", alternative="greater").pvalue) if len(nonzero) else 1.0
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
    complete = len(diffs) == len(DATASETS)
    wins = bool(complete and d.mean() > 0 and better > worse and p <= MAX_P and d.min() > -MAX_LOSS)
    return {"config": config, "sets": len(diffs), "mean": float(d.mean()), "se": se, "better": better,
            "equal": len(d) - better - worse, "worse": worse, "p": p, "min": float(d.min()),
            "cost": cost / base_cost if base_cost else float("nan"), "complete": complete, "wins": wins,
            "per_set": per_set}


def _lever(config: str) -> str:
    return COMPOSED.get(config) or CANDIDATES[config][0]


def change_of(config: str, results: dict[str, dict]) -> dict | None:
    """The parameters ``config`` changes; for a composed candidate, from the results (None: not yet defined)."""
    if config in CANDIDATES:
        return dict(CANDIDATES[config][1])
    decision = decide(results)
    return decision["changes"].get(config)


def decide(results: dict[str, dict], guard: dict[str, float] | None = None) -> dict:
    """Rules 2 to 5 applied to the candidates' figures (:func:`compare`'s, by candidate name).

    Returns the winner of each lever (None: no winner; ``"pending"``: not all of its candidates are
    complete), the composed candidates' changes once the rule defines them, the candidates the rule
    needs next, and the choice (a candidate name, ``"baseline"`` when the defaults stay, None until
    decided). ``guard`` maps candidate names, ``"baseline"`` included, to PenDigits CV accuracy.
    """
    def done(c):
        return c in results and results[c]["complete"]

    levers, changes, needed = {}, {}, []
    for lever in LEVERS:
        members = [c for c, (lv, _) in CANDIDATES.items() if lv == lever]
        if not all(done(c) for c in members):
            levers[lever] = "pending"
            needed += [c for c in members if not done(c)]
            continue
        winners = sorted((c for c in members if results[c]["wins"]), key=lambda c: -results[c]["mean"])
        levers[lever] = winners[0] if winners else None
        if lever == "augmentation" and len(winners) >= 2:  # rule 2: the winning transforms together
            names = [CANDIDATES[c][1]["augmentation"] for c in sorted(winners, key=list(CANDIDATES).index)]
            changes["aug_winners"] = {"augmentation": names}
            if not done("aug_winners"):
                levers[lever] = "pending"
                needed.append("aug_winners")
            elif results["aug_winners"]["wins"] and results["aug_winners"]["mean"] >= results[winners[0]]["mean"]:
                levers[lever] = "aug_winners"
    decision = {"levers": levers, "changes": changes, "needed": needed, "choice": None}
    if "pending" in levers.values():
        return decision
    # Rule 3: only a lever winner within the cost limit can join the defaults.
    eligible = [c for c in levers.values() if c is not None and results[c]["cost"] <= MAX_COST]
    options = sorted(eligible, key=lambda c: -results[c]["mean"])
    if len(eligible) >= 2:  # rule 4: the eligible lever winners together
        combined: dict = {}
        for c in eligible:
            combined.update(changes.get(c) or CANDIDATES[c][1])
        changes["combined"] = combined
        if not done("combined"):
            needed.append("combined")
            return decision
        if results["combined"]["wins"] and results["combined"]["mean"] >= results[options[0]]["mean"]:
            options.insert(0, "combined")
    if not options:
        decision["choice"] = "baseline"
        return decision
    # Rule 5: the PenDigits guard, tried in order of mean difference.
    guard = guard or {}
    for c in options:
        if c not in guard or "baseline" not in guard:
            decision["needed"].append(f"{c} on {GUARD_DATASET}")
            return decision
        if guard[c] >= guard["baseline"] - GUARD_MAX_LOSS:
            decision["choice"] = c
            return decision
    decision["choice"] = "baseline"
    return decision


def plan_sizes(archive: Path | None, rows: list[dict]) -> dict[str, int]:
    """Fits per set of one candidate: from the data when the archive is at hand, else from the rows' folds."""
    sizes = {}
    for d in DATASETS:
        if archive is not None and (archive / d).exists():
            sizes[d] = len(fold_plan(_load(archive, d)[1]))
        else:
            mine = [r for r in rows if r["dataset"] == d and r["config"] == "baseline"]
            if mine:
                repeats = {int(r["repeat"]) for r in mine}
                sizes[d] = int(mine[0]["folds"]) * (max(repeats) + 1)
    return sizes


def candidate_results(rows: list[dict], sizes: dict[str, int]) -> dict[str, dict]:
    """:func:`compare`'s figures of every candidate with rows, in the order of the report."""
    return {c: r for c in [*CANDIDATES, *COMPOSED] if c != "baseline" and (r := compare(rows, c, sizes)) is not None}


def study_decision(out: Path = OUT, archive: Path | None = None) -> dict:
    """Rules 2 to 5 applied to the rows in ``out/cv.csv`` (:func:`decide`'s answer, the guard included)."""
    rows = read_rows(out / "cv.csv")
    return decide(candidate_results(rows, plan_sizes(archive, rows)), guard_accuracies(rows))


def guard_accuracies(rows: list[dict]) -> dict[str, float]:
    """PenDigits CV accuracy of each candidate with all of its guard folds in."""
    accuracies = {}
    for config in {r["config"] for r in rows if r["dataset"] == GUARD_DATASET}:
        mine = [r for r in rows if r["dataset"] == GUARD_DATASET and r["config"] == config]
        if len(mine) == int(mine[0]["folds"]):
            accuracies[config] = sum(int(r["correct"]) for r in mine) / sum(int(r["n_held_out"]) for r in mine)
    return accuracies


def decision_lines(decision: dict, results: dict[str, dict], guard: dict[str, float] | None = None) -> list[str]:
    """The report's account of rules 2 to 5: each lever's winner, the composed candidates, what comes next."""
    def name(c):
        return "none" if c is None else ("not decided (candidates incomplete)" if c == "pending" else f"`{c}`")

    lines = ["Decision (rules 2 to 5):", ""]
    for lever, winner in decision["levers"].items():
        cost = "" if winner in (None, "pending") else (
            f" (cost ratio {results[winner]['cost']:.2f}" + (", above the limit: a setting to choose, not a default)"
                                                            if results[winner]["cost"] > MAX_COST else ")"))
        lines.append(f"- {lever}: {name(winner)}{cost}")
    for config, change in decision["changes"].items():
        lines.append(f"- `{config}` changes {json.dumps(change, sort_keys=True)}")
    if guard:
        lines.append(f"- {GUARD_DATASET} guard (CV accuracy, {FOLDS_LARGE} folds, seed 0; a candidate may lose at most "
                     f"{GUARD_MAX_LOSS}): " + ", ".join(f"{c} {a:.4f}" for c, a in sorted(
                         guard.items(), key=lambda kv: kv[0] != "baseline")))
    if decision["choice"] is not None:
        lines.append("- the defaults: " + ("unchanged" if decision["choice"] == "baseline"
                                           else f"`{decision['choice']}`"))
    else:
        lines.append("- still to run: " + ", ".join(decision["needed"]))
    return lines


def _describe(change: dict) -> str:
    return ", ".join(f"`{k}={v!r}`" for k, v in sorted(change.items()))


def levers_table(rows: list[dict]) -> str:
    """The user guide's table: each candidate complete on every set, its gain over the defaults and its cost."""
    sizes = plan_sizes(None, rows)
    results = {c: r for c in [*CANDIDATES, *COMPOSED] if c != "baseline"
               and (r := compare(rows, c, sizes)) is not None and r["complete"]}
    lines = ["| setting | mean gain (CV) | sets better / equal / worse | worst set | CPU cost | wins by the rule |",
             "|---|---|---|---|---|---|"]
    for c, r in results.items():
        lines.append(f"| {_describe(change_of(c, results) or {})} | {r['mean']:+.3f} ± {r['se']:.3f} | "
                     f"{r['better']} / {r['equal']} / {r['worse']} | {r['min']:+.3f} | {r['cost']:.1f}x | "
                     f"{'yes' if r['wins'] else 'no'} |")
    if not results:
        lines.append("| (no candidate has completed every set yet) | | | | | |")
    pending = [_describe(CANDIDATES[c][1]) for c in CANDIDATES if c != "baseline" and c not in results]
    return "\n".join(lines) + (f"\n\nStill being measured: {'; '.join(pending)}." if pending else "")


def plot_levers(out: Path, archive: Path | None, path: Path) -> None:
    """Each candidate's difference from the defaults on every set (dots), its mean ± se and its cost ratio."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = read_rows(out / "cv.csv")
    sizes = plan_sizes(archive, rows)
    results = {c: r for c in [*CANDIDATES, *COMPOSED] if c != "baseline"
               and (r := compare(rows, c, sizes)) is not None and r["complete"]}
    fig, ax = plt.subplots(figsize=(4.5 + 0.8 * len(results), 3.6), layout="constrained")
    ax.axhline(0, color="0.5", lw=0.8)
    ax.axhline(-MAX_LOSS, color="tab:red", lw=0.8, ls=":", label=f"veto: a set worse by {MAX_LOSS:.0%}")
    cmap = plt.get_cmap("viridis")
    for i, (config, r) in enumerate(results.items()):
        for j, d in enumerate(DATASETS):
            base, cand = r["per_set"][d]
            ax.plot(i + (j - 5) * 0.03, cand - base, "o", ms=4, color=cmap(j / len(DATASETS)),
                    label=d if i == 0 else None)
        ax.errorbar(i + 0.25, r["mean"], yerr=r["se"], fmt="s", color="k", ms=5, capsize=3,
                    label="mean ± se" if i == 0 else None)
        ax.annotate(f"{r['cost']:.1f}x", (i, 1.0), xycoords=("data", "axes fraction"), ha="center", va="bottom",
                    fontsize=8)
    if not results:
        ax.text(0.5, 0.5, "No setting measured on every set yet", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks(range(len(results)), list(results), rotation=30, ha="right")
    ax.set_ylabel("CV accuracy − defaults'")
    ax.legend(fontsize=7, ncol=1, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title("Per set, CV on the TRAIN splits; above: CPU cost", fontsize=9, pad=14)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report(out: Path, archive: Path | None) -> str:
    """Write ``report.md`` beside the rows, from them (:func:`render_report`); return its text."""
    text = render_report(out, archive)
    (out / "report.md").write_text(text)
    return text


def render_report(out: Path, archive: Path | None) -> str:
    """The report of the rows in ``out/cv.csv``: each candidate's figures and verdict by the rule."""
    rows = read_rows(out / "cv.csv")
    sizes = plan_sizes(archive, rows)
    lines = ["# Small-data study: cross-validation inside the TRAIN splits", "",
             "Generated by `python -m benchmarks.studies.small_data --report` from `benchmarks/results/small-data/cv.csv`; "
             "the protocol and the rule, fixed before the first row, are in "
             "`benchmarks/results/small-data/RULE.md`.", "",
             f"Rule 1 (a candidate wins): mean difference > 0, more sets better than worse (ties within "
             f"{TIE}), one-sided Wilcoxon p <= {MAX_P}, no set worse by more than {MAX_LOSS}; cost ratio <= "
             f"{MAX_COST} to become a default.", "",
             "| candidate | lever | sets done | mean d ± se | better / equal / worse | Wilcoxon p | worst d | "
             "cost ratio | wins |", "|---|---|---|---|---|---|---|---|---|"]
    results = candidate_results(rows, sizes)
    for config, c in results.items():
        verdict = ("yes" if c["wins"] else "no") if c["complete"] else "(incomplete)"
        lines.append(f"| {config} | {_lever(config)} | {c['sets']}/{len(DATASETS)} | {c['mean']:+.4f} ± {c['se']:.4f} | "
                     f"{c['better']} / {c['equal']} / {c['worse']} | {c['p']:.3f} | {c['min']:+.4f} | "
                     f"{c['cost']:.2f} | {verdict} |")
    header = ["set", "fits per candidate", "baseline", *results]
    lines += ["", "CV accuracy per set (pooled over every fold of every repeat; blank: not all fits done):", "",
              "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for d in DATASETS:
        base = pooled(rows, "baseline", d, sizes.get(d, 0))
        cells = [str(sizes.get(d, "")), "" if base is None else f"{base[0]:.4f}"]
        cells += [f"{results[c]['per_set'][d][1]:.4f}" if d in results[c]["per_set"] else "" for c in results]
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    guard = guard_accuracies(rows)
    lines += ["", *decision_lines(decide(results, guard), results, guard)]
    counts = {c: sum(r["config"] == c for r in rows) for c in [*CANDIDATES, *COMPOSED]}
    total = sum(sizes.values())
    lines += ["", "Fits done per candidate (of " + str(total) + "): "
              + ", ".join(f"{c} {n}" for c, n in counts.items() if n) + "."]
    loads = [float(r["load_average"]) for r in rows]
    lines += ["", f"{len(rows)} fits, one torch thread each, on {rows[0]['device']}; the 1-minute load average "
              f"at the rows was {min(loads):.2f}-{max(loads):.2f} (mean {np.mean(loads):.2f}): the machine ran "
              "other work beside the study, so wall-clock fit times are those of a loaded machine; the cost "
              "ratios are of CPU seconds, which the load does not inflate."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", default=os.environ.get("ARCHIVE", "../shared/uea"),
                        help="folder of UEA datasets (<Name>/<Name>_TRAIN.ts)")
    parser.add_argument("--configs", nargs="+", default=["baseline"], choices=[*CANDIDATES, *COMPOSED])
    parser.add_argument("--datasets", nargs="+", default=DATASETS)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reverse", action="store_true",
                        help="walk each set's folds from the last: a second process on the same candidate and set")
    parser.add_argument("--out-dir", default=str(OUT))
    parser.add_argument("--report", action="store_true", help="write report.md from the rows and print it")
    parser.add_argument("--figure", help="write the figure of the complete candidates to this PNG file")
    args = parser.parse_args()
    if args.report or args.figure:
        archive = Path(args.archive)
        archive = archive if archive.exists() else None
        if args.report:
            print(report(Path(args.out_dir), archive))
        if args.figure:
            plot_levers(Path(args.out_dir), archive, Path(args.figure))
        return
    run(args)


if __name__ == "__main__":
    sys.exit(main())
