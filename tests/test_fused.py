"""Fused training: k networks as one module train what each would train alone."""

import math

import numpy as np
import pytest
import torch

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea
from mlstm_fcn.nn import MLSTMFCN
from mlstm_fcn.nn.fused import FusedMLSTMFCN
from mlstm_fcn.training import LoopState, SeriesOnDevice, TrainConfig, class_weights, train
from mlstm_fcn.training.device_rules import DeviceRules
from mlstm_fcn.training.fused import FusedData, train_fused
from mlstm_fcn.training.bookkeeping import record_monitored, should_stop
from mlstm_fcn.training.protocol import make_schedule

from .conftest import FAST

CPU = torch.device("cpu")


@pytest.mark.parametrize("variant", [{}, {"attention": True}, {"lstm_orientation": "time"}])
def test_fused_forward_is_each_members_forward(variant):
    torch.manual_seed(0)
    members = [MLSTMFCN(3, 20, 4, **variant) for _ in range(3)]
    for m in members:
        m.lstm_branch.dropout.p = 0.0  # train mode without dropout: batch statistics, same math
    fused = FusedMLSTMFCN.from_members(members)
    fused.dropout_p = 0.0
    for m, back in zip(members, fused.to_members()):  # the conversion both ways is exact
        a_state, b_state = m.state_dict(), back.state_dict()
        assert list(a_state) == list(b_state)
        assert all(torch.equal(a_state[k], b_state[k]) for k in a_state)
    x = torch.randn(3, 5, 3, 20)
    lengths = torch.randint(5, 21, (3, 5))
    for training in (False, True):
        fused.train(training)
        for m in members:
            m.train(training)
        for lens in (None, lengths):
            out = fused(x, lens)
            ref = torch.stack([m(x[j], None if lens is None else lens[j]) for j, m in enumerate(members)])
            torch.testing.assert_close(out, ref, atol=2e-6, rtol=1e-5)


SMALL = dict(filters=(8, 8, 8), kernel_sizes=(3, 3, 3), se_reduction=4, lstm_units=4)


def _data():
    # A weak signal: the fit is slow enough for the plateau schedule to act.
    rng = np.random.default_rng(0)
    n, c, t = 36, 3, 20
    y_idx = np.arange(n) % 3
    X = rng.normal(0, 0.3, size=(n, c, t)).astype(np.float32)
    X[np.arange(n), y_idx, 5:12] += 0.3
    rows = np.stack([np.sort(rng.permutation(n)[:30]) for _ in range(3)])  # different folds
    return X, np.arange(3), y_idx, rows


def _separate_fits(X, classes, y_idx, rows, seeds, config):
    out = []
    for r, seed in zip(rows, seeds):
        torch.manual_seed(seed)
        net = MLSTMFCN(X.shape[1], X.shape[2], len(classes), **SMALL)
        gen = torch.Generator()
        gen.manual_seed(seed)
        w = class_weights("balanced", classes, y_idx[r])[y_idx[r]]  # each series weighted by its class
        result = train(net, SeriesOnDevice.from_numpy(X[r], y_idx[r], None, CPU, w), config, gen)
        out.append((net, result))
    return out


def _fused_fit(X, classes, y_idx, rows, seeds, config, rules):
    members, dropout, perms = [], [], []
    for seed in seeds:
        torch.manual_seed(seed)
        members.append(MLSTMFCN(X.shape[1], X.shape[2], len(classes), **SMALL))
        # Dropout continues the global stream where building the member left it, as in its own fit.
        dropout.append(torch.Generator())
        dropout[-1].set_state(torch.default_generator.get_state())
        perms.append(torch.Generator())
        perms[-1].manual_seed(seed)
    fused = FusedMLSTMFCN.from_members(members)
    fused.dropout_generators = dropout
    # Each member weighs every series by its class's weight among that member's training rows.
    weights = torch.tensor(np.stack([class_weights("balanced", classes, y_idx[r])[y_idx] for r in rows]),
                           dtype=torch.float32)
    data = FusedData(SeriesOnDevice.from_numpy(X, y_idx, None, CPU), torch.from_numpy(rows), weights)
    return train_fused(fused, data, config, perms, rules=rules, readback_every=4)


# Parameters that must agree. The convolution biases ahead of a BatchNorm are left out: the
# BatchNorm removes them, so their true gradient is 0 and Adam turns the float rounding noise
# they get instead into steps of the full learning rate, in any order of summation.
def _compared(name):
    return not (name.endswith("conv.bias") or "running_" in name)


# A large rate and patience 1 make the plateau schedule act within a few epochs, for some members.
EQUIVALENCE = TrainConfig(epochs=12, batch_size=8, learning_rate=0.03, lr_patience=1, stop_when_fitted=3)


@pytest.fixture(scope="module")
def separate_fits():
    X, classes, y_idx, rows = _data()
    return _separate_fits(X, classes, y_idx, rows, [0, 1, 2], EQUIVALENCE)


@pytest.mark.parametrize("rules", ["host", "device"])
def test_fused_members_train_what_separate_fits_train(rules, separate_fits):
    X, classes, y_idx, rows = _data()
    separate = separate_fits
    fused = _fused_fit(X, classes, y_idx, rows, [0, 1, 2], EQUIVALENCE, rules)
    reductions = 0
    for (net, ref), res, member in zip(separate, fused.results, fused.members):
        assert res.best_epoch == ref.best_epoch
        assert res.history["epoch"] == ref.history["epoch"]
        assert res.stop_reason == ref.stop_reason != ""  # each member says why it stopped, as its own fit does
        np.testing.assert_allclose(res.history["learning_rate"], ref.history["learning_rate"], rtol=1e-6)
        np.testing.assert_allclose(res.history["loss"], ref.history["loss"], rtol=1e-5)
        np.testing.assert_allclose(res.history["accuracy"], ref.history["accuracy"])
        reductions += len(set(ref.history["learning_rate"])) - 1
        ref_state, state = net.state_dict(), member.state_dict()
        for name in filter(_compared, ref_state):
            torch.testing.assert_close(state[name].float(), ref_state[name].float(), atol=1e-5, rtol=1e-4,
                                       msg=name)
    assert reductions > 0, "the schedule never acted: the test would not see per-member rates"


@pytest.mark.parametrize("rules", ["host", "device"])
def test_fused_members_say_why_they_stopped_as_separate_fits_do(rules):
    X, classes, y_idx, rows = _data()
    X = X.copy()
    X[np.arange(len(y_idx)), y_idx, 5:12] += 2.0  # an easy signal: the members fit, and stop
    config = TrainConfig(epochs=40, batch_size=8, learning_rate=0.01, stop_when_fitted=2)
    separate = _separate_fits(X, classes, y_idx, rows, [0, 1, 2], config)
    fused = _fused_fit(X, classes, y_idx, rows, [0, 1, 2], config, rules)
    reasons = [ref.stop_reason for _, ref in separate]
    assert [res.stop_reason for res in fused.results] == reasons
    assert "fitted for 2 epochs" in reasons


def _host_decisions(sequence, accuracy, config):
    """The loop's own rules over a given sequence of monitored losses: lr per epoch, best epoch, stop."""
    state = LoopState()
    holder = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=config.learning_rate)
    schedule = make_schedule(holder, config)
    rates = []
    for epoch, (value, acc) in enumerate(zip(sequence, accuracy), start=1):
        rates.append(holder.param_groups[0]["lr"])
        state.history["accuracy"].append(acc)
        state.history["loss"].append(value)  # monitored is the training loss here
        record_monitored(state, value, epoch)
        state.epochs_done = epoch
        schedule.step(value)
        if should_stop(state, config):
            break
    return rates, state.best_epoch, state.epochs_done


@pytest.mark.parametrize("config, perfect", [
    (TrainConfig(epochs=60, lr_patience=2, learning_rate=1e-3, min_learning_rate=3e-4), 0.7),
    (TrainConfig(epochs=60, lr_patience=3, early_stopping=9), 0.7),
    (TrainConfig(epochs=60, lr_patience=1, stop_when_fitted=4), 0.7),
    # From epoch 20 on, stopping once no longer learning: runs whose loss falls until after epoch 20
    # go on, and an epoch at accuracy 1 (rare here) in the last window stops them.
    (TrainConfig(epochs=60, min_epochs=20, lr_patience=5), 0.03),
])
def test_device_rules_decide_as_the_host_rules(config, perfect):
    rng = np.random.default_rng(1)
    k = 12 if config.min_epochs else 6
    last = config.epochs
    # Noisy, plateauing losses (with exact repeats and tiny relative gains near the schedule's
    # threshold), and accuracy runs at 1.
    # Falling, then flat from an epoch of each run's own on (the schedule and early stopping act there).
    flat_from = rng.integers(5, 30 if not config.min_epochs else 50, size=(k, 1))
    steps = np.minimum(np.arange(last)[None, :], flat_from)
    base = np.exp(-0.1 * steps) * rng.uniform(0.5, 2, (k, 1))
    noise = rng.choice([0.0, 1e-5, 0.05, 0.3], size=(k, last), p=[0.3, 0.2, 0.3, 0.2])
    if config.min_epochs:  # noise that leaves a clear fall visible
        noise = noise / 30
    losses = base * (1 + noise)
    accuracy = np.where(rng.random((k, last)) < perfect, 1.0, 0.9)
    rules = DeviceRules(k, config, CPU)
    rates = [[] for _ in range(k)]
    counted = np.zeros(k, dtype=int)
    for e in range(last):
        lr_before = rules.lr64.tolist()
        active, _ = rules.update(torch.tensor(losses[:, e]), torch.tensor(accuracy[:, e]),
                                 torch.tensor(losses[:, e]))
        for j in np.flatnonzero(active.numpy()):
            rates[j].append(lr_before[j])
            counted[j] += 1
    stops = past = at_max = 0
    for j in range(k):
        host_rates, best_epoch, done = _host_decisions(losses[j], accuracy[j], config)
        assert counted[j] == done
        assert rules.best_epoch[j].item() == best_epoch
        np.testing.assert_allclose(rates[j], host_rates, rtol=1e-12)
        stops += done < config.epochs
        past += done > (config.min_epochs or config.epochs)
        at_max += done == last
    assert bool(rules.stopped.all())
    if config.min_epochs:
        assert past > 0 and past - at_max > 0 and counted.min() == config.min_epochs, \
            "going on past min_epochs, or stopping before the cap, went untested"
    elif config.early_stopping or config.stop_when_fitted:
        assert stops > 0, "no run stopped early: the stop rules went untested"
    else:
        assert any(len(set(r)) > 1 for r in rates), "no rate reduction: the schedule went untested"
        assert any(math.isclose(min(r), config.min_learning_rate) for r in rates)


def test_estimator_fused_is_the_sequential_ensemble():
    X, y = load_uea("JapaneseVowels", split="train")  # unequal lengths
    X, y = X[:60], y[:60]
    params = dict(FAST, n_estimators=3, epochs=4, batch_size=16, lr_patience=1, validation_split=0.25,
                  random_state=0)
    seq = MLSTMFCNClassifier(fused=False, **params).fit(X, y)
    fused = MLSTMFCNClassifier(fused=True, **params).fit(X, y)
    assert fused.best_epochs_ == seq.best_epochs_
    for a, b in zip(fused.histories_, seq.histories_):
        np.testing.assert_allclose(a["loss"], b["loss"], rtol=1e-5)
        # Validation runs on running BatchNorm statistics, which the biases ahead of the BatchNorms
        # (see _compared) shift by up to a learning rate per step: a looser tolerance.
        np.testing.assert_allclose(a["val_loss"], b["val_loss"], rtol=2e-3)
    np.testing.assert_allclose(fused.predict_proba(X), seq.predict_proba(X), atol=1e-4)
    assert isinstance(fused.network_, type(seq.network_))


def test_fit_many_fits_folds_as_their_own_fits(tiny_data):
    X, y = tiny_data
    folds = [np.arange(0, 30), np.arange(6, 36)]
    params = dict(FAST, epochs=4, batch_size=8)
    many = MLSTMFCNClassifier.fit_many([MLSTMFCNClassifier(random_state=s, **params) for s in (3, 4)],
                                       [X[f] for f in folds], [y[f] for f in folds])
    for est, f, s in zip(many, folds, (3, 4)):
        ref = MLSTMFCNClassifier(random_state=s, **params).fit(X[f], y[f])
        np.testing.assert_allclose(est.predict_proba(X), ref.predict_proba(X), atol=1e-4)
        assert est.best_epoch_ == ref.best_epoch_


def test_fused_true_refuses_checkpoints(tiny_data, tmp_path):
    X, y = tiny_data
    with pytest.raises(ValueError, match="fused=True"):
        MLSTMFCNClassifier(n_estimators=2, fused=True, checkpoint_dir=tmp_path, **FAST).fit(X, y)
    estimators = [MLSTMFCNClassifier(random_state=s, **FAST) for s in (0, 1)]
    with pytest.raises(ValueError, match="one series shape"):
        MLSTMFCNClassifier.fit_many(estimators, [X, X[:, :, :10]], [y, y])
    assert not any(hasattr(e, "classes_") for e in estimators)  # a failed fit_many leaves them as they were
    with pytest.raises(ValueError, match="random_state"):
        MLSTMFCNClassifier.fit_many([MLSTMFCNClassifier(**FAST), MLSTMFCNClassifier(epochs=5, **{
            k: v for k, v in FAST.items() if k != "epochs"})], [X, X], [y, y])


@pytest.mark.gpu
def test_fused_graphed_block_on_cuda_decides_as_eager_host_rules():
    X, classes, y_idx, rows = _data()
    dev = torch.device("cuda")
    config = TrainConfig(epochs=30, batch_size=12, learning_rate=0.02, lr_patience=1, stop_when_fitted=3,
                         cuda_graph=True)
    results = {}
    for rules in ("host", "device"):
        torch.manual_seed(0)
        members = [MLSTMFCN(X.shape[1], X.shape[2], len(classes), dropout=0.0).to(dev) for _ in range(4)]
        fused = FusedMLSTMFCN.from_members(members)
        gens = [torch.Generator(device=dev) for _ in range(4)]
        for i, g in enumerate(gens):
            g.manual_seed(i)
        r4 = torch.from_numpy(np.concatenate([rows, rows[:1]])).to(dev)
        w = torch.ones(4, len(X), device=dev)
        data = FusedData(SeriesOnDevice.from_numpy(X, y_idx, None, dev), r4, w)
        results[rules] = train_fused(fused, data, config, gens, rules=rules, readback_every=8)
    assert results["device"].used_cuda_graph
    for a, b in zip(results["host"].results, results["device"].results):
        np.testing.assert_allclose(a.history["loss"][:3], b.history["loss"][:3], rtol=1e-3)
        assert len(b.history["epoch"]) <= config.epochs


@pytest.mark.gpu
def test_ensemble_on_cuda_trains_fused_with_graphed_blocks(basic_motions):
    X_train, y_train, X_test, y_test = basic_motions
    # Without augmentation (the default cutmix draws per batch, so its blocks run eagerly).
    clf = MLSTMFCNClassifier(n_estimators=4, epochs=100, random_state=0, device="cuda",
                             augmentation=None).fit(X_train, y_train)
    assert clf.used_cuda_graph_
    assert len(clf.histories_) == 4 and all(1 <= len(h["epoch"]) <= 100 for h in clf.histories_)
    assert clf.score(X_test, y_test) >= 0.9
    eager = MLSTMFCNClassifier(n_estimators=4, epochs=100, random_state=0, device="cuda",
                               augmentation=None, fused=False).fit(X_train, y_train)
    assert abs(clf.score(X_test, y_test) - eager.score(X_test, y_test)) <= 0.1


def test_device_rules_with_validation_decide_as_host_rules():
    X, classes, y_idx, rows = _data()
    val = np.stack([np.setdiff1d(np.arange(len(X)), r)[:6] for r in rows])
    config = TrainConfig(epochs=9, batch_size=8, learning_rate=0.03, lr_patience=1, early_stopping=3)
    runs = {}
    for rules in ("host", "device"):
        members, perms = [], []
        for seed in (5, 6, 7):
            torch.manual_seed(seed)
            members.append(MLSTMFCN(X.shape[1], X.shape[2], len(classes), dropout=0.0, **SMALL))
            perms.append(torch.Generator())
            perms[-1].manual_seed(seed)
        weights = torch.ones(3, len(X))
        data = FusedData(SeriesOnDevice.from_numpy(X, y_idx, None, CPU), torch.from_numpy(rows), weights,
                         torch.from_numpy(val))
        runs[rules] = train_fused(FusedMLSTMFCN.from_members(members), data, config, perms, rules=rules,
                                  readback_every=4)
    for a, b in zip(runs["host"].results, runs["device"].results):
        assert a.best_epoch == b.best_epoch
        assert a.history["epoch"] == b.history["epoch"]
        for key in ("val_loss", "val_accuracy", "loss", "learning_rate"):
            np.testing.assert_allclose(b.history[key], a.history[key], rtol=1e-6)
    assert any(len(r.history["epoch"]) < config.epochs for r in runs["host"].results), "nobody stopped early"


def _assert_fused_is_sequential(fused, seq, X, rtol_val=2e-3, atol=1e-4, predict="predict_proba"):
    assert fused.best_epochs_ == seq.best_epochs_
    for a, b in zip(fused.histories_, seq.histories_):
        assert set(a) == set(b)
        np.testing.assert_allclose(a["loss"], b["loss"], rtol=1e-5)
        if "val_loss" in a:  # see test_estimator_fused_is_the_sequential_ensemble
            np.testing.assert_allclose(a["val_loss"], b["val_loss"], rtol=rtol_val)
    np.testing.assert_allclose(getattr(fused, predict)(X), getattr(seq, predict)(X), atol=atol)


def test_fused_regressor_is_the_sequential_ensemble(one_torch_thread):
    # The regressor fuses by the classifier's rules, under its own objective (squared error, no accuracy).
    # Selection on the training loss: a validation loss on running BatchNorm statistics differs between
    # the paths by float noise (see above), which a linear output passes on undamped, so that a near tie
    # of two epochs could fall either way.
    from mlstm_fcn import MLSTMFCNRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3, 20)).astype(np.float32)
    y = X[:, 0, :5].mean(axis=1) + 0.1 * rng.normal(size=40)
    params = dict(FAST, n_estimators=3, epochs=4, batch_size=8, random_state=0)
    seq = MLSTMFCNRegressor(fused=False, **params).fit(X, y)
    fused = MLSTMFCNRegressor(fused=True, **params).fit(X, y)
    assert "accuracy" not in fused.history_
    _assert_fused_is_sequential(fused, seq, X, predict="predict")


def test_fused_fit_weighs_series_as_the_sequential_fit_with_sample_weights(tiny_data, one_torch_thread):
    X, y = tiny_data
    w = np.random.default_rng(1).uniform(0, 3, size=len(y))
    params = dict(FAST, n_estimators=2, epochs=4, batch_size=8, random_state=0)
    seq = MLSTMFCNClassifier(fused=False, **params).fit(X, y, sample_weight=w)
    fused = MLSTMFCNClassifier(fused=True, **params).fit(X, y, sample_weight=w)
    _assert_fused_is_sequential(fused, seq, X)
    unweighted = MLSTMFCNClassifier(fused=True, **params).fit(X, y)
    assert not np.allclose(unweighted.history_["loss"], fused.history_["loss"])  # the weights did act


def test_regressor_fit_many_fits_folds_as_their_own_fits(one_torch_thread):
    from mlstm_fcn import MLSTMFCNRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(36, 2, 16)).astype(np.float32)
    y = X[:, 1].mean(axis=1)
    folds = [np.arange(0, 30), np.arange(6, 36)]
    params = dict(FAST, epochs=4, batch_size=8)
    many = MLSTMFCNRegressor.fit_many([MLSTMFCNRegressor(random_state=s, **params) for s in (3, 4)],
                                      [X[f] for f in folds], [y[f] for f in folds])
    for est, f, s in zip(many, folds, (3, 4)):
        ref = MLSTMFCNRegressor(random_state=s, **params).fit(X[f], y[f])
        np.testing.assert_allclose(est.predict(X), ref.predict(X), atol=1e-4)
        assert est.best_epoch_ == ref.best_epoch_ and est.converged_ == ref.converged_


def test_the_regressor_refuses_what_fusing_cannot_do_by_the_classifiers_rule(tmp_path):
    from mlstm_fcn import MLSTMFCNRegressor

    X = np.random.default_rng(0).normal(size=(20, 2, 16)).astype(np.float32)
    with pytest.raises(ValueError, match="fused=True trains fresh fits without checkpoint_dir"):
        MLSTMFCNRegressor(n_estimators=2, fused=True, checkpoint_dir=tmp_path, **FAST).fit(X, X[:, 0, 0])


def test_regression_members_decide_on_the_device_as_on_the_host(one_torch_thread):
    # The regressor's fused fit on CUDA runs the device-side rules (in CUDA-graph blocks); on the CPU the
    # same rules run eagerly: squared error, no accuracy columns, the same epochs and best epochs as host rules.
    from mlstm_fcn.training.objective import Regression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(36, 3, 20)).astype(np.float32)
    y = np.stack([X[:, 0].mean(axis=1), X[:, 1, :5].mean(axis=1)], axis=1).astype(np.float32)
    rows = np.stack([np.sort(rng.permutation(36)[:30]) for _ in range(3)])
    config = TrainConfig(epochs=9, batch_size=8, learning_rate=0.03, lr_patience=1, early_stopping=3)
    runs = {}
    for rules in ("host", "device"):
        members, perms = [], []
        for seed in (5, 6, 7):
            torch.manual_seed(seed)
            members.append(MLSTMFCN(3, 20, 2, dropout=0.0, **SMALL))
            perms.append(torch.Generator())
            perms[-1].manual_seed(seed)
        data = FusedData(SeriesOnDevice.from_numpy(X, y, None, CPU), torch.from_numpy(rows), torch.ones(3, 36))
        runs[rules] = train_fused(FusedMLSTMFCN.from_members(members), data, config, perms, rules=rules,
                                  readback_every=4, objective=Regression())
    for a, b in zip(runs["host"].results, runs["device"].results):
        assert "accuracy" not in a.history and set(a.history) == set(b.history)
        assert a.best_epoch == b.best_epoch and a.history["epoch"] == b.history["epoch"]
        np.testing.assert_allclose(b.history["loss"], a.history["loss"], rtol=1e-6)
        np.testing.assert_allclose(b.history["learning_rate"], a.history["learning_rate"], rtol=1e-6)
