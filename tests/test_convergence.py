"""The convergence rule and warning: a fit that its epoch cap ended while it was still learning says so."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from mlstm_fcn import MLSTMFCNClassifier, MLSTMFCNRegressor
from mlstm_fcn.datasets import load_uea
from mlstm_fcn.training.convergence import MIN_RELATIVE_FALL, diagnose, window

from .conftest import FAST


def test_window_is_a_tenth_of_the_epochs_within_bounds():
    assert window(100) == 10 and window(5) == 1 and window(2000) == 20


def test_a_run_at_its_cap_with_a_falling_loss_has_not_converged():
    falling = list(np.linspace(2.0, 1.0, 100))
    c = diagnose(falling, epochs_in_call=100, cap=100)
    assert c.at_cap and c.still_falling and not c.converged
    assert c.loss_last < c.loss_before


def test_a_flat_loss_at_the_cap_or_a_stop_rule_has_converged():
    rng = np.random.default_rng(0)
    flat = list(0.3 + 0.001 * rng.standard_normal(100))
    assert diagnose(flat, 100, 100).converged
    # Below the threshold the loss counts as flat; a run a stop rule ended has converged whatever the loss did.
    slow = list(np.linspace(1.0, 1.0 - MIN_RELATIVE_FALL, 100) ** 0.5)
    assert diagnose(slow, 100, 100).converged
    assert diagnose(list(np.linspace(2.0, 1.0, 40)), epochs_in_call=40, cap=100).converged


def test_a_slow_steady_fall_is_still_learning_and_noise_of_the_same_size_is_not():
    rng = np.random.default_rng(0)
    steady = list(np.linspace(2.70, 2.60, 100))  # 0.4% per window of 10 epochs, no noise
    assert not diagnose(steady, 100, 100).converged
    noisy = list(np.linspace(2.70, 2.60, 100) + rng.normal(0, 0.1, 100))  # the same drift under noise
    c = diagnose(noisy, 100, 100)
    assert c.noise > 0.02 and c.converged


def test_a_continued_run_is_judged_on_the_epochs_of_its_call():
    losses = list(np.linspace(2.0, 1.0, 150))
    assert not diagnose(losses, epochs_in_call=50, cap=50).converged
    assert diagnose(losses, epochs_in_call=30, cap=50).converged  # stopped by a rule after 30


def test_a_fit_that_fits_its_data_converges_without_a_warning(basic_motions):
    X, y, _, _ = basic_motions
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        # Batches of 128: the stop rule ends it (at batches of 16, dropout makes an epoch's running
        # accuracy miss a series now and then, so the 20 in a row come late or not at all).
        stopped = MLSTMFCNClassifier(batch_size=128, random_state=0, device="cpu").fit(X, y)
        # The defaults: the cap ends it, but the model classifies its training data right.
        capped = MLSTMFCNClassifier(random_state=0, device="cpu").fit(X, y)
    assert stopped.n_epochs_ < stopped.epochs and stopped.converged_ is True
    assert capped.train_accuracy_ == 1.0 and capped.converged_ is True


def test_a_classifier_at_its_cap_that_classifies_its_training_data_right_has_converged(tiny_data):
    X, y = tiny_data
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = MLSTMFCNClassifier(**{**FAST, "epochs": 60}, stop_when_fitted=None, random_state=0).fit(X, y)
    assert clf.train_accuracy_ == 1.0 and clf.converged_ is True


def test_a_fit_cut_off_by_its_cap_warns_with_the_figures_and_what_to_raise():
    X, y = load_uea("Libras", split="train")  # 15 classes: far from fitted after 20 epochs of 2 batches
    # Without augmentation: the loss of mixed series is noisier, and 20 epochs too few to see its trend.
    with pytest.warns(ConvergenceWarning, match=r"epoch cap \(epochs=20\).*still falling.*raise epochs"):
        clf = MLSTMFCNClassifier(epochs=20, batch_size=128, stop_when_fitted=None, random_state=0,
                                 device="cpu", augmentation=None).fit(X, y)
    assert clf.converged_ is False and clf.n_epochs_ == 20 and clf.train_accuracy_ < 1.0


def test_an_ensemble_names_its_networks_that_were_still_learning(tiny_data):
    X, y = tiny_data
    with pytest.warns(ConvergenceWarning, match=r"of its 2 networks"):
        clf = MLSTMFCNClassifier(**{**FAST, "epochs": 10}, n_estimators=2, random_state=0).fit(X, y)
    assert clf.converged_ is False


def test_the_regressor_warns_too_and_partial_fit_never_judges():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2, 30)).astype("float32")
    y = X[:, 0].mean(axis=1)
    with pytest.warns(ConvergenceWarning, match="MLSTMFCNRegressor stopped at its epoch cap"):
        reg = MLSTMFCNRegressor(**{**FAST, "epochs": 10}, random_state=0).fit(X, y)
    assert reg.converged_ is False
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        reg = MLSTMFCNRegressor(**FAST, random_state=0).partial_fit(X, y)
    assert reg.converged_ is None


def test_a_saved_model_keeps_whether_it_converged(tmp_path):
    X, y = load_uea("Libras", split="train")
    clf = MLSTMFCNClassifier(**{**FAST, "epochs": 30}, stop_when_fitted=None, random_state=0,
                             augmentation=None).fit(X, y)  # as above: a clear trend in 30 epochs
    clf.save(tmp_path / "m.model")
    assert MLSTMFCNClassifier.load(tmp_path / "m.model").converged_ is clf.converged_ is False


def test_a_run_too_short_to_judge_makes_no_claim(tiny_data):
    X, y = tiny_data
    rng = np.random.default_rng(0)
    random_labels = rng.permutation(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = MLSTMFCNClassifier(**{**FAST, "epochs": 1}, random_state=0).fit(X, random_labels)
    assert clf.train_accuracy_ < 1.0 and clf.converged_ is None
    assert not diagnose([1.0], epochs_in_call=1, cap=1).judged
    assert diagnose([1.0], epochs_in_call=1, cap=5).judged  # a stop rule ended it: it says how it ended
    assert diagnose([1.0, 0.5], epochs_in_call=2, cap=2).judged

