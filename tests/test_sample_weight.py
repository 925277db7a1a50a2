"""sample_weight in fit: checked, combined with class weights, moving what the model learns."""

import numpy as np
import pytest

from mlstm_fcn import MLSTMFCNClassifier, MLSTMFCNRegressor
from mlstm_fcn.training.loss import balanced_weights, class_weights

from .conftest import FAST


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_unit_weights_train_exactly_what_no_weights_train(tiny_data):
    X, y = tiny_data
    plain = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y)
    ones = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(plain.predict_proba(X), ones.predict_proba(X))
    assert plain.history_["loss"] == ones.history_["loss"]


def test_weights_multiply_class_weights_in_the_loss(tiny_data):
    X, y = tiny_data
    seen = []

    def watch(event):  # the epoch-end event carries the data the network trains on, weights included
        seen.append(event.train_data.weight.cpu().numpy())

    sw = np.linspace(0.0, 2.0, len(y))
    cw = {"a": 3.0, "b": 1.0, "c": 0.5}
    MLSTMFCNClassifier(**{**FAST, "epochs": 1}, class_weight=cw, random_state=0,
                       callbacks=[watch]).fit(X, y, sample_weight=sw)
    expected = np.array([cw[label] for label in y]) * sw
    np.testing.assert_allclose(seen[0], expected, rtol=1e-6)


def test_balanced_class_weights_count_series_by_their_weights():
    # A weight of 2 counts as two series in "balanced", as in scikit-learn.
    y_idx = np.array([0, 0, 1])
    weighted = class_weights("balanced", np.array(["a", "b"]), y_idx, np.array([1.0, 1.0, 2.0]))
    np.testing.assert_allclose(weighted, [1.0, 1.0])
    np.testing.assert_allclose(class_weights("balanced", np.array(["a", "b"]), y_idx), [0.75, 1.5])
    np.testing.assert_allclose(balanced_weights(np.array([2.0, 0.0, 6.0])), [2.0, 1.0, 2 / 3])


def test_weighting_one_class_up_moves_predictions_towards_it(basic_motions):
    X_train, y_train, X_test, _ = basic_motions
    # One batch per epoch (batch 128): 20 steps leave the plain model unsure, which the weights then move.
    params = dict(epochs=20, batch_size=128, filters=(16, 16, 16), kernel_sizes=(5, 3, 3), se_reduction=4,
                  lstm_units=4, learning_rate=0.01, device="cpu", class_weight=None, stop_when_fitted=None,
                  random_state=0)
    favoured = "walking"
    sw = np.where(y_train == favoured, 20.0, 1.0)
    plain = MLSTMFCNClassifier(**params).fit(X_train, y_train)
    weighted = MLSTMFCNClassifier(**params).fit(X_train, y_train, sample_weight=sw)
    col = list(plain.classes_).index(favoured)
    p_plain, p_weighted = plain.predict_proba(X_test)[:, col], weighted.predict_proba(X_test)[:, col]
    assert p_weighted.mean() > p_plain.mean() + 0.1  # measured: 0.27 -> 0.56
    assert (weighted.predict(X_test) == favoured).sum() > (plain.predict(X_test) == favoured).sum()


def test_zero_weights_leave_those_series_out_of_the_loss(tiny_data):
    X, y = tiny_data
    sw = np.where(y == "a", 0.0, 1.0)
    clf = MLSTMFCNClassifier(**FAST, class_weight=None, random_state=0).fit(X, y, sample_weight=sw)
    # The figures of the fitted model weigh the same way: "a" series add nothing to the loss.
    assert np.isfinite(clf.train_loss_)
    again = MLSTMFCNClassifier(**FAST, class_weight=None, random_state=0).fit(
        X, y, sample_weight=np.where(y == "a", 0.0, 1.0) * 1.0)
    np.testing.assert_array_equal(clf.predict_proba(X), again.predict_proba(X))
    heavier_a = MLSTMFCNClassifier(**FAST, class_weight=None, random_state=0).fit(
        X, y, sample_weight=np.where(y == "a", 5.0, 1.0))
    assert not np.array_equal(clf.predict_proba(X), heavier_a.predict_proba(X))


def test_validation_loss_is_weighted_too(tiny_data):
    X, y = tiny_data
    params = dict(**FAST, validation_split=0.25, class_weight=None, random_state=0)
    plain = MLSTMFCNClassifier(**params).fit(X, y)
    doubled = MLSTMFCNClassifier(**params).fit(X, y, sample_weight=np.full(len(y), 2.0))
    # Weights of 2 everywhere double every loss, the validation loss included (to a few 1e-5: Adam's
    # epsilon makes the doubled gradients' epoch not exactly the same, by an amount the thread count sets).
    np.testing.assert_allclose(doubled.history_["val_loss"][0], 2 * plain.history_["val_loss"][0], rtol=1e-4)


@pytest.mark.parametrize("weights, message", [
    (np.ones(5), "sample_weight has 5 weights but X has 36 series"),
    (-np.ones(36), "Negative values in sample_weight"),
    (np.zeros(36), "zero for every series"),
    (np.r_[np.ones(35), np.nan], "NaN or infinity .*index 35"),
    (np.ones((36, 2)), "must be 1D"),
])
def test_bad_weights_are_refused_with_the_reason(tiny_data, weights, message):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y, sample_weight=weights)
    assert not hasattr(clf, "network_")


def test_a_scalar_weight_weighs_every_series_alike(tiny_data):
    X, y = tiny_data
    one = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y, sample_weight=1.0)
    plain = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y)
    np.testing.assert_array_equal(one.predict_proba(X), plain.predict_proba(X))


def test_adaboost_with_a_small_configuration_fits_and_predicts(basic_motions):
    from sklearn.ensemble import AdaBoostClassifier

    X_train, y_train, X_test, y_test = basic_motions
    base = MLSTMFCNClassifier(epochs=20, filters=(16, 16, 16), kernel_sizes=(5, 3, 3), se_reduction=4,
                              lstm_units=4, learning_rate=0.01, device="cpu", random_state=0)
    boost = AdaBoostClassifier(base, n_estimators=3, random_state=0).fit(X_train, y_train)
    pred = boost.predict(X_test)
    assert pred.shape == (len(y_test),) and set(pred) <= set(y_train)
    assert (pred == y_test).mean() > 0.5  # four classes: chance is 0.25
    assert len(boost.estimators_) >= 1


def test_regressor_weights_move_the_fit_towards_the_weighted_series():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2, 16)).astype(np.float32)
    y = np.where(np.arange(60) < 30, 0.0, 10.0)  # two groups, X says nothing about them
    params = dict(**FAST, random_state=0)
    low = MLSTMFCNRegressor(**params).fit(X, y, sample_weight=np.where(y == 0, 10.0, 1.0))
    high = MLSTMFCNRegressor(**params).fit(X, y, sample_weight=np.where(y == 0, 1.0, 10.0))
    # Weighted target statistics alone move the predictions towards the favoured group.
    assert low.predict(X).mean() < high.predict(X).mean() - 3


def test_calibrated_classifier_routes_sample_weight(tiny_data):
    from sklearn.calibration import CalibratedClassifierCV

    X, y = tiny_data
    sw = np.where(y == "a", 3.0, 1.0)
    calibrated = CalibratedClassifierCV(MLSTMFCNClassifier(**FAST, random_state=0), cv=2).fit(X, y, sample_weight=sw)
    proba = calibrated.predict_proba(X)
    assert proba.shape == (36, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
