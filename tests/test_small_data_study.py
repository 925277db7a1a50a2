"""The small-data study's folds and decision rule (benchmarks/studies/small_data.py)."""

from __future__ import annotations

import subprocess
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


def _staged_rows(out: Path) -> str:
    """The rows as git holds them: a running study appends rows to the working copy between commits."""
    try:
        return subprocess.run(["git", "show", f":{(out / 'cv.csv').relative_to(ROOT).as_posix()}"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):  # not a git checkout
        return (out / "cv.csv").read_text()


@pytest.mark.skipif(not ARCHIVE.exists(), reason="needs the shared UEA archive")
def test_the_committed_report_is_made_from_the_committed_rows(tmp_path):
    out = ROOT / "benchmarks" / "results" / "small-data"
    (tmp_path / "cv.csv").write_text(_staged_rows(out))
    committed = (out / "report.md").read_text()
    assert study.render_report(tmp_path, ARCHIVE) == committed, "report.md is stale: run small_data --report"


def _result(mean: float, wins: bool, cost: float = 1.0, complete: bool = True) -> dict:
    return {"mean": mean, "wins": wins, "cost": cost, "complete": complete}


def _all_lose() -> dict[str, dict]:
    return {c: _result(-0.01, False) for c in study.CANDIDATES if c != "baseline"}


def test_no_winner_keeps_the_defaults():
    decision = study.decide(_all_lose())
    assert decision["levers"] == {"augmentation": None, "ensemble": None, "lstm": None, "training length": None}
    assert decision["choice"] == "baseline" and not decision["needed"]


def test_a_lever_with_an_incomplete_candidate_is_pending_and_nothing_is_chosen():
    results = _all_lose()
    results["lstm128"] = _result(0.02, False, complete=False)
    decision = study.decide(results)
    assert decision["levers"]["lstm"] == "pending" and decision["choice"] is None
    assert decision["needed"] == ["lstm128"]


def test_two_winning_transforms_are_run_together_and_win_the_lever_only_when_not_worse():
    results = _all_lose()
    results["aug_jitter"] = _result(0.010, True)
    results["aug_window_slice"] = _result(0.015, True)
    decision = study.decide(results)
    # In the order of the candidates, whatever the order of their means.
    assert decision["changes"]["aug_winners"] == {"augmentation": ["window_slice", "jitter"]}
    assert decision["needed"] == ["aug_winners"] and decision["choice"] is None
    results["aug_winners"] = _result(0.012, True)  # wins, but below the best single transform
    decision = study.decide(results)
    assert decision["levers"]["augmentation"] == "aug_window_slice"
    assert decision["needed"] == ["aug_window_slice on PenDigits"]
    results["aug_winners"] = _result(0.020, True)
    assert study.decide(results)["levers"]["augmentation"] == "aug_winners"


def test_a_winner_above_the_cost_limit_never_joins_the_defaults():
    results = _all_lose()
    results["ens5"] = _result(0.03, True, cost=5.0)
    results["ens3"] = _result(0.02, True, cost=3.0)
    decision = study.decide(results, guard={"baseline": 0.98, "ens5": 0.99})
    # As written: the lever goes to the highest mean, and that winner is over the limit.
    assert decision["levers"]["ensemble"] == "ens5" and decision["choice"] == "baseline"


def test_lever_winners_are_combined_and_the_guard_decides_in_order_of_mean():
    results = _all_lose()
    results["aug_mixup"] = _result(0.02, True)
    results["lstm64"] = _result(0.01, True)
    decision = study.decide(results)
    assert decision["changes"]["combined"] == {"augmentation": "mixup", "lstm_units": 64}
    assert decision["needed"] == ["combined"]
    results["combined"] = _result(0.03, True)
    assert study.decide(results)["needed"] == ["combined on PenDigits"]
    # The combination loses more than the guard allows on PenDigits: the next best is checked.
    guard = {"baseline": 0.98, "combined": 0.965, "aug_mixup": 0.975}
    assert study.decide(results, guard)["choice"] == "aug_mixup"
    results["combined"] = _result(0.015, True)  # wins, but below the best single lever winner
    assert study.decide(results, guard)["choice"] == "aug_mixup"
    assert study.decide(results, {"baseline": 0.98, "aug_mixup": 0.95, "lstm64": 0.95})["choice"] == "baseline"
    # The report names the guard's figures, the baseline first, and the choice they led to.
    lines = study.decision_lines(study.decide(results, guard), results, guard)
    assert ("- PenDigits guard (CV accuracy, 3 folds, seed 0; a candidate may lose at most 0.01): baseline 0.9800, "
            "combined 0.9650, aug_mixup 0.9750") in lines
    assert lines[-1] == "- the defaults: `aug_mixup`"


def test_a_composed_candidate_is_refused_until_the_rule_defines_it():
    assert study.change_of("aug_winners", _all_lose()) is None
    assert study.change_of("ens3", {}) == {"n_estimators": 3}


def test_the_figure_shows_every_complete_candidate(tmp_path):
    pytest.importorskip("matplotlib")
    import csv

    rng = np.random.default_rng(0)
    with (tmp_path / "cv.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=study.FIELDS)
        writer.writeheader()
        for config in ("baseline", "ens3", "aug_jitter", "lstm64"):
            for d in study.DATASETS:
                correct = 60 + int(rng.integers(0, 10))
                writer.writerow({"config": config, "dataset": d, "repeat": 0, "fold": 0, "folds": 1,
                                 "n_held_out": 100, "correct": correct, "cpu_seconds": 1.0, "load_average": 1.0,
                                 "device": "cpu"})
    path = tmp_path / "levers.png"
    study.plot_levers(tmp_path, None, path)
    import matplotlib.image

    image = matplotlib.image.imread(path)
    assert image.shape[1] > image.shape[0] > 100  # three candidates side by side


def test_a_fold_run_twice_counts_once(tmp_path):
    import csv

    with (tmp_path / "cv.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["config", "dataset", "repeat", "fold", "correct"])
        writer.writeheader()
        for correct in (3, 1):  # two processes met on the same fold
            writer.writerow({"config": "ens3", "dataset": "ERing", "repeat": 0, "fold": 1, "correct": correct})
        writer.writerow({"config": "ens3", "dataset": "ERing", "repeat": 0, "fold": 2, "correct": 2})
    rows = study.read_rows(tmp_path / "cv.csv")
    assert [(r["fold"], r["correct"]) for r in rows] == [("1", "3"), ("2", "2")]
