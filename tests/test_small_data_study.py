"""The small-data study's folds and decision rule (benchmarks/studies/small_data.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.studies import small_data as study

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT.parent / "shared" / "uea"


@pytest.mark.parametrize("n, classes, folds, repeats", [(12, 3, 4, 9), (15, 3, 5, 7), (30, 6, 5, 4), (40, 4, 5, 3),
                                                         (151, 4, 3, 1)])
def test_folds_give_every_set_about_a_hundred_held_out_predictions(n, classes, folds, repeats):
    y = np.arange(n) % classes
    plan = study.fold_plan(y)
    assert len(plan) == folds * repeats
    assert {r for r, *_ in plan} == set(range(repeats))
    for r in range(repeats):
        held = np.concatenate([h for rr, _, _, h in plan if rr == r])
        assert sorted(held) == list(range(n))  # each repeat holds out every series once
    assert sum(len(h) for *_, h in plan) >= min(n * repeats, 100)
    assert len({tuple(plan[0][3]), tuple(plan[folds][3] if repeats > 1 else plan[0][3])}) == (2 if repeats > 1 else 1)


def _rows(diffs: dict[str, float], config: str = "cand") -> list[dict]:
    rows = []
    for d, diff in diffs.items():
        for c, acc in (("baseline", 0.7), (config, 0.7 + diff)):
            rows.append({"config": c, "dataset": d, "repeat": "0", "fold": "0", "n_held_out": "1000",
                         "correct": str(round(acc * 1000)), "cpu_seconds": "2.0" if c == config else "1.0"})
    return rows


def test_a_candidate_better_on_most_sets_wins():
    diffs = dict(zip(study.DATASETS, [0.02, 0.01, 0.03, 0.0, 0.01, 0.02, -0.01, 0.015, 0.01, 0.02, 0.005]))
    result = study.compare(_rows(diffs), "cand", {d: 1 for d in study.DATASETS})
    assert result["wins"] and result["better"] == 9 and result["worse"] == 1 and result["equal"] == 1
    assert result["cost"] == pytest.approx(2.0)


def test_two_tiny_sets_cannot_carry_the_mean():
    # A large mean from two sets, the rest slightly worse: the mean is positive, the counts say no.
    diffs = dict(zip(study.DATASETS, [0.30, 0.25] + [-0.006] * 9))
    result = study.compare(_rows(diffs), "cand", {d: 1 for d in study.DATASETS})
    assert result["mean"] > 0 and not result["wins"]


def test_one_set_losing_more_than_the_limit_vetoes():
    diffs = dict(zip(study.DATASETS, [0.05] * 10 + [-0.04]))
    result = study.compare(_rows(diffs), "cand", {d: 1 for d in study.DATASETS})
    assert result["better"] == 10 and result["p"] < 0.01 and not result["wins"]


def test_an_incomplete_candidate_never_wins():
    diffs = dict(zip(study.DATASETS[:5], [0.05] * 5))
    result = study.compare(_rows(diffs), "cand", {d: 1 for d in study.DATASETS})
    assert result["sets"] == 5 and not result["complete"] and not result["wins"]


@pytest.mark.skipif(not ARCHIVE.exists(), reason="needs the shared UEA archive")
def test_the_committed_report_is_made_from_the_committed_rows(tmp_path):
    out = ROOT / "benchmarks" / "results" / "small-data"
    committed = (out / "report.md").read_text()
    assert study.render_report(out, ARCHIVE) == committed, "report.md is stale: run small_data --report"
