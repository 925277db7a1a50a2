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


def test_a_fit_that_fails_while_training_leaves_no_network(tiny_data):
    X, y = tiny_data

    def broken(event):
        raise RuntimeError("simulated failure inside training")

    clf = MLSTMFCNClassifier(**FAST, random_state=0, callbacks=[broken])
    with pytest.raises(RuntimeError, match="simulated"):
        clf.fit(X, y)
    assert not hasattr(clf, "network_")


# ------------------------------------------------ review of the BatchNorm / layout change
def test_batchnorm_statistics_survive_an_out_of_memory_retry(monkeypatch):
    from mlstm_fcn.training import batchnorm_statistics as bn

    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.normal(2.0, 3.0, size=(20, 3, 16)).astype(np.float32))
    torch.manual_seed(0)
    from mlstm_fcn.nn import MLSTMFCN

    net = MLSTMFCN(3, 16, 2, filters=(8, 8, 8), kernel_sizes=(3, 3, 3), se_reduction=4, lstm_units=4)
    reference = MLSTMFCN(3, 16, 2, filters=(8, 8, 8), kernel_sizes=(3, 3, 3), se_reduction=4, lstm_units=4)
    reference.load_state_dict(net.state_dict())
    bn.recompute_batchnorm_statistics(reference, X, batch_size=8)
    failed = {"n": 0}
    real_square = torch.Tensor.square

    def square_once_out_of_memory(t):
        if failed["n"] == 0 and t.dtype == torch.float64:
            failed["n"] += 1
            raise torch.cuda.OutOfMemoryError("simulated")
        return real_square(t)

    monkeypatch.setattr(torch.Tensor, "square", square_once_out_of_memory)
    with pytest.warns(RuntimeWarning, match="Out of GPU memory"):
        bn.recompute_batchnorm_statistics(net, X, batch_size=8)
    assert failed["n"] == 1
    for a, b in zip(bn.batchnorm_layers(net), bn.batchnorm_layers(reference)):
        torch.testing.assert_close(a.running_mean, b.running_mean, rtol=1e-6, atol=1e-6)
        torch.testing.assert_close(a.running_var, b.running_var, rtol=1e-6, atol=1e-6)


def test_se_gates_of_a_retried_batch_are_counted_once(tiny_data, monkeypatch):
    from mlstm_fcn.interpret import se_gates
    from mlstm_fcn.nn.fcn import ConvBlock

    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y)
    expected = se_gates(clf, X)
    clf.set_params(predict_batch_size=16)
    calls = {"n": 0}
    real = ConvBlock.forward

    def second_block_fails_once(self, x, mask=None):
        if self is clf.network_.fcn_branch.blocks[1] and calls["n"] == 0:
            calls["n"] += 1
            raise torch.cuda.OutOfMemoryError("simulated")
        return real(self, x, mask)

    monkeypatch.setattr(ConvBlock, "forward", second_block_fails_once)
    with pytest.warns(RuntimeWarning, match="Out of GPU memory"):
        gates = se_gates(clf, X)
    assert [g.shape for g in gates] == [g.shape for g in expected]
    for g, e in zip(gates, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_checkpoint_files_count_epochs_from_zero_as_before(tiny_data, tmp_path):
    X, y = tiny_data
    params = {**FAST, "epochs": 4, "random_state": 0, "stop_when_fitted": None, "checkpoint_every": 2}
    clf = MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    (path,) = list(tmp_path.glob("*.ckpt"))
    saved = torch.load(path, weights_only=True)
    assert saved["history"]["epoch"] == [0, 1, 2, 3] and saved["epoch"] == 3
    assert saved["best_epoch"] == clf.best_epoch_ - 1
    again = MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    assert again.history_["epoch"] == [1, 2, 3, 4] and again.best_epoch_ == clf.best_epoch_


def test_a_run_killed_after_its_stop_epoch_resumes_as_stopped(tiny_data, tmp_path):
    from mlstm_fcn.training.checkpoint import Checkpointer

    X, y = tiny_data
    params = {**FAST, "epochs": 60, "learning_rate": 1e-2, "random_state": 0, "stop_when_fitted": 5,
              "checkpoint_every": 1}
    reference = MLSTMFCNClassifier(**params).fit(X, y)
    assert reference.n_epochs_ < 60

    class Killed(Exception):
        pass

    real_write = Checkpointer.write

    def write(self, state, *args):
        if state.finished:
            raise Killed  # the process dies between the last periodic checkpoint and the final one
        return real_write(self, state, *args)

    Checkpointer.write = write
    try:
        with pytest.raises(Killed):
            MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    finally:
        Checkpointer.write = real_write
    resumed = MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    assert resumed.n_epochs_ == reference.n_epochs_ and resumed.best_epoch_ == reference.best_epoch_


def test_sktime_adapter_pickles_of_earlier_versions_and_positional_parameters():
    pytest.importorskip("sktime")
    import pickle

    from mlstm_fcn.sktime_adapter import MLSTMFCNSktime

    adapter = MLSTMFCNSktime(4, epochs=3)
    assert adapter.lstm_units == 4 and adapter.epochs == 3
    state = adapter.__getstate__() if hasattr(adapter, "__getstate__") else dict(adapter.__dict__)
    state = dict(state)
    state.pop("bn_statistics"), state.pop("stop_when_fitted")  # what an earlier version pickled
    old = MLSTMFCNSktime.__new__(MLSTMFCNSktime)
    old.__setstate__(state)
    assert old.get_params()["bn_statistics"] == "running" and old.get_params()["stop_when_fitted"] is None
    assert pickle.loads(pickle.dumps(adapter)).get_params() == adapter.get_params()


def test_cli_can_turn_the_stop_rule_off(tmp_path, capsys):
    import json

    from mlstm_fcn import cli

    out = tmp_path / "m.model"
    code = cli.main(["fit", "BasicMotions", "--epochs", "2", "--stop-when-fitted", "none", "--filters", "4,4,4",
                     "--kernel-sizes", "3,3,3", "--lstm-units", "2", "--se-reduction", "2", "--device", "cpu",
                     "--quiet", "--json", "--out", str(out)])
    assert code == 0 and json.loads(capsys.readouterr().out)["epochs"] == 2
    assert MLSTMFCNClassifier.load(out).stop_when_fitted is None
