"""The command line with long-format .csv files, float labels, mistyped options and misspelt dataset names."""

import json

import numpy as np
import pandas as pd
import pytest

from mlstm_fcn import cli
from mlstm_fcn.cli.suggest import close_options
from mlstm_fcn.datasets import archive, load_uea

TINY = ["--epochs", "2", "--filters", "8,8,8", "--kernel-sizes", "3,3,3", "--lstm-units", "2",
        "--se-reduction", "4", "--device", "cpu", "--quiet"]


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def write_long_csv(path, X, y, ids, names=("id", "time", "label")):
    """Series ``X`` as a long table: one row per series and time step, rows of a series in reverse time order."""
    id_name, time_name, label_name = names
    rows = []
    for series, label, sid in zip(X, y, ids):
        frame = pd.DataFrame(series.T[::-1], columns=[f"acc{c}" for c in range(X.shape[1])])
        frame.insert(0, time_name, np.arange(X.shape[2])[::-1])
        frame.insert(0, id_name, sid)
        if label is not None:
            frame[label_name] = label
        rows.append(frame)
    pd.concat(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def csv_files(tmp_path_factory):
    """BasicMotions (16 training, 12 test series) as long-format CSV files, and the arrays they hold."""
    folder = tmp_path_factory.mktemp("csv")
    X_train, y_train = load_uea("BasicMotions", split="train")
    X_test, y_test = load_uea("BasicMotions", split="test")
    X_train, y_train, X_test, y_test = X_train[::2][:16], y_train[::2][:16], X_test[::3][:12], y_test[::3][:12]
    test_ids = [f"case-{i:03d}" for i in range(len(X_test))][::-1]
    return {
        "train": write_long_csv(folder / "bm_TRAIN.csv", X_train, y_train, [f"t{i}" for i in range(len(X_train))]),
        "test": write_long_csv(folder / "bm_TEST.csv", X_test, y_test, test_ids),
        "unlabelled": write_long_csv(folder / "new.csv", X_test, [None] * len(X_test), test_ids),
        "X_test": X_test, "y_test": y_test, "test_ids": test_ids,
    }


@pytest.fixture(scope="module")
def csv_model(csv_files, tmp_path_factory):
    path = tmp_path_factory.mktemp("csv-model") / "bm.model"
    assert cli.main(["fit", str(csv_files["train"]), "--out", str(path), "--json", *TINY]) == 0
    return path


def test_fit_evaluate_and_predict_from_long_csv_files(csv_files, csv_model, capsys, one_torch_thread):
    from mlstm_fcn import load_model

    clf = load_model(csv_model)
    assert clf.n_channels_ == 6 and clf.n_timepoints_ == 100  # id, time and label are not channels
    code, out, _ = run(capsys, "evaluate", csv_model, csv_files["test"], "--json")
    scores = json.loads(out)
    expected = clf.predict(csv_files["X_test"])
    assert code == 0 and scores["n_series"] == 12
    assert scores["accuracy"] == pytest.approx(np.mean(expected == csv_files["y_test"]))
    code, out, _ = run(capsys, "predict", csv_model, csv_files["unlabelled"], "--json", "--proba")
    records = json.loads(out)["predictions"]
    assert code == 0 and [r["id"] for r in records] == csv_files["test_ids"]  # first appearance in the file
    assert list(records[0]) == ["id", "prediction", "proba"]
    assert [r["prediction"] for r in records] == list(expected)
    code, out, _ = run(capsys, "predict", csv_model, csv_files["test"])
    header, rule, first = out.splitlines()[:3]
    assert code == 0 and header.split() == ["id", "prediction", "label"]
    assert first.split() == [csv_files["test_ids"][0], expected[0], csv_files["y_test"][0]]


def test_csv_columns_can_be_named(csv_files, capsys, tmp_path, one_torch_thread):
    X, y = csv_files["X_test"], csv_files["y_test"]
    path = write_long_csv(tmp_path / "named.csv", X, y, range(len(X)), names=("unit", "t", "activity"))
    code, out, err = run(capsys, "fit", path, "--out", tmp_path / "m.model", "--json", *TINY)
    assert code == 1 and "no id column 'id'" in err and "'unit'" in err
    code, out, err = run(capsys, "fit", path, "--id-column", "unit", "--time-column", "t", "--label-column",
                         "activity", "--out", tmp_path / "m.model", "--json", *TINY)
    assert code == 0, err
    fitted = json.loads(out)
    assert fitted["task"] == "classification" and fitted["dataset"] == str(path)
    from mlstm_fcn import load_model
    assert load_model(tmp_path / "m.model").n_channels_ == 6  # unit, t and activity are not channels


def test_a_csv_with_a_text_channel_is_refused_with_the_column(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("id,time,x,site,label\n1,0,0.5,north,a\n1,1,0.7,north,a\n")
    code, _, err = run(capsys, "fit", path, "--out", tmp_path / "m.model", *TINY)
    assert code == 1 and "Channel columns must hold numbers" in err and "'site'" in err


def test_an_unknown_suffix_says_how_to_convert(tmp_path, capsys):
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"PK")
    for target in (path, tmp_path / "absent.parquet"):
        code, _, err = run(capsys, "fit", target, "--out", tmp_path / "m.model", *TINY)
        assert code == 1 and ".ts, .npy, .npz or .csv" in err
        assert ".csv long table" in err and "from_long_table" in err


# ------------------------------------------------------------------------------------------ float labels
@pytest.fixture(scope="module")
def npy_series(tmp_path_factory):
    folder = tmp_path_factory.mktemp("floats")
    X, _ = load_uea("BasicMotions", split="train")
    np.save(folder / "X.npy", X[:12])
    return folder


def test_integer_valued_float_labels_are_classes_as_in_python(npy_series, capsys, one_torch_thread):
    np.save(npy_series / "y_int.npy", np.arange(12) % 3 * 1.0)  # 0.0, 1.0, 2.0
    code, out, err = run(capsys, "fit", npy_series / "X.npy", "--y", npy_series / "y_int.npy", "--out",
                         npy_series / "int.model", "--json", *TINY)
    assert code == 0, err
    from mlstm_fcn import MLSTMFCNClassifier, load_model
    clf = load_model(npy_series / "int.model")
    assert json.loads(out)["task"] == "classification" and isinstance(clf, MLSTMFCNClassifier)
    assert list(clf.classes_) == [0.0, 1.0, 2.0]


def test_other_float_labels_are_refused_until_task_says_which(npy_series, capsys, one_torch_thread):
    y = np.linspace(0.1, 2.3, 12)
    np.save(npy_series / "y_float.npy", y)
    argv = ["fit", npy_series / "X.npy", "--y", npy_series / "y_float.npy", "--json", *TINY]
    code, _, err = run(capsys, *argv, "--out", npy_series / "auto.model")
    assert code == 1 and "not all integers" in err
    assert "--task regression" in err and "--task classification" in err
    assert not (npy_series / "auto.model").exists()

    code, out, err = run(capsys, *argv, "--task", "regression", "--out", npy_series / "reg.model")
    assert code == 0 and json.loads(out)["task"] == "regression", err

    code, out, err = run(capsys, *argv, "--task", "classification", "--out", npy_series / "cls.model")
    assert code == 0 and json.loads(out)["task"] == "classification", err
    code, out, err = run(capsys, "evaluate", npy_series / "cls.model", npy_series / "X.npy", "--y",
                         npy_series / "y_float.npy", "--json")
    result = json.loads(out)
    assert code == 0 and len(result["labels"]) == 12  # each distinct value a class, matched in evaluate
    assert result["labels"] == sorted(str(v) for v in y)


def test_a_ts_file_that_declares_targets_is_still_regression(capsys, tmp_path, one_torch_thread):
    from mlstm_fcn.datasets import write_ts

    X, _ = load_uea("BasicMotions", split="train")
    path = tmp_path / "targets.ts"
    write_ts(path, X[:10], np.linspace(0.5, 5.5, 10))
    code, out, err = run(capsys, "fit", path, "--out", tmp_path / "t.model", "--json", *TINY)
    assert code == 0 and json.loads(out)["task"] == "regression", err


def test_task_help_states_the_rule(capsys):
    with pytest.raises(SystemExit):
        cli.main(["fit", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    task = help_text[help_text.index("--task {auto,classification,regression} classification"):]
    for fragment in ("@targetLabel true", "integer-valued numbers (0.0, 1.0)", "MLSTMFCNClassifier",
                     "refused until --task says which"):
        assert fragment in task


# ------------------------------------------------------------------------------------------ typos
@pytest.mark.parametrize("typed, meant", [("--lstm_units", "--lstm-units"), ("--learning_rate", "--learning-rate"),
                                          ("--epcohs", "--epochs"), ("--batchsize", "--batch-size")])
def test_a_mistyped_option_gets_a_suggestion(capsys, monkeypatch, typed, meant):
    from mlstm_fcn.cli import commands

    monkeypatch.setattr(commands, "load_data", lambda *a, **k: pytest.fail("data read despite a wrong option"))
    with pytest.raises(SystemExit) as exc:
        cli.main(["fit", "BasicMotions", typed, "4"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert f"unrecognized arguments: {typed} 4 ({typed}: did you mean {meant}?)" in err


def test_an_unknown_option_far_from_any_gets_none(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["fit", "BasicMotions", "--bogus"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "unrecognized arguments: --bogus" in err and "did you mean" not in err
    assert close_options("--lstm_units=4", ["--lstm-units", "--epochs"]) == ["--lstm-units"]


def test_the_download_hint_names_the_corrected_dataset(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("MLSTM_FCN_DATA", raising=False)
    monkeypatch.setattr(archive, "user_cache_dir", lambda: tmp_path / "cache")
    code, _, err = run(capsys, "fit", "Natop", *TINY)
    assert code == 1 and "Did you mean 'NATOPS'?" in err
    assert "load_uea('NATOPS', download=True)" in err and "load_uea('Natop'" not in err
    assert "give NATOPS with --download" in err
