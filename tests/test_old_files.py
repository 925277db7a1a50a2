"""Files written by earlier versions load, predict as they did, and resume (see tests/data/old_files)."""

import glob
import os
import pickle
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from mlstm_fcn import MLSTMFCNClassifier, load_model
from mlstm_fcn.io.model_file import FORMAT_VERSION
from mlstm_fcn.training.checkpoint import CHECKPOINT_VERSION, Checkpointer

OLD = Path(__file__).parent / "data" / "old_files"
FOLDERS = sorted(p.name for p in OLD.iterdir() if p.is_dir())
#: Folders whose checkpoints have today's run id (that of the same parameters and data).
SAME_RUN_ID = ["v1-2d35cd4", "v1-e6e3b92"]
#: Records that the upgrade fills in for files that lack them.
FILLED = ("histories_", "best_epochs_", "scaling_", "converged_", "input_mean_", "input_scale_", "autocast_dtype_")


def _data(folder):
    data = np.load(OLD / folder / "data.npz")
    return data["X"], data["y"], data["proba"]


def _quietly(load, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "saved with another mlstm-fcn", of the same 0.1.0
        return load(*args)


def _check_as_before(model, folder):
    X, _, proba = _data(folder)
    np.testing.assert_allclose(model.predict_proba(X), proba, rtol=1e-6, atol=1e-7)
    assert model.history_["epoch"] == [1, 2, 3]  # counted from 1, whatever the file counted from
    assert 1 <= model.best_epoch_ <= 3
    assert model.histories_ == [model.history_] and model.best_epochs_ == [model.best_epoch_]
    for name in FILLED:
        assert hasattr(model, name)
    if folder != "v1-e6e3b92":  # written before the stop rule: filled in as what those versions did
        assert model.get_params()["stop_when_fitted"] is None


def test_the_committed_folders_are_there():
    assert {"v1-9aac563", "v1-2d35cd4", "v1-e6e3b92"} <= set(FOLDERS)


@pytest.mark.parametrize("folder", FOLDERS)
def test_an_old_model_file_loads_and_predicts_as_it_did(folder):
    _check_as_before(_quietly(load_model, OLD / folder / "classifier.safetensors"), folder)


@pytest.mark.parametrize("folder", FOLDERS)
def test_an_old_pickle_loads_and_predicts_as_it_did(folder):
    with open(OLD / folder / "classifier.pkl", "rb") as f:
        _check_as_before(pickle.load(f), folder)


def test_an_old_regressor_file_predicts_as_it_did():
    folder = OLD / "v1-e6e3b92"
    X, _, _ = _data("v1-e6e3b92")
    model = _quietly(load_model, folder / "regressor.safetensors")
    np.testing.assert_allclose(model.predict(X), np.load(folder / "regressor_prediction.npy"), rtol=1e-6, atol=1e-7)
    assert model.history_["epoch"] == [1, 2, 3]


@pytest.mark.parametrize("folder", FOLDERS)
def test_an_old_checkpoint_reads_as_the_current_version(folder):
    (path,) = glob.glob(str(OLD / folder / "checkpoints" / "*.ckpt"))
    run = os.path.basename(path)[len("mlstm_fcn-"):-len(".ckpt")]
    assert torch.load(path, weights_only=True)["version"] == 1
    payload = Checkpointer(OLD / folder / "checkpoints", run, every=1).read()
    assert payload is not None
    assert payload["version"] == CHECKPOINT_VERSION
    assert payload["epoch"] == 3 and payload["finished"]  # epochs finished, counted from 1
    assert payload["history"]["epoch"] == [1, 2, 3]
    assert 1 <= payload["best_epoch"] <= 3
    assert payload["call_start"] == 0


@pytest.mark.parametrize("folder", SAME_RUN_ID)
def test_an_old_checkpoint_resumes_its_run(folder, tmp_path):
    shutil.copytree(OLD / folder / "checkpoints", tmp_path / "checkpoints")
    X, y, proba = _data(folder)
    epochs_trained = []
    params = _quietly(load_model, OLD / folder / "classifier.safetensors").get_params()
    params.update(checkpoint_dir=tmp_path / "checkpoints", callbacks=[epochs_trained.append])
    model = MLSTMFCNClassifier(**params).fit(X, y)
    assert epochs_trained == []  # the run had finished: resumed as finished, nothing trained again
    assert model.history_["epoch"] == [1, 2, 3]
    np.testing.assert_allclose(model.predict_proba(X), proba, rtol=1e-6, atol=1e-7)


def test_an_old_kept_run_continues(tmp_path):
    """A warm_start estimator pickled by version 1 keeps its run with epochs from 0; it continues from 1."""
    X, y, _ = _data("v1-e6e3b92")
    with open(OLD / "v1-e6e3b92" / "classifier_warm_start.pkl", "rb") as f:
        model = pickle.load(f)
    model.set_params(epochs=2).fit(X, y)  # two more epochs
    assert model.history_["epoch"] == [1, 2, 3, 4, 5]
    today = MLSTMFCNClassifier(**model.get_params()).set_params(epochs=3).fit(X, y)  # the same run, kept today
    today.set_params(epochs=2).fit(X, y)
    assert {k: v for k, v in today.history_.items() if k != "time"} == {
        k: v for k, v in model.history_.items() if k != "time"}
    np.testing.assert_allclose(model.predict_proba(X), today.predict_proba(X), rtol=1e-6, atol=1e-7)


def test_new_files_record_the_current_versions(tmp_path):
    X, y, _ = _data("v1-e6e3b92")
    params = _quietly(load_model, OLD / "v1-e6e3b92" / "classifier.safetensors").get_params()
    model = MLSTMFCNClassifier(**{**params, "epochs": 2, "checkpoint_dir": tmp_path}).fit(X, y)
    assert FORMAT_VERSION == 2 and CHECKPOINT_VERSION == 2
    (path,) = glob.glob(str(tmp_path / "*.ckpt"))
    payload = torch.load(path, weights_only=True)
    assert payload["version"] == CHECKPOINT_VERSION
    assert payload["epoch"] == 2 and payload["history"]["epoch"] == [1, 2]  # from 1, as history_
    assert payload["best_epoch"] == model.best_epoch_
    assert model.__getstate__()["_format_version"] == FORMAT_VERSION
    assert "_format_version" not in vars(pickle.loads(pickle.dumps(model)))


def test_pickles_naming_the_classifiers_former_module_still_load():
    """Pickles written before the classifier moved to mlstm_fcn.classifier name mlstm_fcn.estimator."""
    from mlstm_fcn.estimator import MLSTMFCNClassifier as former

    assert former is MLSTMFCNClassifier
    assert b"mlstm_fcn.estimator" in (OLD / "v1-e6e3b92" / "classifier.pkl").read_bytes()
    assert MLSTMFCNClassifier.__module__ == "mlstm_fcn.classifier"
