"""warm_start and partial_fit: training continued from where the last call left it."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from mlstm_fcn import MLSTMFCNClassifier, MLSTMFCNRegressor

from .conftest import FAST


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _weights(clf):
    return {k: v.detach().cpu().numpy() for k, v in clf.network_.state_dict().items()}


def _assert_same_model(a, b, X):
    for k, v in _weights(a).items():
        np.testing.assert_array_equal(v, _weights(b)[k], err_msg=k)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


@pytest.mark.parametrize("extra", [{}, {"validation_split": 0.25, "lr_patience": 3}, {"n_estimators": 2},
                                   {"average_last_epochs": 3}],
                         ids=["plain", "validation-split-and-schedule", "ensemble", "weight-averaging"])
def test_two_warm_fits_end_exactly_where_one_fit_of_their_sum_ends(tiny_data, extra):
    # On the CPU with a fixed seed the continuation is exact, bit for bit: weights, optimizer
    # state, schedule, random streams and best-weight bookkeeping all carry over.
    X, y = tiny_data
    params = dict(**FAST, stop_when_fitted=None, random_state=0, **extra)
    once = MLSTMFCNClassifier(**{**params, "epochs": 10}).fit(X, y)
    warm = MLSTMFCNClassifier(**{**params, "epochs": 5}, warm_start=True).fit(X, y)
    assert warm.n_epochs_ == 5
    warm.fit(X, y)
    assert warm.n_epochs_ == 10 and warm.history_["epoch"] == list(range(1, 11))
    assert warm.history_["loss"] == once.history_["loss"]
    assert warm.best_epochs_ == once.best_epochs_
    _assert_same_model(warm, once, X)


def test_without_warm_start_each_fit_starts_anew(tiny_data):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y)
    first = _weights(clf)
    clf.fit(X, y)
    assert clf.n_epochs_ == 3
    for k, v in first.items():
        np.testing.assert_array_equal(v, _weights(clf)[k])


def test_warm_start_survives_pickling(tiny_data):
    X, y = tiny_data
    params = dict(**FAST, stop_when_fitted=None, random_state=0)
    once = MLSTMFCNClassifier(**{**params, "epochs": 6}).fit(X, y)
    warm = MLSTMFCNClassifier(**params, warm_start=True).fit(X, y)
    warm = pickle.loads(pickle.dumps(warm))
    warm.fit(X, y)
    _assert_same_model(warm, once, X)


def test_a_loaded_model_continues_from_its_weights_with_a_warning(tiny_data, tmp_path):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST, random_state=0, warm_start=True).fit(X, y)
    clf.save(tmp_path / "m.safetensors")
    loaded = MLSTMFCNClassifier.load(tmp_path / "m.safetensors")
    with pytest.warns(UserWarning, match="new optimizer"):
        loaded.fit(X, y)
    assert loaded.n_epochs_ == 3  # a new run: the loaded history is not continued
    assert loaded.score(X, y) >= 0.0


@pytest.mark.parametrize("change, message", [
    (lambda X, y: (X[:, :2], y), "X has 2 channels, but MLSTMFCNClassifier was fitted on 3"),
    (lambda X, y: (X, np.where(y == "c", "d", y)), "classes not seen before"),
    (lambda X, y: (X[y != "c"], y[y != "c"]), "warm_start can only continue on y with the classes"),
])
def test_warm_start_refuses_other_channels_or_classes(tiny_data, change, message):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST, random_state=0, warm_start=True).fit(X, y)
    before = _weights(clf)
    with pytest.raises(ValueError, match=message):
        clf.fit(*change(X, y))
    for k, v in before.items():  # nothing lost: the fitted model is as it was
        np.testing.assert_array_equal(v, _weights(clf)[k])
    assert clf.n_epochs_ == 3


def test_stop_rules_count_the_epochs_of_each_call(tiny_data):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**{**FAST, "epochs": 60}, learning_rate=0.01, stop_when_fitted=3, random_state=0,
                             warm_start=True, augmentation=None).fit(X, y)  # mixed series: seldom "fitted"
    first = clf.n_epochs_
    assert first < 60  # the fitted rule stopped it
    clf.fit(X, y)
    assert clf.n_epochs_ - first >= 3  # a new call trains again, until the rule holds for its own epochs


def test_partial_fit_over_chunks_learns_basic_motions(basic_motions):
    X_train, y_train, X_test, y_test = basic_motions
    clf = MLSTMFCNClassifier(filters=(16, 16, 16), kernel_sizes=(5, 3, 3), se_reduction=4, lstm_units=4,
                             learning_rate=0.01, batch_size=10, device="cpu", random_state=0)
    classes = np.unique(y_train)
    order = np.random.default_rng(0).permutation(len(y_train))
    for epoch in range(15):
        for chunk in np.array_split(order, 2):
            clf.partial_fit(X_train[chunk], y_train[chunk], classes=classes if epoch == 0 else None)
    assert clf.n_epochs_ == 30 and len(clf.history_["loss"]) == 30
    assert clf.best_epoch_ == 30  # partial_fit keeps the latest weights
    clf.recompute_bn_statistics(X_train)
    assert clf.score(X_test, y_test) >= 0.8


def test_partial_fit_needs_every_class_first(tiny_data):
    X, y = tiny_data
    first = y != "c"
    clf = MLSTMFCNClassifier(**FAST, random_state=0)
    clf.partial_fit(X[first], y[first])  # classes taken from this y: a and b
    with pytest.raises(ValueError, match="classes not seen before.*on the first partial_fit"):
        clf.partial_fit(X, y)
    fresh = MLSTMFCNClassifier(**FAST, random_state=0).partial_fit(X[first], y[first], classes=["a", "b", "c"])
    fresh.partial_fit(X, y)  # every class was announced
    assert list(fresh.classes_) == ["a", "b", "c"] and fresh.n_epochs_ == 2
    with pytest.raises(ValueError, match="not in classes"):
        MLSTMFCNClassifier(**FAST).partial_fit(X, y, classes=["a", "b"])


def test_partial_fit_balanced_weights_count_every_series_seen(tiny_data):
    X, y = tiny_data
    seen = []

    def watch(event):
        seen.append((event.train_data.y.cpu().numpy(), event.train_data.weight.cpu().numpy()))

    clf = MLSTMFCNClassifier(**FAST, random_state=0, callbacks=[watch])
    a_only = y == "a"
    clf.partial_fit(X[~a_only], y[~a_only], classes=["a", "b", "c"])  # 12 b, 12 c
    clf.partial_fit(X[a_only], y[a_only])  # 12 a: now 12 of each
    np.testing.assert_array_equal(clf.class_count_, [12, 12, 12])
    targets, weights = seen[-1]
    np.testing.assert_allclose(weights, 1.0)  # balanced over all series seen: equal counts


def test_regressor_warm_start_and_partial_fit():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2, 16)).astype(np.float32)
    y = X[:, 0, :8].mean(axis=1) * 3 + 1
    params = dict(**FAST, random_state=0)
    once = MLSTMFCNRegressor(**{**params, "epochs": 6}).fit(X, y)
    warm = MLSTMFCNRegressor(**params, warm_start=True).fit(X, y).fit(X, y)
    np.testing.assert_array_equal(warm.predict(X), once.predict(X))
    part = MLSTMFCNRegressor(**params)
    for chunk in np.array_split(np.arange(40), 4):
        part.partial_fit(X[chunk], y[chunk])
    assert part.n_epochs_ == 4 and "accuracy" not in part.history_
    with pytest.raises(ValueError, match="y has 2 output"):
        part.partial_fit(X, np.c_[y, y])


def test_a_warm_fit_with_checkpoints_is_a_run_of_its_own(tiny_data, tmp_path):
    # The continuation must not take the first fit's finished checkpoint for its own.
    X, y = tiny_data
    params = dict(**FAST, stop_when_fitted=None, random_state=0, checkpoint_dir=tmp_path)
    once = MLSTMFCNClassifier(**{**params, "epochs": 6, "checkpoint_dir": None}).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)  # 3 epochs a call: cut off on purpose
        warm = MLSTMFCNClassifier(**params, warm_start=True).fit(X, y).fit(X, y)
    assert len(list(tmp_path.glob("*.ckpt"))) == 2
    _assert_same_model(warm, once, X)


def _optimizer_tensors(clf):
    state = clf._runs[0]["run"]["optimizer"]["state"]
    return {f"{i}.{k}": v.numpy().copy() for i, s in state.items() for k, v in s.items() if hasattr(v, "numpy")}


def _fail(end):
    raise RuntimeError("callback failed")  # after the epoch's optimizer steps


@pytest.mark.parametrize("partial", [False, True], ids=["warm_start", "partial_fit"])
def test_a_failed_continuation_leaves_the_kept_run_as_it_was(tiny_data, partial):
    # Restoring a run must hand copies to the optimizer: a continuation that fails half-way must not
    # have trained the kept Adam moments (or best weights) in place.
    X, y = tiny_data
    params = dict(**FAST, stop_when_fitted=None, random_state=0, warm_start=True)

    def step(clf, callbacks=None):
        clf.set_params(callbacks=callbacks)
        return clf.partial_fit(X, y) if partial else clf.fit(X, y)

    clean, failed = (step(MLSTMFCNClassifier(**params)) for _ in range(2))
    kept = _optimizer_tensors(failed)
    with pytest.raises(RuntimeError, match="callback failed"):
        step(failed, [_fail])
    after = _optimizer_tensors(failed)
    for k, v in kept.items():
        np.testing.assert_array_equal(v, after[k], err_msg=k)
    step(clean)
    step(failed)
    _assert_same_model(failed, clean, X)
    for k, v in _optimizer_tensors(clean).items():
        np.testing.assert_array_equal(v, _optimizer_tensors(failed)[k], err_msg=k)


@pytest.mark.parametrize("change", [dict(n_estimators=2), dict(scaling="instance"), dict(filters=(8, 8, 4)),
                                    dict(lstm_units=2), dict(attention=True)],
                         ids=lambda c: next(iter(c)))
@pytest.mark.parametrize("partial", [False, True], ids=["warm_start", "partial_fit"])
def test_a_continuation_refuses_parameters_it_cannot_follow(tiny_data, change, partial):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST, random_state=0, warm_start=True).fit(X, y)
    before = _weights(clf)
    clf.set_params(**change)
    name = next(iter(change))
    with pytest.raises(ValueError, match=f"cannot continue training with parameters changed.*{name}="):
        clf.partial_fit(X, y) if partial else clf.fit(X, y)
    for k, v in before.items():
        np.testing.assert_array_equal(v, _weights(clf)[k])
    clf.set_params(dropout=0.5, epochs=1, **{k: MLSTMFCNClassifier(**FAST).get_params()[k] for k in change})
    clf.fit(X, y)  # what a continuation can follow (dropout, epochs) it follows
    assert clf.network_.config["dropout"] == 0.5
