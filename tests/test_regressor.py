"""MLSTMFCNRegressor: real regression data, targets standardised and restored, files, ensembles."""

import pickle

import numpy as np
import pytest
import torch

from mlstm_fcn import MLSTMFCNClassifier, MLSTMFCNRegressor, load_model
from mlstm_fcn.datasets import load_uea

from .conftest import FAST

#: Small enough for CI, good enough on Tecator (measured: test RMSE 3.5 against 12.9 for the mean).
TECATOR = dict(epochs=100, filters=(32, 64, 32), learning_rate=0.005, scaling="channel", device="cpu",
               random_state=0)


@pytest.fixture(autouse=True)
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(min(2, before))
    yield
    torch.set_num_threads(before)


def _rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


@pytest.fixture(scope="module")
def tecator():
    X, y = load_uea("Tecator", split="train")  # shipped with sktime (the TSER archive's fat content)
    X_test, y_test = load_uea("Tecator", split="test")
    return X, y, X_test, y_test


@pytest.fixture(scope="module")
def tecator_model(tecator):
    X, y, _, _ = tecator
    return MLSTMFCNRegressor(**TECATOR).fit(X, y)


def test_tecator_rmse_is_well_below_predicting_the_mean(tecator, tecator_model):
    _, y, X_test, y_test = tecator
    rmse = _rmse(tecator_model.predict(X_test), y_test)
    baseline = _rmse(np.full_like(y_test, y.mean()), y_test)
    assert rmse < 0.5 * baseline, (rmse, baseline)
    assert tecator_model.score(X_test, y_test) > 0.7


def test_covid3month_beats_predicting_the_mean():
    # A hard set (published RMSEs sit close to the mean's): better than the mean is the bar here.
    X, y = load_uea("Covid3Month", split="train")
    X_test, y_test = load_uea("Covid3Month", split="test")
    reg = MLSTMFCNRegressor(**{**TECATOR, "epochs": 60, "learning_rate": 0.01, "scaling": None}).fit(X, y)
    assert _rmse(reg.predict(X_test), y_test) < _rmse(np.full_like(y_test, y.mean()), y_test)


def test_targets_are_standardised_inside_and_restored_in_predict(tecator, tecator_model):
    _, y, _, _ = tecator
    np.testing.assert_allclose(tecator_model.y_mean_, [y.mean()])
    np.testing.assert_allclose(tecator_model.y_scale_, [y.std()])
    # Targets in other units give the same model, in those units.
    X = tecator[0]
    scaled = MLSTMFCNRegressor(**{**TECATOR, "epochs": 5}).fit(X, 1000 * y + 7)
    plain = MLSTMFCNRegressor(**{**TECATOR, "epochs": 5}).fit(X, y)
    np.testing.assert_allclose(scaled.predict(X[:10]), 1000 * plain.predict(X[:10]) + 7, rtol=1e-5)
    assert "accuracy" not in tecator_model.history_ and np.isfinite(tecator_model.train_loss_)


def test_two_dimensional_targets_train_one_output_each(tiny_data):
    X, _ = tiny_data
    y = np.c_[X[:, 0].mean(axis=1), X[:, 1].max(axis=1) * 10]
    reg = MLSTMFCNRegressor(**FAST, random_state=0).fit(X, y)
    assert reg.n_outputs_ == 2 and reg.predict(X).shape == (36, 2)
    one = MLSTMFCNRegressor(**FAST, random_state=0).fit(X, y[:, 0])
    assert one.predict(X).shape == (36,)
    col = MLSTMFCNRegressor(**FAST, random_state=0).fit(X, y[:, :1])
    assert col.predict(X).shape == (36, 1)  # a 2D y of one column stays 2D


def test_ensemble_predicts_the_mean_of_its_members(tiny_data):
    X, _ = tiny_data
    y = X[:, 0].mean(axis=1)
    reg = MLSTMFCNRegressor(**FAST, n_estimators=3, random_state=0).fit(X, y)
    members = reg.network_.members
    with torch.no_grad():
        outputs = torch.stack([m(torch.from_numpy(X)) for m in members]).mean(0).numpy()[:, 0]
    np.testing.assert_allclose(reg.predict(X), outputs * reg.y_scale_[0] + reg.y_mean_[0], rtol=1e-5, atol=1e-6)


def test_validation_split_is_a_plain_random_split(tiny_data):
    X, _ = tiny_data
    y = X[:, 0].mean(axis=1)
    reg = MLSTMFCNRegressor(**FAST, validation_split=0.25, random_state=0).fit(X, y)
    assert len(reg.history_["val_loss"]) == 3 and "val_accuracy" not in reg.history_


def test_save_load_and_pickle_predict_the_same(tecator, tecator_model, tmp_path):
    _, _, X_test, _ = tecator
    expected = tecator_model.predict(X_test)
    tecator_model.save(tmp_path / "tecator.model")
    for loaded in (MLSTMFCNRegressor.load(tmp_path / "tecator.model"), load_model(tmp_path / "tecator.model"),
                   pickle.loads(pickle.dumps(tecator_model))):
        assert type(loaded) is MLSTMFCNRegressor
        np.testing.assert_array_equal(loaded.predict(X_test), expected)
    with pytest.raises(ValueError, match="holds a fitted MLSTMFCNRegressor, not a MLSTMFCNClassifier"):
        MLSTMFCNClassifier.load(tmp_path / "tecator.model")


@pytest.mark.parametrize("y, message", [
    (np.array(["a"] * 36), "not numbers"),
    (np.full(36, np.nan), "NaN"),
    (np.ones(5), "36 series but y has 5 targets"),
    (np.ones((36, 2, 2)), "1D .* or 2D"),
])
def test_bad_targets_are_refused(tiny_data, y, message):
    X, _ = tiny_data
    with pytest.raises(ValueError, match=message):
        MLSTMFCNRegressor(**FAST).fit(X, y)


def test_the_classifier_refuses_continuous_targets_and_names_the_regressor_parameters(tiny_data):
    X, _ = tiny_data
    with pytest.raises(ValueError, match="Unknown label type"):
        MLSTMFCNClassifier(**FAST).fit(X, np.linspace(0, 1, 36))
    assert "class_weight" not in MLSTMFCNRegressor().get_params()
    assert "stop_when_fitted" not in MLSTMFCNRegressor().get_params()


def _cli(capsys, *argv):
    from mlstm_fcn import cli

    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_fits_regression_from_a_target_file_and_evaluates_rmse(capsys, tmp_path):
    import json

    model = tmp_path / "tecator.model"
    code, out, _ = _cli(capsys, "fit", "Tecator", "--epochs", "3", "--filters", "8,8,8", "--out", str(model),
                        "--json", "-q")
    assert code == 0
    fitted = json.loads(out)
    assert fitted["task"] == "regression" and "train_rmse" in fitted and "train_accuracy" not in fitted
    code, out, _ = _cli(capsys, "evaluate", str(model), "Tecator", "--json", "-q")
    scores = json.loads(out)
    X_test, y_test = load_uea("Tecator", split="test")
    pred = MLSTMFCNRegressor.load(model).predict(X_test)
    assert code == 0 and scores["rmse"] == pytest.approx(_rmse(pred, y_test))
    assert scores["mae"] == pytest.approx(float(np.abs(pred - y_test).mean()))
    code, out, _ = _cli(capsys, "predict", str(model), "Tecator", "--json", "-q")
    assert code == 0 and len(json.loads(out)["predictions"]) == len(y_test)
    code, _, err = _cli(capsys, "predict", str(model), "Tecator", "--proba", "-q")
    assert code == 1 and "--proba applies to classifiers" in err
    code, _, err = _cli(capsys, "fit", "Tecator", "--stop-when-fitted", "5", "--out", str(model), "-q")
    assert code == 1 and "classification only" in err


def test_cli_task_option_overrides_what_the_data_says(capsys, tmp_path):
    # BasicMotions' labels are words: --task regression is refused with the reason.
    code, _, err = _cli(capsys, "fit", "BasicMotions", "--task", "regression", "--out", str(tmp_path / "m"), "-q")
    assert code == 1 and "numeric targets" in err


def test_regression_benchmark_runs_and_resumes(tmp_path):
    import csv

    from benchmarks.studies import bench_regression

    argv = ["--datasets", "Covid3Month", "--epochs", "2", "--device", "cpu", "--out-dir", str(tmp_path)]
    assert bench_regression.main(argv) == 0
    assert bench_regression.main(argv) == 0  # resumes: nothing run twice
    rows = list(csv.DictReader(open(tmp_path / "regression" / "regression.csv")))
    assert sorted(r["method"] for r in rows) == ["mean", "mlstm_fcn", "random_forest", "ridge"]
    assert all(float(r["rmse"]) > 0 for r in rows)
