"""The ``mlstm-fcn`` command: in process through ``main`` and, for the wiring, as a subprocess."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score

from mlstm_fcn import MLSTMFCNClassifier, cli
from mlstm_fcn.cli import commands
from mlstm_fcn.cli.inputs import load_model_file, save_model_file
from mlstm_fcn.datasets import BUNDLED_DIR, load_uea

ROOT = Path(__file__).resolve().parent.parent
TS_TEST = BUNDLED_DIR / "BasicMotions" / "BasicMotions_TEST.ts"
TINY = ["--epochs", "2", "--filters", "8,8,8", "--kernel-sizes", "3,3,3", "--lstm-units", "4",
        "--se-reduction", "4", "--device", "cpu", "--quiet"]


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "bm.model"
    assert cli.main(["fit", "BasicMotions", "--out", str(path), "--json", *TINY]) == 0
    return path


def test_datasets_lists_bundled(capsys):
    code, out, _ = run(capsys, "datasets")
    assert code == 0
    for name in ("BasicMotions", "JapaneseVowels", "ERing", "RacketSports", "Libras"):
        assert name in out
    code, out, _ = run(capsys, "datasets", "--json", "--local")
    entries = {e["name"]: e for e in json.loads(out)["datasets"]}
    assert code == 0 and {"BasicMotions", "Libras"} <= set(entries)
    assert Path(entries["BasicMotions"]["local"]) == BUNDLED_DIR / "BasicMotions"


def test_datasets_finds_an_archive_in_data_dir(capsys, tmp_path):
    folder = tmp_path / "Tiny"
    folder.mkdir()
    for split in ("TRAIN", "TEST"):
        (folder / f"Tiny_{split}.ts").write_bytes(TS_TEST.read_bytes())
    code, out, _ = run(capsys, "datasets", "--data-dir", tmp_path, "--json")
    entries = {e["name"]: e for e in json.loads(out)["datasets"]}
    assert code == 0 and Path(entries["Tiny"]["local"]) == folder


def test_fit_writes_a_loadable_model(model_file, capsys):
    clf = load_model_file(model_file)
    assert isinstance(clf, MLSTMFCNClassifier)
    assert clf.n_epochs_ == 2 and tuple(clf.filters) == (8, 8, 8) and clf.lstm_units == 4
    assert sorted(clf.classes_) == ["badminton", "running", "standing", "walking"]


def test_fit_prints_metrics(tmp_path, capsys):
    out_path = tmp_path / "m.model"
    code, out, _ = run(capsys, "fit", "BasicMotions", "--out", out_path, "--validation-split", "0.25", *TINY)
    assert code == 0 and out_path.is_file()
    for key in ("train accuracy", "val accuracy", "best epoch", "evaluate with"):
        assert key in out


def test_evaluate_matches_the_estimator(model_file, capsys):
    code, out, _ = run(capsys, "evaluate", model_file, "BasicMotions", "--json")
    assert code == 0
    result = json.loads(out)
    clf = load_model_file(model_file)
    X, y = load_uea("BasicMotions", split="test")
    assert result["accuracy"] == pytest.approx(clf.score(X, y))
    cm = np.array(result["confusion_matrix"])
    assert cm.shape == (4, 4) and cm.sum() == 40 and np.trace(cm) == round(result["accuracy"] * 40)
    assert result["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y, clf.predict(X)))
    code, text, _ = run(capsys, "evaluate", model_file, "BasicMotions")
    assert code == 0 and "balanced accuracy" in text and "true walking" in text


def test_predict_ts_path_with_proba_json(model_file, capsys):
    code, out, _ = run(capsys, "predict", model_file, TS_TEST, "--proba", "--json")
    assert code == 0
    result = json.loads(out)
    clf = load_model_file(model_file)
    X, y = load_uea("BasicMotions", split="test")
    preds = result["predictions"]
    assert len(preds) == 40
    assert [p["prediction"] for p in preds] == list(clf.predict(X))
    assert [p["label"] for p in preds] == list(y)
    proba = np.array([[p["proba"][c] for c in result["classes"]] for p in preds])
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=1e-6)
    code, text, _ = run(capsys, "predict", model_file, TS_TEST, "--proba")
    assert code == 0 and "p(walking)" in text and len(text.splitlines()) == 42


def test_predict_unlabelled_ts(model_file, capsys, tmp_path):
    # A .ts file without labels: @classLabel false and no label column.
    lines = TS_TEST.read_text().splitlines()
    body = []
    for line in lines:
        if line.lower().startswith("@classlabel"):
            body.append("@classLabel false")
        elif line and not line.startswith(("#", "@")):
            body.append(line.rsplit(":", 1)[0])
        else:
            body.append(line)
    path = tmp_path / "unlabelled.ts"
    path.write_text("\n".join(body[:40]) + "\n")  # header plus the first few series
    code, out, err = run(capsys, "predict", model_file, path, "--json")
    assert code == 0, err
    preds = json.loads(out)["predictions"]
    assert preds and all("label" not in p for p in preds)


@pytest.mark.parametrize("argv, fragment", [
    (["fit", "NoSuchDataset", "--epochs", "1"], "unknown dataset 'NoSuchDataset'"),
    (["evaluate", "missing.model", "BasicMotions"], "model file not found"),
    (["predict", "{model}", "no/such/file.ts"], "no such .ts file"),
    (["predict", "{model}", "JapaneseVowels"], "12 channels"),
    (["fit", "BasicMotions", "--device", "tpu"], "device must be"),
])
def test_errors_are_one_line(model_file, capsys, argv, fragment):
    code, out, err = run(capsys, *[a.format(model=model_file) for a in argv])
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("mlstm-fcn: error:")
    assert fragment in err


def test_not_a_model_file(capsys, tmp_path):
    bad = tmp_path / "bad.model"
    bad.write_bytes(b"not a pickle")
    code, _, err = run(capsys, "predict", bad, TS_TEST)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "bad.model" in err


def test_bad_option_value_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["fit", "BasicMotions", "--filters", "8,x"])
    assert exc.value.code == 2
    assert "comma-separated integers" in capsys.readouterr().err


def test_module_entry_point_help_and_error():
    """``python -m mlstm_fcn``: complete help, and errors as one line with a non-zero status."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MLSTM_FCN_DEBUG", None)
    help_ = subprocess.run([sys.executable, "-m", "mlstm_fcn", "--help"], capture_output=True, text=True,
                           env=env, cwd=ROOT, timeout=120)
    assert help_.returncode == 0
    for command in ("datasets", "fit", "evaluate", "predict"):
        assert command in help_.stdout
    err = subprocess.run([sys.executable, "-m", "mlstm_fcn", "evaluate", "nope.model", "BasicMotions"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert err.returncode == 1 and err.stdout == ""
    assert err.stderr.strip().splitlines() == ["mlstm-fcn: error: model file not found: nope.model"]


def test_subcommand_help_is_complete(capsys):
    for command, options in {"fit": ["--epochs", "--device", "--out", "--data-dir", "--json", "--filters"],
                             "evaluate": ["--split", "--json"], "predict": ["--proba", "--json"],
                             "datasets": ["--local", "--data-dir"]}.items():
        with pytest.raises(SystemExit) as exc:
            cli.main([command, "--help"])
        assert exc.value.code == 0
        text = capsys.readouterr().out
        for option in options:
            assert option in text, (command, option)


def test_console_script_declared():
    import tomllib
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert conf["project"]["scripts"]["mlstm-fcn"] == "mlstm_fcn.cli:main"


def test_save_load_roundtrip(tmp_path, tiny_data):
    X, y = tiny_data
    from .conftest import FAST
    clf = MLSTMFCNClassifier(random_state=0, **FAST).fit(X, y)
    path = tmp_path / "m.model"
    save_model_file(clf, path)
    np.testing.assert_allclose(load_model_file(path).predict_proba(X), clf.predict_proba(X), atol=1e-6)


def test_long_predictions_show_a_progress_bar(model_file, capsys):
    clf = load_model_file(model_file)
    X, _ = load_uea("BasicMotions", split="test")
    clf.predict_batch_size = 5  # 8 chunks
    proba = commands.class_probabilities(clf, X, quiet=False)
    np.testing.assert_allclose(proba, clf.predict_proba(X), atol=1e-6)
    assert "predict" in capsys.readouterr().err
    commands.class_probabilities(clf, X, quiet=True)
    assert capsys.readouterr().err == ""


def test_fit_with_a_preset_and_variant_options(tmp_path, capsys):
    path = tmp_path / "ens.model"
    code, _, _ = run(capsys, "fit", "BasicMotions", "--out", path, "--preset", "paper-attention",
                     "--n-estimators", "2", "--scaling", "instance", "--lstm-orientation", "time", *TINY)
    assert code == 0
    clf = load_model_file(path)
    assert clf.attention is True and clf.n_estimators == 2 and len(clf.network_.members) == 2
    assert clf.scaling == "instance" and clf.lstm_orientation == "time"
    assert tuple(clf.filters) == (8, 8, 8) and clf.epochs == 2  # options override the preset
    code, _, _ = run(capsys, "fit", "BasicMotions", "--out", tmp_path / "n.model", "--scaling", "none", *TINY)
    assert code == 0 and load_model_file(tmp_path / "n.model").scaling is None


def test_fit_summary_gives_the_saved_models_own_figures(tmp_path, capsys):
    # "train accuracy" is what the saved model scores on the training split, as evaluate says.
    out_path = tmp_path / "m.model"
    code, out, _ = run(capsys, "fit", "RacketSports", "--out", out_path, "--json", *TINY)
    fitted = json.loads(out)
    code2, out2, _ = run(capsys, "evaluate", out_path, "RacketSports", "--split", "train", "--json")
    assert code == code2 == 0
    assert fitted["train_accuracy"] == pytest.approx(json.loads(out2)["accuracy"])
    assert 1 <= fitted["best_epoch"] <= fitted["epochs"] == 2  # epochs counted from 1, as in Python


@pytest.mark.parametrize("option", [["--epochs", "-3"], ["--batch-size", "0"], ["--learning-rate", "0"],
                                    ["--validation-split", "1.5"], ["--n-estimators", "x"]])
def test_options_are_checked_before_any_data_is_read(capsys, monkeypatch, option):
    read = []
    monkeypatch.setattr(commands, "load_data", lambda *a: read.append(a))
    with pytest.raises(SystemExit) as exc:
        cli.main(["fit", "BasicMotions", *option])
    assert exc.value.code == 2 and read == []
    assert option[0] in capsys.readouterr().err


def test_dataset_names_match_without_case_and_near_misses_get_a_suggestion(capsys, tmp_path):
    code, out, _ = run(capsys, "fit", "basicmotions", "--out", tmp_path / "m.model", "--json", *TINY)
    assert code == 0 and json.loads(out)["dataset"] == "BasicMotions (train)"
    code, _, err = run(capsys, "fit", "BasicMotion", *TINY)
    assert code == 1 and "Did you mean 'BasicMotions'?" in err


def test_a_folder_is_a_dataset_folder_or_said_to_be_a_folder(model_file, capsys, tmp_path):
    code, out, _ = run(capsys, "evaluate", model_file, BUNDLED_DIR / "BasicMotions", "--json")
    assert code == 0 and json.loads(out)["n_series"] == 40
    code, _, err = run(capsys, "evaluate", model_file, tmp_path)
    assert code == 1 and "is a folder, not a .ts file" in err and "no such .ts file" not in err


def test_a_closed_pipe_ends_quietly(model_file):
    # `mlstm-fcn predict ... | head -4`: the reader leaves early; no error message, no traceback.
    proc = subprocess.run(
        f"{sys.executable} -m mlstm_fcn predict {model_file} BasicMotions --proba | head -4",
        shell=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert len(proc.stdout.splitlines()) == 4
    assert proc.stderr == "", proc.stderr


@pytest.mark.filterwarnings("always::sklearn.exceptions.ConvergenceWarning")
def test_fit_summary_says_whether_the_fit_converged(tmp_path, capsys):
    # Libras (15 classes) is far from fitted after 20 epochs of 2 batches (as in tests/test_convergence.py):
    # the summary and a one-line warning say so; BasicMotions converges.
    # Without augmentation, whose noisier loss on mixed series would hide the trend at 20 epochs.
    code, out, err = run(capsys, "fit", "Libras", "--out", tmp_path / "l.model", "--json", "--epochs", "20",
                         "--batch-size", "128", "--augmentation", "none",
                         "--stop-when-fitted", "none", "--seed", "0", "--device", "cpu", "--quiet")
    assert code == 0 and json.loads(out)["converged"] is False
    assert "warning: MLSTMFCNClassifier stopped at its epoch cap (epochs=20)" in err
    code, out, err = run(capsys, "fit", "BasicMotions", "--out", tmp_path / "b.model", "--seed", "0", "--quiet",
                         "--device", "cpu", "--json")
    assert code == 0 and json.loads(out)["converged"] is True
    assert "epoch cap" not in err


@pytest.mark.parametrize("where, fragment", [
    ("folder", "is a folder; name a file"),
    ("missing-folder", "does not exist"),
    ("data-dir", "--data-dir"),
])
def test_fit_refuses_an_unwritable_out_or_a_missing_data_dir_before_training(capsys, tmp_path, monkeypatch,
                                                                            where, fragment):
    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking its paths")

    monkeypatch.setattr(MLSTMFCNClassifier, "fit", no_training)
    out = {"folder": tmp_path, "missing-folder": tmp_path / "no" / "m.model"}.get(where, tmp_path / "m.model")
    extra = ["--data-dir", tmp_path / "no-such-dir"] if where == "data-dir" else []
    code, _, err = run(capsys, "fit", "BasicMotions", "--out", out, *extra, *TINY)
    assert code == 1 and fragment in err


def test_cli_can_turn_the_stop_rule_off(tmp_path, capsys):
    out = tmp_path / "m.model"
    code = cli.main(["fit", "BasicMotions", "--epochs", "2", "--stop-when-fitted", "none", "--filters", "4,4,4",
                     "--kernel-sizes", "3,3,3", "--lstm-units", "2", "--se-reduction", "2", "--device", "cpu",
                     "--quiet", "--json", "--out", str(out)])
    assert code == 0 and json.loads(capsys.readouterr().out)["epochs"] == 2
    assert MLSTMFCNClassifier.load(out).stop_when_fitted is None


@pytest.mark.parametrize("value, expected", [("none", None), ("2", 2)])
def test_cli_sets_min_epochs(tmp_path, capsys, value, expected):
    out = tmp_path / "m.model"
    code = cli.main(["fit", "BasicMotions", "--epochs", "3", "--min-epochs", value, "--filters", "4,4,4",
                     "--kernel-sizes", "3,3,3", "--lstm-units", "2", "--se-reduction", "2", "--device", "cpu",
                     "--quiet", "--json", "--out", str(out)])
    assert code == 0 and 2 <= json.loads(capsys.readouterr().out)["epochs"] <= 3
    assert MLSTMFCNClassifier.load(out).min_epochs == expected


@pytest.mark.parametrize("value, expected", [("none", None), ("jitter", "jitter"),
                                             ("time_warp,mixup", ["time_warp", "mixup"]), (None, "cutmix")])
def test_cli_sets_the_augmentation(tmp_path, capsys, value, expected):
    out = tmp_path / "m.model"
    option = [] if value is None else ["--augmentation", value]
    code, _, err = run(capsys, "fit", "BasicMotions", "--out", out, *option, *TINY)
    assert code == 0, err
    assert MLSTMFCNClassifier.load(out).augmentation == expected


def test_cli_refuses_an_unknown_augmentation_before_reading_data(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["fit", "BasicMotions", "--out", str(tmp_path / "m.model"), "--augmentation", "jitter,flip"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unknown augmentation 'flip'" in err and "cutmix" in err
    assert not (tmp_path / "m.model").exists()
