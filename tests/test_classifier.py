"""MLSTMFCNClassifier: the scikit-learn contract, accuracy, reproducibility, input handling."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.training import loop

from .conftest import FAST


def test_basic_motions_accuracy(basic_motions):
    # Published MLSTM-FCN: 0.975-1.0. About 20 s on 2 CPU cores: all 100 epochs, no stop rule.
    X_train, y_train, X_test, y_test = basic_motions
    clf = MLSTMFCNClassifier(epochs=100, stop_when_fitted=None, random_state=0, device="cpu").fit(X_train, y_train)
    assert clf.score(X_test, y_test) >= 0.9
    assert len(clf.history_["loss"]) == clf.n_epochs_ == 100
    assert clf.history_["loss"][-1] < clf.history_["loss"][0]
    assert set(clf.history_) == {"epoch", "loss", "accuracy", "learning_rate", "time"}
    assert np.all(np.diff(clf.history_["time"]) > 0)


def test_same_seed_gives_identical_probabilities(tiny_data):
    X, y = tiny_data
    p1 = MLSTMFCNClassifier(**FAST, random_state=3).fit(X, y).predict_proba(X)
    p2 = MLSTMFCNClassifier(**FAST, random_state=3).fit(X, y).predict_proba(X)
    p3 = MLSTMFCNClassifier(**FAST, random_state=4).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(p1, p2)
    assert not np.array_equal(p1, p3)


def test_fit_leaves_global_random_state_alone(tiny_data):
    X, y = tiny_data
    torch.manual_seed(123)
    np.random.seed(123)
    expected_torch, expected_np = torch.rand(3), np.random.rand(3)
    torch.manual_seed(123)
    np.random.seed(123)
    MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y)
    MLSTMFCNClassifier(**FAST, random_state=None).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected_torch)
    np.testing.assert_array_equal(np.random.rand(3), expected_np)


def test_sklearn_contract(tiny_data):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST, random_state=0)
    assert clf.get_params()["lstm_units"] == 4
    with pytest.raises(NotFittedError):
        clf.predict(X)
    assert clf.fit(X, y) is clf
    cloned = clone(clf)
    assert not hasattr(cloned, "network_")
    assert cloned.get_params() == clf.get_params()
    cloned.set_params(lstm_units=16, attention=True)
    assert cloned.lstm_units == 16 and cloned.attention is True
    assert list(clf.classes_) == ["a", "b", "c"]
    assert clf.n_channels_ == 3 and clf.n_timepoints_ == 20 and clf.n_features_in_ == 3
    proba = clf.predict_proba(X)
    assert proba.shape == (36, 3)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert set(clf.predict(X)) <= set(clf.classes_)


def test_default_parameters_follow_the_paper_but_the_batch_size():
    params = MLSTMFCNClassifier().get_params()
    assert params["lstm_units"] == 8 and params["dropout"] == 0.8 and params["se_reduction"] == 16
    assert params["filters"] == (128, 256, 128) and params["kernel_sizes"] == (8, 5, 3)
    # 16, not the paper's 128: the recipe study's choice (tests/test_benchmarks.py checks it is).
    assert params["batch_size"] == 16 and params["learning_rate"] == 1e-3
    assert params["class_weight"] == "balanced" and params["lr_patience"] == 100
    assert params["min_learning_rate"] == 1e-4


def test_pickle_round_trip(tiny_data):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    assert restored.history_ == clf.history_
    unfitted = pickle.loads(pickle.dumps(MLSTMFCNClassifier(lstm_units=5)))
    assert unfitted.lstm_units == 5 and not hasattr(unfitted, "network_")


def test_inputs_2d_tensor_and_label_types(tiny_data):
    X, y = tiny_data
    # 2D arrays are univariate series.
    clf = MLSTMFCNClassifier(**FAST, random_state=0).fit(X[:, 0, :], y)
    assert clf.n_channels_ == 1 and clf.n_features_in_ == 20
    assert clf.predict(X[:5, 0, :]).shape == (5,)
    # torch tensors, float labels written as strings ("1.0" as in NATOPS), integer labels.
    y_str = np.array(["1.0", "2.0", "3.0"])[np.searchsorted(["a", "b", "c"], y)]
    clf = MLSTMFCNClassifier(**FAST, random_state=0).fit(torch.from_numpy(X), y_str)
    assert clf.predict(torch.from_numpy(X)).dtype.kind == "U"
    y_int = np.searchsorted(["a", "b", "c"], y) + 10
    clf = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y_int)
    assert set(clf.predict(X)) <= {10, 11, 12}


def test_predict_in_batches_matches_one_batch(tiny_data):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y)
    whole = clf.predict_proba(X)
    clf.set_params(predict_batch_size=5)
    np.testing.assert_allclose(clf.predict_proba(X), whole, rtol=1e-5, atol=1e-6)


def test_validation_split_and_early_stopping(tiny_data):
    X, y = tiny_data
    y_random = np.random.default_rng(1).permutation(y)  # nothing to learn: validation loss rises
    clf = MLSTMFCNClassifier(**{**FAST, "epochs": 60}, validation_split=0.25, early_stopping=5,
                             learning_rate=1e-2, random_state=0).fit(X, y_random)
    assert {"val_loss", "val_accuracy"} <= set(clf.history_)
    assert clf.n_epochs_ < 60
    assert clf.n_epochs_ - clf.best_epoch_ == 5
    best = int(np.argmin(clf.history_["val_loss"]))
    assert clf.best_epoch_ == clf.history_["epoch"][best] == best + 1  # epochs count from 1


@pytest.mark.parametrize("class_weight", [None, "balanced", {"a": 2.0, "b": 1.0, "c": 1.0}])
def test_class_weight_options(tiny_data, class_weight):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST, class_weight=class_weight, random_state=0).fit(X, y)
    assert clf.predict(X).shape == (36,)


def test_progress_bar_when_verbose(tiny_data, capsys):
    X, y = tiny_data
    MLSTMFCNClassifier(**FAST, verbose=1, random_state=0).fit(X, y)
    err = capsys.readouterr().err
    assert "epoch" in err and "loss" in err and "lr" in err


def test_reduce_on_plateau_schedule(tiny_data):
    X, y = tiny_data
    # All-zero series: the loss reaches its floor (the class prior) at once, then plateaus.
    clf = MLSTMFCNClassifier(**{**FAST, "epochs": 40}, lr_patience=1, learning_rate=1e-3,
                             random_state=0).fit(np.zeros_like(X), y)
    lrs = np.array(clf.history_["learning_rate"])
    assert lrs[0] == pytest.approx(1e-3)
    assert lrs.min() >= 1e-4 - 1e-12
    ratios = lrs[1:][lrs[1:] < lrs[:-1]] / lrs[:-1][lrs[1:] < lrs[:-1]]
    # Every reduction is by 1/cbrt(2), except the last that stops at the floor.
    assert any(np.isclose(ratios, 2 ** (-1 / 3)))


@pytest.mark.parametrize("bad, match", [
    (np.zeros((4, 2, 3, 5)), "3D"),
    (np.zeros(5), "3D|2D|Expected 2D"),
    (np.zeros((0, 2, 5)), "empty|0 sample"),
    (np.full((6, 2, 5), np.inf), "infinity"),
])
def test_bad_X_is_a_clear_value_error(bad, match):
    y = np.arange(len(bad)) % 2 if len(bad) else np.array([])
    with pytest.raises(ValueError, match=match):
        MLSTMFCNClassifier(**FAST).fit(bad, y)


def test_nan_inside_series_is_refused(tiny_data):
    X, y = tiny_data
    X = X.copy()
    X[3, 1, 4] = np.nan
    with pytest.raises(ValueError, match="NaN inside a series"):
        MLSTMFCNClassifier(**FAST).fit(X, y)


def test_label_errors(tiny_data):
    X, y = tiny_data
    with pytest.raises(ValueError, match="single class"):
        MLSTMFCNClassifier(**FAST).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="36 series but y has 35"):
        MLSTMFCNClassifier(**FAST).fit(X, y[:-1])
    with pytest.raises(ValueError, match="NaN"):
        MLSTMFCNClassifier(**FAST).fit(X, np.where(np.arange(36) == 2, np.nan, np.arange(36) % 2))


def test_predict_with_other_shape_says_so(tiny_data):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="2 channels.*fitted on 3 channels"):
        clf.predict(X[:, :2])
    with pytest.raises(ValueError, match="length 15.*length 20"):
        clf.predict(X[:, :, :15])


def test_keyboard_interrupt_keeps_best_weights(tiny_data, monkeypatch):
    X, y = tiny_data
    from mlstm_fcn.training import epoch as training

    calls = {"n": 0}
    original = training.weighted_loss

    def interrupting_loss(*args):
        calls["n"] += 1
        if calls["n"] == 9:  # during the 9th epoch (36 series < 128: 1 batch per epoch)
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(training, "weighted_loss", interrupting_loss)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = MLSTMFCNClassifier(**{**FAST, "epochs": 20}, batch_size=128, random_state=0).fit(X, y)
    assert any("interrupted" in str(w.message) for w in caught)
    assert clf.n_epochs_ == 8
    assert clf.predict(X).shape == (36,)


def test_bf16_on_cpu_is_a_clear_error(tiny_data):
    X, y = tiny_data
    with pytest.raises(ValueError, match="precision='bf16' needs a CUDA GPU"):
        MLSTMFCNClassifier(**FAST, precision="bf16").fit(X, y)
    clf = MLSTMFCNClassifier(**FAST, precision="auto", random_state=0).fit(X, y)
    assert clf.autocast_dtype_ is None  # float32 on a CPU


def test_balanced_class_weights_come_from_the_series_trained_on(tiny_data):
    # With a validation split, "balanced" weighs the classes of the training part, not of all of y.
    from sklearn.model_selection import train_test_split
    from sklearn.utils.class_weight import compute_class_weight

    X, y = tiny_data
    y = y.copy()
    y[:6] = "a"  # unbalanced: 16 a, 10 b, 10 c
    seen = []

    def watch(event):
        # Each series' loss weight is its class's weight (no sample weights here).
        seen.append((event.train_data.y.cpu().numpy(), event.train_data.weight.cpu().numpy()))

    MLSTMFCNClassifier(**FAST, validation_split=0.25, random_state=0, callbacks=[watch]).fit(X, y)
    y_idx = np.unique(y, return_inverse=True)[1]
    train_idx, _ = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y_idx, random_state=0)
    expected = compute_class_weight("balanced", classes=np.arange(3), y=y_idx[train_idx])
    targets, weights = seen[0]
    np.testing.assert_allclose(weights, expected[targets], rtol=1e-6)
    assert not np.allclose(expected, compute_class_weight("balanced", classes=np.arange(3), y=y_idx))


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


def test_n_features_in_does_not_depend_on_the_container(tiny_data):
    X, y = tiny_data
    univariate = X[:, 0, :]
    as_array = MLSTMFCNClassifier(**FAST, random_state=0).fit(univariate, y)
    as_list = MLSTMFCNClassifier(**FAST, random_state=0).fit(univariate.tolist(), y)
    assert as_array.n_features_in_ == as_list.n_features_in_ == 20
    assert MLSTMFCNClassifier(**FAST, random_state=0).fit(list(X), y).n_features_in_ == 3


def test_a_fit_that_fails_while_training_leaves_no_network(tiny_data):
    X, y = tiny_data

    def broken(event):
        raise RuntimeError("simulated failure inside training")

    clf = MLSTMFCNClassifier(**FAST, random_state=0, callbacks=[broken])
    with pytest.raises(RuntimeError, match="simulated"):
        clf.fit(X, y)
    assert not hasattr(clf, "network_")
