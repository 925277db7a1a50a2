"""Ensembles of 1, 2 and 3 networks of the recipe study's choice, read off its seeds.

RULE.md: ensembles become the default only if 3 networks beat 1 in the CV by
more than one standard error (over the 12 datasets) *and* cost less than 3
separate fits on the CPU. A k-network ensemble's CV accuracy is that of the
probabilities of k seeds averaged fold by fold (as ``n_estimators=k`` averages
its members), the mean over every choice of k of the seeds run; 1 network is
the mean over single seeds. Writes ``ensembles.md`` beside ``cv.csv``.

    python -m benchmarks.studies.recipe_ensembles [--out-dir benchmarks/results/recipe-cv]
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from benchmarks import RESULTS
from benchmarks.cli import report_main
from benchmarks.report.results_io import read_rows
from benchmarks.studies.recipe_choice import choose
from benchmarks.studies.seed_ensembles import seed_ensemble_accuracy

#: Ensemble sizes compared.
SIZES = (1, 2, 3)


def ensemble_table(out: Path, rows: list[dict], config: str) -> dict[str, dict[int, float]]:
    """``{dataset: {k: CV accuracy of k-network ensembles}}`` for the datasets with every seed of 3 on every fold."""
    table: dict[str, dict[int, float]] = {}
    for dataset in sorted({r["dataset"] for r in rows if r["config"] == config}):
        mine = [r for r in rows if r["config"] == config and r["dataset"] == dataset]
        seeds = sorted({int(r["seed"]) for r in mine})
        scores = {}
        for k in SIZES:
            accs = [seed_ensemble_accuracy(out, rows, config, dataset, list(c), least=1)
                    for c in itertools.combinations(seeds, k)]
            accs = [a for a in accs if a is not None]
            if accs:
                scores[k] = float(np.mean(accs))
        if max(SIZES) in scores:
            table[dataset] = scores
    return table


def summary(out: Path) -> tuple[str, str]:
    """``(chosen candidate, Markdown table and verdict)`` of the ensembles in ``out``'s rows."""
    rows = read_rows(out / "cv.csv")
    chosen = choose(rows)["batch size"] or "defaults"
    table = ensemble_table(out, rows, chosen)
    lines = ["| dataset | " + " | ".join(f"{k} network{'s' if k > 1 else ''}" for k in SIZES) + " |",
             "|---|" + "---|" * len(SIZES)]
    lines += [f"| {d} | " + " | ".join(f"{s[k]:.4f}" for k in SIZES) + " |" for d, s in table.items()]
    if table:
        lines.append("| **mean** | " + " | ".join(f"**{np.mean([s[k] for s in table.values()]):.4f}**"
                                                  for k in SIZES) + " |")
    diffs = np.array([s[3] - s[1] for s in table.values()])
    if len(diffs) >= 2:
        m, se = float(diffs.mean()), float(diffs.std(ddof=1) / np.sqrt(len(diffs)))
        verdict = (f"3 networks against 1 over {len(diffs)} datasets: {m:+.4f} ± {se:.4f} (mean difference ± "
                   f"standard error): " + ("above one standard error, so the cost decides (RULE.md)." if m > se
                                           else "not above one standard error, so ensembles do not become the "
                                                "default (RULE.md), whatever they cost."))
    else:
        verdict = "Too few datasets with 3 seeds on every fold to decide."
    return chosen, "\n".join(lines) + "\n\n" + verdict


def report(out: Path) -> str:
    """Write ``ensembles.md``; return its text."""
    chosen, body = summary(out)
    text = (f"# Ensembles of `{chosen}`, read off its seeds\n\n"
            "CV accuracy inside the TRAIN splits: a k-network ensemble averages the held-out probabilities of k "
            "seeds fold by fold, as `n_estimators=k` averages its members; the figure is the mean over every "
            "choice of k seeds.\n\n" + body + "\n")
    (out / "ensembles.md").write_text(text)
    return text


def main() -> None:
    report_main(__doc__, report, RESULTS / "recipe-cv")


if __name__ == "__main__":
    main()
