"""``min_epochs``: a fit goes on past them while still learning, up to ``epochs``; one that levelled off stops there."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

from mlstm_fcn import MLSTMFCNClassifier, MLSTMFCNRegressor
from mlstm_fcn.datasets import load_uea
from mlstm_fcn.training.convergence import levelled_off, patience, window

from .conftest import FAST


def test_the_rule_never_stops_before_min_epochs():
    falling = list(np.linspace(2.0, 1.0, 100))
    assert not any(levelled_off(falling[:e], None, e, 50) for e in range(1, 50))
    assert not levelled_off(falling[:60], None, 60, 50)  # still falling: trains on


def test_at_min_epochs_the_warnings_test_decides_and_past_them_a_new_low_within_the_patience():
    rng = np.random.default_rng(0)
    flat = list(0.3 + 0.001 * rng.standard_normal(50))
    assert levelled_off(flat, None, 50, 50)  # levelled off at min_epochs: stops there
    assert not levelled_off(list(np.linspace(2.0, 1.0, 50)), None, 50, 50)
    # Past min_epochs, one noisy window does not end a run: only patience(50) epochs without a new low do.
    p = patience(50)
    losses = list(np.linspace(2.0, 1.0, 80)) + [1.01] * (p - 1)
    assert not levelled_off(losses, None, len(losses), 50)
    assert levelled_off(losses + [1.01], None, len(losses) + 1, 50)
    assert not levelled_off(losses + [0.99], None, len(losses) + 1, 50)


def test_a_classifier_stops_at_or_past_min_epochs_once_an_epoch_of_the_window_fitted_every_series():
    falling = list(np.linspace(2.0, 1.0, 60))
    w = window(50)
    accuracy = [0.9] * 60
    assert not levelled_off(falling, accuracy, 60, 50)
    accuracy[-w] = 1.0  # one epoch of the last window classified every series: fitted
    assert levelled_off(falling, accuracy, 60, 50)
    assert levelled_off(falling[:50], [0.9] * 49 + [1.0], 50, 50)  # at min_epochs too
    accuracy[-w], accuracy[-w - 1] = 0.9, 1.0  # ... but not before the window
    assert not levelled_off(falling, accuracy, 60, 50)


#: A small network that Libras (15 classes) keeps teaching well past 20 epochs of 2 batches.
LEARNING = dict(filters=(16, 32, 16), kernel_sizes=(8, 5, 3), batch_size=128, learning_rate=3e-3,
                stop_when_fitted=None, random_state=0, device="cpu",
                augmentation=None)  # the loss of mixed series is noisier: too few epochs to judge its trend


def _fit(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return MLSTMFCNClassifier(**{**LEARNING, **params}).fit(X, y)


def test_a_network_still_learning_at_min_epochs_trains_on_as_one_longer_run():
    X, y = load_uea("Libras", split="train")
    capped = _fit(X, y, epochs=20)
    assert capped.converged_ is False
    longer = _fit(X, y, epochs=200, min_epochs=20)
    assert 20 < longer.n_epochs_ < 200 and longer.converged_ is True
    # The first epochs are the capped run's, and the whole run is a plain run of as many epochs.
    fixed = _fit(X, y, epochs=longer.n_epochs_)
    np.testing.assert_array_equal(longer.history_["loss"][:20], capped.history_["loss"])
    np.testing.assert_array_equal(longer.history_["loss"], fixed.history_["loss"])
    for name, value in fixed.network_.state_dict().items():
        torch.testing.assert_close(longer.network_.state_dict()[name], value, rtol=0, atol=0, msg=name)
    assert longer.train_loss_ < capped.train_loss_


def test_a_network_that_levelled_off_by_min_epochs_stops_there_unchanged(tiny_data):
    X, y = tiny_data
    small = dict(FAST, batch_size=64, stop_when_fitted=None, random_state=0)
    plain = _fit(X, y, **{**small, "epochs": 60})
    extendable = _fit(X, y, **{**small, "epochs": 1000, "min_epochs": 60})
    assert plain.n_epochs_ == extendable.n_epochs_ == 60
    assert extendable.converged_ is True
    np.testing.assert_array_equal(plain.history_["loss"], extendable.history_["loss"])
    np.testing.assert_array_equal(plain.predict_proba(X), extendable.predict_proba(X))


def test_at_the_cap_the_warning_still_says_so():
    X, y = load_uea("Libras", split="train")
    with pytest.warns(ConvergenceWarning, match=r"epoch cap \(epochs=24\).*raise epochs"):
        clf = MLSTMFCNClassifier(**LEARNING, epochs=24, min_epochs=20).fit(X, y)
    assert clf.n_epochs_ == 24 and clf.converged_ is False


def test_a_warm_start_continuation_trains_on_from_its_own_epochs():
    X, y = load_uea("Libras", split="train")
    clf = _fit(X, y, epochs=20, warm_start=True)
    # At least 20 more epochs (not 20 in all), then on while still learning, up to 30 more.
    clf.set_params(epochs=30, min_epochs=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert 40 < clf.n_epochs_ <= 50


def test_the_regressor_trains_on_too():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2, 30)).astype("float32")
    y = X[:, 0].mean(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        capped = MLSTMFCNRegressor(**{**FAST, "epochs": 10}, random_state=0).fit(X, y)
        longer = MLSTMFCNRegressor(**{**FAST, "epochs": 40, "min_epochs": 10}, random_state=0).fit(X, y)
    assert capped.converged_ is False and longer.n_epochs_ > 10
    np.testing.assert_array_equal(longer.history_["loss"][:10], capped.history_["loss"])


@pytest.mark.parametrize("min_epochs", [None, 8])
def test_fused_trains_on_as_the_networks_alone(min_epochs):
    X, y = load_uea("Libras", split="train")
    params = dict(FAST, n_estimators=3, epochs=16, min_epochs=min_epochs, batch_size=64, stop_when_fitted=None,
                  random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        seq = MLSTMFCNClassifier(fused=False, **params).fit(X, y)
        fused = MLSTMFCNClassifier(fused=True, **params).fit(X, y)
    lengths = [len(h["epoch"]) for h in seq.histories_]
    assert lengths == [len(h["epoch"]) for h in fused.histories_]
    if min_epochs:
        assert max(lengths) > 8, "no network went on past min_epochs: the rule went untested"
    for a, b in zip(fused.histories_, seq.histories_):
        # Batched and single-network kernels round differently; over 16 epochs that drifts past 1e-5.
        np.testing.assert_allclose(a["loss"], b["loss"], rtol=1e-4)


def test_the_stop_reason_says_whether_the_network_fitted_or_levelled_off():
    from mlstm_fcn.training import TrainConfig
    from mlstm_fcn.training.bookkeeping import stop_reason
    from mlstm_fcn.training.state import LoopState, new_history

    config = TrainConfig(epochs=1000, min_epochs=50)
    rng = np.random.default_rng(0)
    flat = list(0.3 + 0.001 * rng.standard_normal(50))

    def state(accuracy):
        history = new_history(False)
        history["loss"], history["accuracy"] = flat, accuracy
        return LoopState(epochs_done=50, history=history)

    assert stop_reason(state([0.9] * 50), config) == "no longer learning"
    assert stop_reason(state([0.9] * 49 + [1.0]), config) == "fitted"
    assert stop_reason(state([0.9] * 50), TrainConfig(epochs=50, min_epochs=50)) is None  # the cap is the loop's
