"""The recipe study's choice, by the rule written before its runs (``results/recipe-cv/RULE.md``).

Reads ``cv.csv`` of ``run_recipe_cv.sh`` and writes ``recipe.md``: for each
single change from ``defaults``, the per-dataset CV accuracy (and balanced
accuracy), the mean difference from the defaults over the datasets both have
finished with its standard error, whether the change wins (mean difference
above one standard error), and per parameter the winner (highest mean; of two
within one standard error, the cheaper by mean fit time). The choice is
*final* only when every candidate is decided: it has finished all 12 shared
datasets, or it cannot win whatever its missing datasets give (with accuracy
1 on each of them its mean difference would still be at most 0, and a win
needs a mean above its standard error). Before that it is marked
provisional and decides nothing.

    python -m benchmarks.studies.recipe_choice [--out-dir benchmarks/results/recipe-cv]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks import RESULTS
from benchmarks.cli import report_main
from benchmarks.report.results_io import read_rows

BASELINE = "defaults"
#: The candidates of each parameter (RULE.md: one winner per parameter, then combined).
PARAMETERS: dict[str, list[str]] = {
    "batch size": ["d_batch16", "d_batch32", "d_batch64", "d_batch_rule"],
    "how long to train": ["d_steps", "d_plateau"],
    "input scaling": ["d_instance", "d_channel"],
    "class weights": ["d_unweighted"],
}
#: Datasets a final choice needs (the 12 shared sets).
N_DATASETS = 12
#: The seeds RULE.md names; rows of further seeds (the chosen candidate's, for ensembles of 3) are not
#: part of the choice.
STUDY_SEEDS = ("0", "1")


def study_rows(rows: list[dict]) -> list[dict]:
    """The rows of the seeds RULE.md names."""
    return [r for r in rows if r["seed"] in STUDY_SEEDS]


def per_dataset(rows: list[dict], metric: str = "accuracy") -> dict[str, dict[str, float]]:
    """``{config: {dataset: CV score}}``: held-out ``metric`` pooled over folds, mean over complete study seeds."""
    rows = study_rows(rows)
    out: dict[str, dict[str, float]] = {}
    for c in sorted({r["config"] for r in rows}):
        for d in sorted({r["dataset"] for r in rows}):
            mine = [r for r in rows if r["config"] == c and r["dataset"] == d]
            scores = []
            for s in sorted({r["seed"] for r in mine}):
                part = [r for r in mine if r["seed"] == s]
                if len({r["fold"] for r in part}) < int(part[0]["folds"]):
                    continue  # a seed cut short
                n = np.array([int(r["n_held_out"]) for r in part])
                v = np.array([float(r[metric]) for r in part])
                scores.append(float((v * n).sum() / n.sum()))
            if scores:
                out.setdefault(c, {})[d] = float(np.mean(scores))
    return out


def compare(table: dict[str, dict[str, float]], candidate: str, baseline: str = BASELINE) -> tuple[float, float, int]:
    """Mean and standard error of ``candidate`` minus ``baseline`` over the datasets both have, and their count."""
    common = sorted(set(table.get(candidate, {})) & set(table.get(baseline, {})))
    diffs = np.array([table[candidate][d] - table[baseline][d] for d in common])
    if len(diffs) < 2:
        return (float(diffs.mean()) if len(diffs) else float("nan")), float("nan"), len(diffs)
    return float(diffs.mean()), float(diffs.std(ddof=1) / np.sqrt(len(diffs))), len(diffs)


def decided(table: dict[str, dict[str, float]], candidate: str) -> bool:
    """Whether ``candidate``'s result is settled: all datasets finished, or no win possible on the missing ones."""
    mine, base = table.get(candidate, {}), table.get(BASELINE, {})
    if len(mine) >= N_DATASETS:
        return True
    if len(base) < N_DATASETS:
        return False
    # The most the missing datasets can add: accuracy 1 on each.
    best_case = [mine.get(d, 1.0) - base[d] for d in base]
    return float(np.mean(best_case)) <= 0.0


def mean_seconds(rows: list[dict], config: str) -> float:
    return float(np.mean([float(r["fit_seconds"]) for r in rows if r["config"] == config]))


def choose(rows: list[dict]) -> dict[str, str | None]:
    """Per parameter, the winning change (None: the defaults' value stays), by RULE.md."""
    rows = study_rows(rows)
    table = per_dataset(rows)
    out: dict[str, str | None] = {}
    for parameter, candidates in PARAMETERS.items():
        stats = {c: compare(table, c) for c in candidates if c in table}
        winners = [c for c, (m, se, _) in stats.items() if np.isfinite(se) and m > se]
        if not winners:
            out[parameter] = None
            continue
        best = max(winners, key=lambda c: stats[c][0])
        # Of winners within one standard error of the best, the cheapest.
        close = [c for c in winners if stats[best][0] - stats[c][0] <= stats[best][1]]
        out[parameter] = min(close, key=lambda c: mean_seconds(rows, c))
    return out


#: RULE.md's amendment: the chosen candidate going on past its 100 epochs while still learning
#: (``min_epochs``), against the chosen candidate; and their names in the constructed case's rows.
TRAIN_ON, CHOSEN = "d_train_on", "d_batch16"
HARD_CASE = {"d_train_on": "recipe_train_on", "d_batch16": "recipe"}


def train_on_verdict(rows: list[dict], hard_rows: list[dict]) -> tuple[bool | None, str]:
    """RULE.md's amendment applied: ``(adopted, Markdown)``; adopted is None while rows are missing.

    Adopted unless its CV mean is below the chosen candidate's by more than one standard error,
    or it does not reach a higher test accuracy than the cap on the constructed case on both seeds.
    """
    rows = study_rows(rows)
    acc = per_dataset(rows)
    m, se, n = compare(acc, TRAIN_ON, CHOSEN)
    hard = {(r["config"], r["seed"]): r for r in hard_rows}
    seeds = sorted({s for c, s in hard if c == HARD_CASE[TRAIN_ON]} & {s for c, s in hard if c == HARD_CASE[CHOSEN]}
                   & set(STUDY_SEEDS))
    pairs = [(hard[(HARD_CASE[CHOSEN], s)], hard[(HARD_CASE[TRAIN_ON], s)]) for s in seeds]
    better = all(float(b["test_accuracy"]) > float(a["test_accuracy"]) for a, b in pairs)
    common = sorted(set(acc.get(TRAIN_ON, {})) & set(acc.get(CHOSEN, {})))
    epochs = {c: {(r["dataset"], r["fold"], r["seed"]): float(r["epochs_run"]) for r in rows
                  if r["config"] == c and r["dataset"] in common} for c in (CHOSEN, TRAIN_ON)}
    went_on = [k for k, e in epochs[TRAIN_ON].items() if e > epochs[CHOSEN].get(k, e)]
    secs = {c: sum(float(r["fit_seconds"]) for r in rows if r["config"] == c and r["dataset"] in common)
            for c in (CHOSEN, TRAIN_ON)}
    complete = n >= N_DATASETS and len(pairs) == len(STUDY_SEEDS)
    # "More than one standard error": with one dataset changed, the mean is exactly minus one standard
    # error (t = -1 whatever the change), which floating point may put on either side; a tie is not more.
    below = m < -se * (1 + 1e-9)
    adopted = (not below and better) if complete else None
    lines = [f"- CV accuracy, `{TRAIN_ON}` minus `{CHOSEN}` over the {n} datasets both finished: "
             f"{m:+.4f} ± {se:.4f}" + ("" if n >= N_DATASETS else f" (of {N_DATASETS}: provisional)") + ".",
             f"- Mean epochs per CV fit on those datasets: "
             f"{np.mean(list(epochs[CHOSEN].values())) if epochs[CHOSEN] else float('nan'):.1f} (`{CHOSEN}`), "
             f"{np.mean(list(epochs[TRAIN_ON].values())) if epochs[TRAIN_ON] else float('nan'):.1f} (`{TRAIN_ON}`); "
             f"{len(went_on)} of {len(epochs[TRAIN_ON])} fits went on past 100"
             + (f" ({', '.join(sorted({d for d, _, _ in went_on}))})" if went_on else "") + "; "
             f"fit time {secs[TRAIN_ON] / secs[CHOSEN] if secs[CHOSEN] else float('nan'):.2f}x (the two ran at "
             "different loads of the machine: the epochs are the cost to compare).",
             "- Constructed case (test accuracy, epochs): " + "; ".join(
                 f"seed {s}: cap {float(a['test_accuracy']):.3f} ({a['epochs_run']}), going on "
                 f"{float(b['test_accuracy']):.3f} ({b['epochs_run']})" for s, (a, b) in zip(seeds, pairs))
             + ("" if len(pairs) == len(STUDY_SEEDS) else " (provisional)") + ".",
             "- Verdict: " + ("provisional: rows missing, by the amendment this decides nothing yet" if adopted is None
                              else "adopted: the defaults go on past 100 epochs while still learning" if adopted
                              else "not adopted: the cap of 100 stays") + "."]
    return adopted, "\n".join(lines)


def summary(rows: list[dict]) -> tuple[str, str, str]:
    """``(status, comparison table, choice list)`` of the CV rows, in Markdown."""
    rows = study_rows(rows)
    acc, bal = per_dataset(rows), per_dataset(rows, "balanced_accuracy")
    configs = [BASELINE] + [c for cs in PARAMETERS.values() for c in cs]
    finished = {c: len(acc.get(c, {})) for c in configs}
    final = all(decided(acc, c) for c in configs)
    diff_lines = ["| candidate | datasets | accuracy: mean diff ± se | wins | balanced accuracy: mean diff ± se | "
                  "mean fit s | mean optimizer steps |", "|---|---|---|---|---|---|---|"]
    for c in configs[1:]:
        m, se, n = compare(acc, c)
        bm, bse, _ = compare(bal, c)
        steps = [float(r["optimizer_steps"]) for r in rows if r["config"] == c]
        wins = "yes" if np.isfinite(se) and m > se else "no"
        diff_lines.append(f"| {c} | {n} | {m:+.4f} ± {se:.4f} | {wins} | {bm:+.4f} ± {bse:.4f} | "
                          f"{mean_seconds(rows, c) if steps else float('nan'):.1f} | "
                          f"{np.mean(steps) if steps else float('nan'):.0f} |")
    short = [c for c in configs if finished[c] < N_DATASETS]
    status = ("**Final**: every candidate is decided"
              + (f" ({', '.join(f'{c} {finished[c]}' for c in short)} of {N_DATASETS} datasets: with accuracy 1 "
                 "on every missing dataset the mean difference would still be at most 0, so they cannot win)"
                 if short else f" (all finished the {N_DATASETS} datasets)") + "." if final else
              f"**Provisional**: not every candidate is decided "
              f"({', '.join(f'{c} {n}' for c, n in finished.items())} datasets); by RULE.md this decides nothing yet.")
    choice = "\n".join(f"- {p}: {c or 'the value of the defaults stays'}" for p, c in choose(rows).items())
    return status, "\n".join(diff_lines), choice


def report(out_dir: Path) -> str:
    """Write ``recipe.md`` from ``cv.csv``; return its text."""
    rows = study_rows(read_rows(out_dir / "cv.csv"))
    acc = per_dataset(rows)
    configs = [BASELINE] + [c for cs in PARAMETERS.values() for c in cs]
    datasets = sorted({d for t in acc.values() for d in t})
    lines = ["| dataset | " + " | ".join(configs) + " |", "|---" * (len(configs) + 1) + "|"]
    for d in datasets:
        lines.append(f"| {d} | " + " | ".join(f"{acc[c][d]:.4f}" if d in acc.get(c, {}) else "–" for c in configs)
                     + " |")
    status, comparison, choice = summary(rows)
    hard_csv = out_dir.parent / "hard-case" / "hard_case.csv"
    _, train_on = train_on_verdict(rows, read_rows(hard_csv) if hard_csv.exists() else [])
    loads = [float(r["load_average"]) for r in rows if r.get("load_average")]
    text = ("# Recipe study: CV inside the TRAIN splits, one change at a time from the defaults\n\n"
            f"{status}\n\nRule: `RULE.md` (written before the runs). Accuracy pooled over the 3 folds, mean over "
            f"the complete seeds; differences against `{BASELINE}` over the datasets both finished. Fit times on "
            f"one torch thread of a 2-core machine shared with other work (1-minute load average "
            f"{min(loads, default=float('nan')):.1f} to {max(loads, default=float('nan')):.1f} during the fits): "
            "compare them only roughly.\n\n"
            "## CV accuracy per dataset\n\n" + "\n".join(lines) + "\n\n## Against the defaults\n\n"
            + comparison + "\n\n## Choice per parameter\n\n" + choice + "\n\n"
            "## Amendment: going on past 100 epochs while still learning\n\n" + train_on + "\n")
    (out_dir / "recipe.md").write_text(text)
    return text


def main() -> None:
    report_main(__doc__, report, RESULTS / "recipe-cv")


if __name__ == "__main__":
    main()
