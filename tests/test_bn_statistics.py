"""Exact BatchNorm statistics for the kept weights, and the figures of the model a fit returns."""

import copy

import numpy as np
import pytest
import torch
from sklearn.metrics import log_loss

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.training.batchnorm_statistics import batchnorm_layers, recompute_batchnorm_statistics
from mlstm_fcn.nn import MLSTMFCN

from .conftest import FAST


def _trained_network(seed=0, n_channels=3, n_timepoints=20):
    """A network whose running statistics are nowhere near its batch statistics."""
    torch.manual_seed(seed)
    net = MLSTMFCN(n_channels, n_timepoints, 3, filters=(8, 8, 8), kernel_sizes=(3, 3, 3), se_reduction=4,
                   lstm_units=4)
    with torch.no_grad():
        for layer in batchnorm_layers(net):
            layer.weight.uniform_(0.5, 2.0)
            layer.bias.uniform_(-1.0, 1.0)
    return net


def _no_dropout_train_mode(net):
    net.train()
    for m in net.modules():
        if isinstance(m, torch.nn.Dropout):
            m.eval()
    return net


def test_statistics_are_exact_one_batch_eval_equals_train_mode():
    # On data that is one batch, training-mode BatchNorm normalises with exactly the statistics of
    # that batch: with exact statistics the evaluation-mode network computes the same function.
    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.normal(3.0, 2.0, size=(24, 3, 20)).astype(np.float32))
    net = _trained_network()
    with torch.no_grad():
        batch_mode = _no_dropout_train_mode(copy.deepcopy(net))(X)
        stale = net.eval()(X)
    assert (stale - batch_mode).abs().max() > 1e-2  # the initial statistics are far off
    recompute_batchnorm_statistics(net, X, batch_size=5)  # five series per pass: still exact
    assert not net.training
    with torch.no_grad():
        np.testing.assert_allclose(net(X).numpy(), batch_mode.numpy(), rtol=1e-4, atol=1e-4)


def test_statistics_do_not_depend_on_the_batching():
    rng = np.random.default_rng(1)
    X = torch.from_numpy(rng.normal(size=(37, 3, 20)).astype(np.float32))
    a, b = _trained_network(), _trained_network()
    recompute_batchnorm_statistics(a, X, batch_size=1000)
    recompute_batchnorm_statistics(b, X, batch_size=4)
    for la, lb in zip(batchnorm_layers(a), batchnorm_layers(b)):
        np.testing.assert_allclose(la.running_mean.numpy(), lb.running_mean.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(la.running_var.numpy(), lb.running_var.numpy(), rtol=1e-5, atol=1e-6)


def test_padding_is_left_out_of_the_statistics():
    rng = np.random.default_rng(2)
    lengths = torch.from_numpy(rng.integers(5, 21, size=16))
    X = torch.from_numpy(rng.normal(size=(16, 3, 20)).astype(np.float32))
    for i, n in enumerate(lengths):
        X[i, :, n:] = 0.0
    net = _trained_network()
    recompute_batchnorm_statistics(net, X, lengths, batch_size=3)
    first = batchnorm_layers(net)[0]
    block = net.fcn_branch.blocks[0]
    with torch.no_grad():
        conv = block.conv(X)  # odd kernel: padding inside the convolution
    valid = torch.cat([conv[i, :, :n] for i, n in enumerate(lengths)], dim=1).double()
    np.testing.assert_allclose(first.running_mean.numpy(), valid.mean(1).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(first.running_var.numpy(), valid.var(1, unbiased=False).numpy(),
                               rtol=1e-4, atol=1e-6)


def test_a_short_fit_predicts_what_its_figures_say(basic_motions):
    # The reproduction: 20 epochs on BasicMotions scored 0.375 on its own training data
    # with the running statistics, though the history said 1.0. At the paper's batches of 128 (one
    # per epoch) the running averages have had 20 updates only.
    X, y, X_test, y_test = basic_motions
    clf = MLSTMFCNClassifier(epochs=20, batch_size=128, random_state=0).fit(X, y)
    assert clf.bn_statistics == "recompute"
    assert clf.train_accuracy_ == pytest.approx(clf.score(X, y))
    assert clf.score(X, y) >= 0.9 and clf.score(X_test, y_test) >= 0.9
    running = MLSTMFCNClassifier(epochs=20, batch_size=128, random_state=0, bn_statistics="running").fit(X, y)
    assert running.score(X, y) < clf.score(X, y)  # the gap the recomputation closes
    # Same training (only the statistics differ): identical weights.
    for (name, a), b in zip(clf.network_.named_parameters(), running.network_.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0, msg=name)
    # Recomputing afterwards on the same series gives the recompute fit's model.
    running.recompute_bn_statistics(X)
    np.testing.assert_allclose(running.predict_proba(X_test), clf.predict_proba(X_test), rtol=1e-5, atol=1e-6)


def test_final_figures_describe_the_returned_model(tiny_data):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**{**FAST, "epochs": 8}, class_weight=None, random_state=0).fit(X, y)
    assert clf.train_accuracy_ == pytest.approx(clf.score(X, y))
    assert clf.train_loss_ == pytest.approx(log_loss(y, clf.predict_proba(X), labels=clf.classes_), rel=1e-4)
    # With a validation split the figures are those of the training part only.
    held = MLSTMFCNClassifier(**FAST, validation_split=0.25, random_state=0).fit(X, y)
    # The split fit made (stratified, seeded by random_state), redone here.
    from sklearn.model_selection import train_test_split

    train_idx, _ = train_test_split(np.arange(len(y)), test_size=0.25, stratify=np.unique(y, return_inverse=True)[1],
                                    random_state=0)
    assert len(train_idx) == 27 and held.train_accuracy_ == pytest.approx(held.score(X[train_idx], y[train_idx]))


def test_ensemble_members_get_their_own_statistics(tiny_data):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST, n_estimators=2, random_state=0).fit(X, y)
    before = [[layer.running_mean.clone() for layer in batchnorm_layers(m)] for m in clf.network_.members]
    assert not torch.equal(before[0][0], before[1][0])  # different networks, different statistics
    clf.recompute_bn_statistics(X)  # the same series as fit: nothing changes
    for member, means in zip(clf.network_.members, before):
        for layer, mean in zip(batchnorm_layers(member), means):
            torch.testing.assert_close(layer.running_mean, mean, rtol=1e-5, atol=1e-6)


def test_paper_presets_keep_the_running_statistics():
    for name in ("paper", "paper-attention"):
        assert MLSTMFCNClassifier.from_preset(name).bn_statistics == "running"
    assert MLSTMFCNClassifier().bn_statistics == "recompute"
    with pytest.raises(ValueError, match="bn_statistics"):
        MLSTMFCNClassifier(bn_statistics="exact").fit(np.zeros((4, 1, 5)), [0, 1, 0, 1])


def test_callbacks_see_every_epoch_and_a_snapshot_equals_a_shorter_fit(tiny_data):
    # The time-to-accuracy benchmark reads shorter budgets off one long run: the kept weights at
    # epoch k must be exactly those of a fit of k epochs.
    X, y = tiny_data
    seen, kept = [], {}

    def callback(info):
        seen.append(info.epoch)
        if info.epoch == 4:
            kept.update({k: v.clone() for k, v in info.best_state.items()})

    params = {**FAST, "random_state": 0, "bn_statistics": "running"}
    long = MLSTMFCNClassifier(**{**params, "epochs": 9}, callbacks=[callback]).fit(X, y)
    assert seen == list(range(1, 10)) == long.history_["epoch"]
    short = MLSTMFCNClassifier(**{**params, "epochs": 4}).fit(X, y)
    for name, tensor in short.network_.state_dict().items():
        torch.testing.assert_close(kept[name], tensor, rtol=0, atol=0, msg=name)


def test_a_finished_checkpoint_serves_either_statistics(tiny_data, tmp_path):
    # bn_statistics acts after training: a run checkpointed with one is finished for the other.
    from mlstm_fcn.training import epoch as training

    X, y = tiny_data
    params = {**FAST, "random_state": 0, "checkpoint_dir": tmp_path}
    MLSTMFCNClassifier(**params, bn_statistics="running").fit(X, y)
    steps = {"n": 0}
    original = training.EpochRunner.step

    def counting(self, *args):
        steps["n"] += 1
        return original(self, *args)

    training.EpochRunner.step = counting
    try:
        resumed = MLSTMFCNClassifier(**params).fit(X, y)
    finally:
        training.EpochRunner.step = original
    assert steps["n"] == 0
    fresh = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y)
    np.testing.assert_allclose(resumed.predict_proba(X), fresh.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_stop_when_fitted_stops_where_the_budget_rule_says(tiny_data):
    # The rule the budget benchmark reads off one long run, as the estimator runs it.
    X, y = tiny_data
    # No augmentation: the rule reads the training accuracy, which mixed series seldom bring to 1.
    params = {**FAST, "epochs": 60, "learning_rate": 1e-2, "random_state": 0, "augmentation": None}
    full = MLSTMFCNClassifier(**params, stop_when_fitted=None).fit(X, y)
    acc = full.history_["accuracy"]
    expected = next(e for e in range(5, 61) if min(acc[e - 5:e]) == 1.0)  # 5 epochs in a row at 1
    assert expected < 60
    stopped = MLSTMFCNClassifier(**params, stop_when_fitted=5).fit(X, y)
    assert stopped.n_epochs_ == expected and stopped.history_["accuracy"] == acc[:expected]
    # Data it cannot fit (shuffled labels, a tiny network) train all epochs.
    y_random = np.random.default_rng(1).permutation(y)
    assert MLSTMFCNClassifier(**{**params, "epochs": 8}, stop_when_fitted=5).fit(X, y_random).n_epochs_ == 8
