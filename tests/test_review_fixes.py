"""Regression tests for defects found in review of the merged training, validation and checkpoint code."""

import warnings

import numpy as np
import pytest
import torch

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn._runtime import usable_device
from mlstm_fcn.training import epoch, loop
from mlstm_fcn.training.checkpoint import run_id

from .conftest import FAST


def test_resume_trains_on_the_optimizers_own_learning_rate_tensor(tiny_data, tmp_path, monkeypatch):
    # On CUDA the optimizer's learning rate is a device tensor that the captured graph reads; a
    # checkpoint restore must not leave the graph bound to the checkpoint's copy (the schedule would
    # then never reach it). Reproduced on CPU with a tensor learning rate.
    X, y = tiny_data
    made, bound = [], []

    def make_optimizer(network, config, device):
        lr = torch.tensor(config.learning_rate)
        made.append(lr)
        return torch.optim.Adam(network.parameters(), lr=lr, foreach=False)

    class Recording(epoch.EpochRunner):
        def __init__(self, network, optimizer, *args, **kwargs):
            bound.append(optimizer.param_groups[0]["lr"] is made[-1])
            super().__init__(network, optimizer, *args, **kwargs)

    monkeypatch.setattr(loop, "make_optimizer", make_optimizer)
    monkeypatch.setattr(loop, "EpochRunner", Recording)
    params = {**FAST, "epochs": 8, "lr_patience": 1, "checkpoint_every": 2, "random_state": 0}
    calls = {"n": 0}
    original = epoch.weighted_loss

    def interrupting(*args):
        calls["n"] += 1
        if calls["n"] == 6:  # during epoch 5: the checkpoint of epoch 3 is the last one
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(epoch, "weighted_loss", interrupting)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    monkeypatch.setattr(epoch, "weighted_loss", original)
    resumed = MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    assert bound == [True, True]
    assert resumed.n_epochs_ == 8


def test_label_tensors_keep_their_dtype(tiny_data):
    X, _ = tiny_data
    big = torch.tensor([2**24, 2**24 + 1, 2**24 + 2] * 12)  # distinct as int64, not as float32
    clf = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, big)
    assert clf.classes_.dtype == np.int64 and len(clf.classes_) == 3
    flags = torch.tensor([True, False] * 18)
    clf = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, flags)
    assert clf.classes_.dtype == np.bool_ and clf.predict(X).dtype == np.bool_


def test_interrupt_during_validation_leaves_history_of_complete_epochs(tiny_data, monkeypatch):
    X, y = tiny_data
    calls = {"n": 0}
    original = loop.evaluate

    def interrupting(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(loop, "evaluate", interrupting)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        clf = MLSTMFCNClassifier(**{**FAST, "epochs": 10}, validation_split=0.25, random_state=0).fit(X, y)
    assert {len(v) for v in clf.history_.values()} == {2}
    assert clf.n_epochs_ == 2


def test_gpu_index_missing_here_falls_back_to_the_current_gpu(tiny_data, monkeypatch):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y)
    clf.device_ = torch.device("cuda", 1)  # as fitted on a machine with two GPUs
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    assert usable_device(clf.device_) == torch.device("cuda", 0)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert usable_device(clf.device_) == torch.device("cpu")


def test_n_features_in_does_not_depend_on_the_container(tiny_data):
    X, y = tiny_data
    univariate = X[:, 0, :]
    as_array = MLSTMFCNClassifier(**FAST, random_state=0).fit(univariate, y)
    as_list = MLSTMFCNClassifier(**FAST, random_state=0).fit(univariate.tolist(), y)
    assert as_array.n_features_in_ == as_list.n_features_in_ == 20
    assert MLSTMFCNClassifier(**FAST, random_state=0).fit(list(X), y).n_features_in_ == 3


@pytest.mark.parametrize("param, value", [("learning_rate", True), ("dropout", False),
                                          ("validation_split", True),
                                          ("class_weight", np.array([1.0, 2.0, 3.0]))])
def test_booleans_and_arrays_are_not_taken_for_numbers_or_options(tiny_data, param, value):
    X, y = tiny_data
    with pytest.raises(ValueError, match=param):
        MLSTMFCNClassifier(**{**FAST, param: value}).fit(X, y)


def test_random_state_objects_with_other_seeds_are_other_runs():
    cpu = torch.device("cpu")

    def rid(rs):
        return run_id({"random_state": rs}, cpu, [])

    assert rid(np.random.RandomState(1)) == rid(np.random.RandomState(1))
    assert rid(np.random.RandomState(1)) != rid(np.random.RandomState(2))
    assert rid(np.random.default_rng(1)) != rid(np.random.default_rng(2))


def test_a_fit_that_fails_while_training_leaves_no_network(tiny_data, monkeypatch):
    X, y = tiny_data

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure inside training")

    monkeypatch.setattr("mlstm_fcn.estimator.train", broken)
    clf = MLSTMFCNClassifier(**FAST, random_state=0)
    with pytest.raises(RuntimeError, match="simulated"):
        clf.fit(X, y)
    assert not hasattr(clf, "network_")
