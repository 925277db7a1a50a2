"""The benchmark scripts' own logic (not their timings): CV selection on training data only."""

import csv
import json
import shutil
import sys

import numpy as np
import pytest

from benchmarks import RESULTS
from benchmarks.studies import select_config
from benchmarks.studies.configs import CONFIGS, DEFAULTS_D05B3EC, ONE_RULE, resolve
from benchmarks.studies.seed_ensembles import seed_ensemble_accuracy
from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.presets import get_preset


def test_configs_are_valid_estimator_parameters_around_the_paper_preset():
    names = set(MLSTMFCNClassifier().get_params())
    paper = get_preset("paper")
    assert CONFIGS["paper"] == paper
    roots = {"paper", "defaults"}  # the preset, and the defaults where the recipe study started
    for name, params in CONFIGS.items():
        assert set(params) <= names, name
        if name in roots:
            continue
        # One change each, from a root or from another candidate: its CV score beside that one's
        # says what the change is worth.
        changes = [{k for k in params if params[k] != base.get(k)} for base in CONFIGS.values() if base is not params]
        changes = [c - ONE_RULE[name] | ({"rule"} if c & ONE_RULE[name] else set()) if name in ONE_RULE else c
                   for c in changes]
        assert min(len(c) for c in changes) <= 1, (name, min(changes, key=len))


def test_the_defaults_root_is_where_the_recipe_study_started_and_rules_resolve_per_training_set():
    assert CONFIGS["defaults"] == DEFAULTS_D05B3EC
    assert resolve(CONFIGS["d_batch_rule"], 1000)["batch_size"] == 16
    assert resolve(CONFIGS["d_batch_rule"], 90)["batch_size"] == 9
    assert resolve(CONFIGS["d_batch_rule"], 12)["batch_size"] == 2
    # The step budget: 2000 steps of one batch are 2000 epochs, of 40 batches 100 (never below the cap).
    assert resolve(CONFIGS["d_steps"], 100)["epochs"] == 2000
    assert resolve(CONFIGS["d_steps"], 128 * 40)["epochs"] == 100
    assert resolve(CONFIGS["defaults"], 100) == CONFIGS["defaults"]


def test_the_estimators_defaults_are_what_the_recipe_study_chose():
    from benchmarks.studies import recipe_choice

    rows = select_config.read_rows(RESULTS / "recipe-cv" / "cv.csv")
    choice = recipe_choice.choose(rows)
    assert choice == {"batch size": "d_batch16", "how long to train": None, "input scaling": None,
                      "class weights": None}
    assert CONFIGS["recipe"] == CONFIGS[choice["batch size"]]
    # ... going on past its 100 epochs while still learning (RULE.md's amendment).
    assert CONFIGS["recipe_train_on"] == {**CONFIGS["recipe"], "epochs": 1000, "min_epochs": 100}
    # ... and the small-data study's choice on top of them, by its rule, PenDigits guard included.
    from benchmarks.studies import small_data

    decision = small_data.study_decision()
    choice = decision["choice"]
    assert choice not in (None, "baseline")
    change = decision["changes"].get(choice) or small_data.CANDIDATES[choice][1]
    assert CONFIGS["recipe_cutmix"] == {**CONFIGS["recipe_train_on"], **change}
    defaults = MLSTMFCNClassifier().get_params()
    for name, value in CONFIGS["recipe_cutmix"].items():
        assert defaults[name] == (tuple(value) if isinstance(value, list) else value), name


def test_the_regressors_training_length_is_what_its_study_chose():
    from benchmarks.studies import select_regression
    from benchmarks.studies.configs import REGRESSION_CONFIGS

    from mlstm_fcn import MLSTMFCNRegressor

    rows = select_regression.read_rows(RESULTS / "regression-cv" /
                                       "cv.csv")
    chosen, _ = select_regression.choose(rows)
    for name, value in {"batch_size": 128, "early_stopping": None, **REGRESSION_CONFIGS[chosen]}.items():
        assert MLSTMFCNRegressor().get_params()[name] == value, name


def test_folds_are_stratified_and_shrink_for_small_classes():
    y = np.array(["a"] * 10 + ["b"] * 3)
    k, folds = select_config.fold_indices(y, 5)
    assert k == 3  # the smallest class has 3 members
    held = np.concatenate([h for _, h in folds])
    assert sorted(held) == list(range(13))  # every series held out exactly once
    for fit_idx, held_idx in folds:
        assert set(fit_idx).isdisjoint(held_idx) and "b" in set(y[held_idx])


@pytest.fixture
def splits_read(monkeypatch) -> list[str]:
    """The splits that ``load_uea`` is asked for during the test (a selection must read "train" only)."""
    import mlstm_fcn.datasets as datasets

    real = datasets.load_uea
    splits: list[str] = []

    def spy(name, split="train", **kw):
        splits.append(split)
        return real(name, split=split, **kw)

    monkeypatch.setattr(datasets, "load_uea", spy)
    return splits


def test_selection_reads_only_training_data_and_reports(tmp_path, monkeypatch, splits_read):
    splits = splits_read
    tiny = {"epochs": 2, "filters": (4, 4, 4), "kernel_sizes": (3, 3, 3), "se_reduction": 2, "lstm_units": 2}
    monkeypatch.setitem(CONFIGS, "tiny", tiny)
    monkeypatch.setitem(CONFIGS, "tiny_scaled", {**tiny, "scaling": "instance"})
    argv = ["select_config.py", "--datasets", "BasicMotions", "--configs", "tiny", "tiny_scaled",
            "--folds", "2", "--seeds", "0", "1", "--device", "cpu", "--out-dir", str(tmp_path)]
    monkeypatch.setattr(sys, "argv", argv)
    select_config.main()
    assert splits and set(splits) == {"train"}  # the test split is never read
    with (tmp_path / "cv.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 * 2 * 2  # configs x folds x seeds
    assert {int(r["n_fit"]) + int(r["n_held_out"]) for r in rows} == {40}  # BasicMotions TRAIN only
    text = (tmp_path / "selection.md").read_text()
    assert "seed ens." in text and "Ranking by mean CV accuracy" in text
    ens = seed_ensemble_accuracy(tmp_path, rows, "tiny", "BasicMotions")
    # The same figure by hand: average the two seeds' held-out probabilities fold by fold.
    correct = total = 0
    for fold in (0, 1):
        parts = [np.load(tmp_path / "cv-proba" / f"tiny__BasicMotions__f{fold}__s{s}.npz") for s in (0, 1)]
        mean = (parts[0]["proba"] + parts[1]["proba"]) / 2
        correct += int((parts[0]["classes"][mean.argmax(1)] == parts[0]["y"]).sum())
        total += len(parts[0]["y"])
    assert total == 40 and ens == pytest.approx(correct / total)
    # Resumable: a second run finds nothing left to do and appends no rows.
    select_config.main()
    with (tmp_path / "cv.csv").open() as f:
        assert len(list(csv.DictReader(f))) == 8
    # Without the probability files (a checkout: they are not committed) the report reads the counts
    # it recorded, and writes the same text.
    recorded = (tmp_path / "seed-ensembles.csv").read_text()
    assert recorded.splitlines()[0] == "config,dataset,seeds,folds,correct,total"
    assert f"tiny,BasicMotions,0 1,2,{correct},{total}" in recorded.splitlines()
    shutil.rmtree(tmp_path / "cv-proba")
    assert seed_ensemble_accuracy(tmp_path, rows, "tiny", "BasicMotions") == pytest.approx(correct / total)
    assert select_config.report(tmp_path) == text
    assert (tmp_path / "seed-ensembles.csv").read_text() == recorded
    # cv.csv copied alone: the report still works, without seed ensembles.
    (tmp_path / "seed-ensembles.csv").unlink()
    assert seed_ensemble_accuracy(tmp_path, rows, "tiny", "BasicMotions") is None
    again = select_config.report(tmp_path)
    assert "Ranking by mean CV accuracy: tiny" in again and "(seed ens." not in again


def test_a_rule_that_resolves_to_another_candidates_fit_reuses_its_row_and_equals_training_again(
        tmp_path, monkeypatch):
    # On BasicMotions' 2-fold splits (20 series per fit) the n/10 rule resolves to batch 2: tiny's fit.
    tiny = {"epochs": 2, "batch_size": 2, "filters": (4, 4, 4), "kernel_sizes": (3, 3, 3), "se_reduction": 2,
            "lstm_units": 2}
    monkeypatch.setitem(CONFIGS, "tiny", tiny)
    monkeypatch.setitem(CONFIGS, "tiny_rule", {**tiny, "batch_size": "n/10, 2 to 16"})
    base = ["select_config.py", "--datasets", "BasicMotions", "--folds", "2", "--seeds", "0", "--device", "cpu"]

    def rows_of(out, flags):
        monkeypatch.setattr(sys, "argv", base + ["--out-dir", str(out)] + flags)
        select_config.main()
        with (out / "cv.csv").open() as f:
            return {(r["config"], r["fold"]): r for r in csv.DictReader(f)}

    rows_of(tmp_path / "reused", ["--configs", "tiny"])
    reused = rows_of(tmp_path / "reused", ["--configs", "tiny_rule"])
    trained = rows_of(tmp_path / "trained", ["--configs", "tiny_rule", "--no-reuse-same-fits"])
    log = (tmp_path / "reused" / "reused.tsv").read_text().splitlines()
    assert log[1:] == ["tiny_rule\tBasicMotions\t0\t0\ttiny", "tiny_rule\tBasicMotions\t1\t0\ttiny"]
    assert not (tmp_path / "trained" / "reused.tsv").exists()
    for fold in ("0", "1"):
        copy, again = reused[("tiny_rule", fold)], trained[("tiny_rule", fold)]
        assert copy["batch_size"] == again["batch_size"] == "2"
        assert json.loads(copy["params"])["batch_size"] == "n/10, 2 to 16"  # the row keeps its rule
        for field in ("accuracy", "balanced_accuracy", "log_loss", "epochs_run", "optimizer_steps"):
            assert copy[field] == again[field], field  # the copied row is what training again gives
        np.testing.assert_array_equal(
            np.load(tmp_path / "reused" / "cv-proba" / f"tiny_rule__BasicMotions__f{fold}__s0.npz")["proba"],
            np.load(tmp_path / "trained" / "cv-proba" / f"tiny_rule__BasicMotions__f{fold}__s0.npz")["proba"])


def test_seed_ensemble_needs_two_seeds(tmp_path):
    rows = [{"config": "c", "dataset": "d", "fold": "0", "folds": "1", "seed": "0"}]
    assert seed_ensemble_accuracy(tmp_path, rows, "c", "d") is None


def _rows(config, seeds_folds, acc):
    return [{"config": config, "dataset": "D", "fold": str(f), "folds": "2", "seed": str(s), "accuracy": str(a),
             "n_held_out": "10", "device": "cpu"} for (s, f), a in zip(seeds_folds, acc)]


def test_report_leaves_out_cut_seeds_and_unstarted_configurations(tmp_path, monkeypatch):
    # paper: seed 0 finished both folds (0.5, 0.5); seed 1 only one fold (1.0), e.g. a time budget ran out.
    rows = _rows("paper", [(0, 0), (0, 1), (1, 0)], [0.5, 0.5, 1.0])
    rows += _rows("lstm64", [(0, 0)], [0.9])  # no dataset finished yet
    monkeypatch.setattr(select_config, "read_rows", lambda path: rows)
    text = select_config.report(tmp_path)
    assert "Ranking by mean CV accuracy: paper 0.5000" in text
    assert "lstm64 0." not in text.split("Ranking")[1]


def test_rerun_with_other_folds_is_refused(tmp_path, monkeypatch):
    tiny = {"epochs": 1, "filters": (4, 4, 4), "kernel_sizes": (3, 3, 3), "se_reduction": 2, "lstm_units": 2}
    monkeypatch.setitem(CONFIGS, "tiny", tiny)
    base = ["select_config.py", "--datasets", "BasicMotions", "--configs", "tiny", "--seeds", "0",
            "--device", "cpu", "--out-dir", str(tmp_path)]
    monkeypatch.setattr(sys, "argv", base + ["--folds", "2"])
    select_config.main()
    monkeypatch.setattr(sys, "argv", base + ["--folds", "3"])
    with pytest.raises(SystemExit, match="other folds or parameters"):
        select_config.main()


@pytest.mark.slow
def test_budget_benchmark_and_budget_cv(tmp_path, monkeypatch):
    # Every budget read off one short run (55 epochs here): rows for running and recomputed statistics,
    # stopping where each budget says; the CV reads TRAIN splits only and chooses a budget.
    from benchmarks.studies import bench_budgets
    import mlstm_fcn.datasets as datasets

    monkeypatch.setattr(sys, "argv", ["bench_budgets.py", "--datasets", "BasicMotions", "--max-epochs", "55",
                                      "--device", "cpu", "--out-dir", str(tmp_path)])
    bench_budgets.main()
    with (tmp_path / "budgets.csv").open() as f:
        rows = list(csv.DictReader(f))
    budgets = {r["budget"] for r in rows}
    assert {"e50", "s500", "fitted20"} <= budgets and "e100" not in budgets  # longer than the run: left out
    assert len(rows) == 2 * len(budgets) and {r["statistics"] for r in rows} == {"running", "recomputed"}
    e50 = [r for r in rows if r["budget"] == "e50"]
    assert {int(r["stop_epoch"]) for r in e50} == {50} and all(1 <= int(r["best_epoch"]) <= 50 for r in e50)
    assert all(int(r["stop_epoch"]) <= 55 for r in rows)
    assert "## Accuracy against training time" in (tmp_path / "budgets.md").read_text()

    real, splits = datasets.load_uea, []

    def spy(name, split="train", **kw):
        splits.append(split)
        return real(name, split=split, **kw)

    monkeypatch.setattr(datasets, "load_uea", spy)
    monkeypatch.setattr(sys, "argv", ["select_config.py", "--budgets", "--datasets", "BasicMotions", "--folds", "2",
                                      "--max-epochs", "55", "--device", "cpu", "--out-dir", str(tmp_path)])
    select_config.main()
    assert set(splits) == {"train"}
    with (tmp_path / "budgets-cv.csv").open() as f:
        cv_rows = list(csv.DictReader(f))
    assert {int(r["n_fit"]) + int(r["n_held_out"]) for r in cv_rows} == {40}
    chosen, stats = select_config.choose_budget(cv_rows)
    assert chosen in stats and "(chosen)" in (tmp_path / "budgets-cv.md").read_text()


def test_the_defaults_are_the_budget_the_cv_chose():
    # The committed CV (TRAIN splits only) chooses a budget; the estimator's defaults train exactly it.
    from benchmarks.studies import bench_budgets
    from benchmarks.studies import budgets
    from benchmarks.report.results_io import read_rows

    rows = read_rows(RESULTS / "budgets" / "budgets-cv.csv")
    chosen, _ = select_config.choose_budget(rows)
    assert chosen == bench_budgets.DEFAULT
    rule, cap = budgets.CAPPED[chosen]
    clf = MLSTMFCNClassifier()
    assert budgets.BUDGETS[rule].kind == "fitted" and clf.stop_when_fitted == budgets.BUDGETS[rule].value
    # The cap it chose is where a fit now may stop; past it, a fit goes on only while still learning
    # (the amendment of recipe-cv/RULE.md).
    assert clf.min_epochs == budgets.BUDGETS[cap].value and clf.bn_statistics == "recompute"


def test_regression_selection_reads_only_training_data_resumes_and_reports(tmp_path, monkeypatch, splits_read):
    from benchmarks.studies import select_regression

    splits = splits_read
    tiny = {"filters": (4, 4, 4), "kernel_sizes": (3, 3, 3), "se_reduction": 2, "lstm_units": 2}
    monkeypatch.setattr(select_regression, "REGRESSION_CONFIGS",
                        {"r_defaults": {**tiny, "epochs": 3}, "r_cap100": {**tiny, "epochs": 2}})
    argv = ["select_regression.py", "--datasets", "Covid3Month", "--configs", "r_defaults", "r_cap100",
            "--folds", "2", "--seeds", "0", "--device", "cpu", "--out-dir", str(tmp_path)]
    monkeypatch.setattr(sys, "argv", argv)
    select_regression.main()
    assert splits and set(splits) == {"train"}  # the test split is never read
    rows = select_regression.read_rows(tmp_path / "cv.csv")
    assert len(rows) == 2 * 2 and {r["epochs_run"] for r in rows} == {"2", "3"}
    select_regression.main()  # a rerun skips every finished row
    assert len(select_regression.read_rows(tmp_path / "cv.csv")) == 4
    text = (tmp_path / "selection.md").read_text()
    assert "| r_defaults |" in text and "| 1.000 |" in text  # the defaults relative to themselves


def test_regression_choice_applies_its_written_rule():
    from benchmarks.studies import select_regression

    def rows(config, rmses, seconds=1.0):
        return [{"config": config, "dataset": "D", "fold": str(i), "seed": "0", "rmse": str(v),
                 "fit_seconds": str(seconds)} for i, v in enumerate(rmses)]

    base = rows("r_defaults", [1.0, 2.0, 3.0, 4.0], 10.0)
    better = rows("r_cap100", [0.90, 1.80, 2.70, 3.61], 2.0)    # about 0.9 of the defaults everywhere: wins
    noisy = rows("r_steps", [0.50, 2.60, 2.10, 5.00], 20.0)     # lower mean, but within its noise
    chosen, stats = select_regression.choose(base + better + noisy)
    assert chosen == "r_cap100" and stats["r_cap100"][2] == 4
    assert not stats["r_steps"][0] < 1 - stats["r_steps"][1]
    assert select_regression.choose(base + noisy)[0] == "r_defaults"  # no winner: the 500 epochs stay


def _recipe_rows(scores: dict[str, list[float]], seconds: dict[str, float] | None = None) -> list[dict]:
    """CV rows of one fold per dataset and seed: config -> accuracy on datasets D0, D1, ..."""
    rows = []
    for config, accs in scores.items():
        for i, acc in enumerate(accs):
            rows.append({"config": config, "dataset": f"D{i}", "fold": "0", "folds": "1", "seed": "0",
                         "accuracy": str(acc), "balanced_accuracy": str(acc), "n_held_out": "10",
                         "fit_seconds": str((seconds or {}).get(config, 1.0)), "optimizer_steps": "10",
                         "epochs_run": "100", "load_average": "1.0"})
    return rows


def test_recipe_choice_applies_the_written_rule():
    from benchmarks.studies import recipe_choice

    base = [0.80, 0.70, 0.90, 0.60]
    rows = _recipe_rows({
        "defaults": base,
        "d_batch16": [b + 0.02 for b in base],                    # better everywhere: wins
        "d_batch32": [b + d for b, d in zip(base, [0.021, 0.019, 0.02, 0.02])],  # as good, cheaper
        "d_batch64": [b + d for b, d in zip(base, [0.05, -0.05, 0.05, -0.04])],  # noise: within one se
        "d_instance": [b - 0.03 for b in base],                   # worse: the defaults' value stays
    }, seconds={"d_batch16": 9.0, "d_batch32": 4.0})
    choice = recipe_choice.choose(rows)
    assert choice["batch size"] == "d_batch32"  # within one se of the best, and cheaper
    assert choice["input scaling"] is None and choice["how long to train"] is None
    m, se, n = recipe_choice.compare(recipe_choice.per_dataset(rows), "d_batch64")
    assert n == 4 and not m > se
    # Rows of a seed the rule does not name (run later for ensembles of 3) change nothing.
    extra = [{**r, "seed": "2", "accuracy": "1.0"} for r in _recipe_rows({"d_batch64": [1.0] * 4})]
    assert recipe_choice.choose(rows + extra) == choice


def test_recipe_report_is_provisional_until_every_candidate_has_all_twelve_sets(tmp_path):
    import csv

    from benchmarks.studies import recipe_choice

    rows = _recipe_rows({"defaults": [0.8, 0.7], "d_batch16": [0.9, 0.8]})
    with (tmp_path / "cv.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    text = recipe_choice.report(tmp_path)
    assert "**Provisional**" in text and "| D0 | 0.8000 | 0.9000 |" in text


def test_a_candidate_missing_datasets_is_decided_only_when_no_result_there_could_make_it_win():
    from benchmarks.studies import recipe_choice

    base = [0.80 + 0.01 * i for i in range(12)]
    table = recipe_choice.per_dataset(_recipe_rows({
        "defaults": base,
        "d_instance": [b - 0.05 for b in base[:11]],   # 11 sets, far behind: cannot catch up
        "d_channel": [b - 0.001 for b in base[:11]],   # 11 sets, just behind: the 12th could lift it
        "d_batch16": [b + 0.01 for b in base],          # all 12
    }))
    assert recipe_choice.decided(table, "d_instance")
    assert not recipe_choice.decided(table, "d_channel")  # accuracy 1 on the 12th would put it ahead
    assert recipe_choice.decided(table, "d_batch16")


def _hard_rows(pairs):
    return [{"config": c, "seed": str(s), "test_accuracy": str(a), "epochs_run": "100"}
            for s, (cap, on) in enumerate(pairs) for c, a in (("recipe", cap), ("recipe_train_on", on))]


def test_the_amendment_adopts_going_on_unless_the_cv_or_the_constructed_case_says_otherwise():
    from benchmarks.studies import recipe_choice

    base = [0.80 + 0.01 * i for i in range(12)]
    same = _recipe_rows({"d_batch16": base, "d_train_on": base})
    better_twice = _hard_rows([(0.90, 0.95), (0.91, 0.94)])
    adopted, text = recipe_choice.train_on_verdict(same, better_twice)
    assert adopted is True and "adopted" in text
    # Worse on the 12 by more than one standard error: the cap stays.
    worse = _recipe_rows({"d_batch16": base, "d_train_on": [b - 0.02 + 0.001 * (i % 2) for i, b in
                                                            enumerate(base)]})
    assert recipe_choice.train_on_verdict(worse, better_twice)[0] is False
    # Worse on one dataset only: the mean is exactly one standard error below (t = -1), not more.
    one = _recipe_rows({"d_batch16": base, "d_train_on": [b - 0.0048 * (i == 3) for i, b in enumerate(base)]})
    assert recipe_choice.train_on_verdict(one, better_twice)[0] is True
    # Not better on the constructed case with both seeds: the cap stays.
    assert recipe_choice.train_on_verdict(same, _hard_rows([(0.90, 0.95), (0.94, 0.94)]))[0] is False
    # Datasets or seeds missing: nothing decided yet.
    part = _recipe_rows({"d_batch16": base, "d_train_on": base[:11]})
    assert recipe_choice.train_on_verdict(part, better_twice)[0] is None
    assert recipe_choice.train_on_verdict(same, better_twice[:2])[0] is None


def test_step_benchmark_quick_mode_writes_per_epoch_and_per_step_figures(tmp_path):
    import json

    from benchmarks.speed import bench_step

    out = tmp_path / "step.json"
    report = bench_step.main(["--quick", "--threads", "1", "--out", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(report))
    assert report["machine"]["threads"] == 1
    rows = {r["batch_size"]: r for r in report["results"]}
    assert set(rows) == {16, 128} and {r["dataset"] for r in rows.values()} == {"BasicMotions"}
    # BasicMotions trains on 40 series: batches of 16, 16 and 8, or one of 40.
    assert rows[16]["steps_per_epoch"] == {"ours": 3, "plain": 3}
    assert rows[128]["steps_per_epoch"] == {"ours": 1, "plain": 1}
    for row in rows.values():
        assert [set(r) for r in row["rounds"]] == [{"ours", "plain"}]  # one interleaved round in quick mode
        for name in ("ours", "plain"):
            figures = row[name]
            assert figures["epochs_timed"] == 2 and figures["seconds_per_epoch"] > 0
            assert figures["seconds_per_step"] == pytest.approx(
                figures["seconds_per_epoch"] / row["steps_per_epoch"][name])
        assert row["speed_vs_plain_per_epoch"] == pytest.approx(
            row["plain"]["seconds_per_epoch"] / row["ours"]["seconds_per_epoch"])


def test_hard_case_spreads_scales_over_decades_and_its_run_resumes(tmp_path, monkeypatch):
    from benchmarks.studies import hard_case

    X, y, X_test, y_test = hard_case.make_problem(400, 100, n_classes=5, seed=0)
    assert X.shape == (400, 3, 24) and X_test.shape == (100, 3, 24) and set(y) == set(range(5))
    amplitude = np.log10(np.abs(X).mean(axis=(1, 2)))
    assert amplitude.max() - amplitude.min() > 3  # four decades of scale, less the noise around them
    flipped = hard_case.make_problem(400, 100, n_classes=5, label_noise=0.5, seed=0)[1]
    assert 0.3 < (flipped != y).mean() < 0.5  # half replaced by a random class, a fifth of them by their own

    tiny = {"epochs": 1, "filters": (4, 4, 4), "kernel_sizes": (3, 3, 3), "se_reduction": 2, "lstm_units": 2}
    monkeypatch.setitem(CONFIGS, "tiny", tiny)
    argv = ["hard_case.py", "--configs", "tiny", "--n-train", "60", "--n-test", "30", "--classes", "3",
            "--device", "cpu", "--out-dir", str(tmp_path)]
    monkeypatch.setattr(sys, "argv", argv)
    hard_case.main()
    hard_case.main()  # resumes: nothing left to run
    with (tmp_path / "hard_case.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and rows[0]["epochs_run"] == "1" and rows[0]["converged"] in {"", "True"}  # one epoch: too short to judge, unless fitted
    assert 0.0 <= float(rows[0]["test_accuracy"]) <= 1.0


def test_recipe_ensembles_average_seed_probabilities_and_apply_the_rule(tmp_path, monkeypatch):
    from benchmarks.studies import recipe_ensembles, seed_ensembles

    rng = np.random.default_rng(0)
    (tmp_path / "cv-proba").mkdir()
    rows, expected = [], {}
    for d in ("D0", "D1", "D2"):
        y = rng.integers(0, 3, 30)
        probas = [rng.dirichlet(np.ones(3), 30) for _ in range(3)]
        for s, p in enumerate(probas):
            np.savez(tmp_path / "cv-proba" / f"c__{d}__f0__s{s}.npz", proba=p, classes=np.arange(3), y=y,
                     idx=np.arange(30))
            rows.append({"config": "c", "dataset": d, "fold": "0", "folds": "1", "seed": str(s)})
        single = np.mean([(p.argmax(1) == y).mean() for p in probas])
        triple = (np.mean(probas, axis=0).argmax(1) == y).mean()
        expected[d] = (single, triple)
    table = recipe_ensembles.ensemble_table(tmp_path, rows, "c")
    for d, (single, triple) in expected.items():
        assert table[d][1] == pytest.approx(single) and table[d][3] == pytest.approx(triple)
    # Recorded, the counts give the same table without the probability files.
    seed_ensembles.record(tmp_path, rows)
    shutil.move(tmp_path / "cv-proba", tmp_path / "elsewhere")
    assert recipe_ensembles.ensemble_table(tmp_path, rows, "c") == table
    shutil.move(tmp_path / "elsewhere", tmp_path / "cv-proba")
    # A dataset missing the third seed is left out.
    table = recipe_ensembles.ensemble_table(tmp_path, [r for r in rows if (r["dataset"], r["seed"]) != ("D2", "2")], "c")
    assert set(table) == {"D0", "D1"}


@pytest.mark.slow
def test_threads_benchmark_quick_mode_measures_both_settings_in_every_situation(tmp_path):
    from benchmarks.speed import bench_threads
    import joblib
    import torch

    out = tmp_path / "threads.json"
    report = bench_threads.main(["--quick", "--situations", "quiet", "busy", "cv-parallel", "--out", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(report))
    rows = report["rows"]
    assert [(r["situation"], r["n_jobs"]) for r in rows] == [(s, n) for s in ("quiet", "busy", "cv-parallel")
                                                            for n in (None, -1)]
    for row in rows:
        assert row["seconds"] > 0 and 0 <= row["accuracy"] <= 1
        assert row["load_1min_before"] >= 0 and row["load_1min_after"] >= 0
        if row["n_jobs"] is None:
            assert row["threads"] == [1]
        elif row["situation"] != "cv-parallel":  # torch's own count, as fits ran before n_jobs
            assert row["threads"] == [min(joblib.cpu_count(), torch.get_num_threads())]


@pytest.mark.slow
def test_compile_benchmark_quick_mode_compares_each_variant_with_eager(tmp_path):
    from benchmarks.speed import bench_compile

    out = tmp_path / "compile.json"
    report = bench_compile.main(["--quick", "--variants", "eager", "flush-denormal", "--batch-sizes", "16",
                                 "--out", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(report))
    rows = {r["variant"]: r for r in report["results"]}
    assert set(rows) == {"eager", "flush-denormal"} and rows["eager"]["speed_vs_eager"] == 1.0
    for row in rows.values():
        assert row["batch_size"] == 16 and row["seconds_per_epoch"] > 0 and len(row["losses"]) == 1
        assert row["same_loss_as_eager"] is True  # flushing denormals changes no loss here
    assert report["load_1min_before"] >= 0 and report["load_1min_after"] >= 0
