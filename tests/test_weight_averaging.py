"""Weight averaging: a fit that ends with the mean of its last epochs' weights."""

import numpy as np
import pytest
import torch

from mlstm_fcn import MLSTMFCNClassifier, MLSTMFCNRegressor
from mlstm_fcn.training import TrainConfig, checkpoint
from mlstm_fcn.training.checkpoint import restore_run, run_state
from mlstm_fcn.training.state import LoopState
from mlstm_fcn.training.weight_averaging import RecentWeights

from .conftest import FAST

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# Every epoch runs (no stop rule): the tests know which epochs the window holds.
PARAMS = {**FAST, "epochs": 9, "batch_size": 12, "stop_when_fitted": None, "random_state": 3}


class _Recorder:
    """A callback keeping a copy of the weights after every epoch."""

    def __init__(self):
        self.states = []

    def __call__(self, event):
        self.states.append({k: v.detach().clone() for k, v in event.network.state_dict().items()})


def test_the_window_holds_the_last_epochs_and_averages_them():
    net = torch.nn.BatchNorm1d(2)
    recent = RecentWeights(net, 3)
    assert recent.average() is None
    for step in range(5):
        with torch.no_grad():
            net.weight.fill_(float(step))
        net.num_batches_tracked.fill_(step)
        recent.push()
    average = recent.average()
    torch.testing.assert_close(average["weight"], torch.full((2,), 3.0))  # mean of 2, 3 and 4
    assert int(average["num_batches_tracked"]) == 4  # an integer buffer is the latest epoch's
    assert len(recent.states) == 3


@pytest.mark.parametrize("window", [1, 4])
def test_a_fit_ends_with_the_mean_of_its_last_epochs(tiny_data, window):
    X, y = tiny_data
    seen = _Recorder()
    # "running" BatchNorm statistics: the kept buffers are the averaged ones, nothing recomputed after.
    clf = MLSTMFCNClassifier(**PARAMS, average_last_epochs=window, bn_statistics="running",
                             callbacks=[seen]).fit(X, y)
    assert len(seen.states) == PARAMS["epochs"]
    last = seen.states[-window:]
    for name, value in clf.network_.state_dict().items():
        if value.is_floating_point():
            expected = torch.stack([s[name].double() for s in last]).mean(0).to(value.dtype)
            torch.testing.assert_close(value, expected, rtol=1e-6, atol=1e-7, msg=name)
        else:
            assert torch.equal(value, last[-1][name]), name
    # The best epoch is still reported; its weights are not the ones kept.
    plain = MLSTMFCNClassifier(**PARAMS, bn_statistics="running").fit(X, y)
    assert clf.best_epoch_ == plain.best_epoch_
    assert clf.history_["loss"] == plain.history_["loss"]  # averaging changes the end, not the run


def test_a_window_longer_than_the_fit_averages_every_epoch(tiny_data):
    X, y = tiny_data
    seen = _Recorder()
    clf = MLSTMFCNClassifier(**PARAMS, average_last_epochs=50, bn_statistics="running", callbacks=[seen]).fit(X, y)
    for name, value in clf.network_.state_dict().items():
        if value.is_floating_point():
            expected = torch.stack([s[name].double() for s in seen.states]).mean(0).to(value.dtype)
            torch.testing.assert_close(value, expected, rtol=1e-6, atol=1e-7, msg=name)


def test_recomputed_batchnorm_statistics_follow_the_averaged_weights(tiny_data):
    X, y = tiny_data
    averaged = MLSTMFCNClassifier(**PARAMS, average_last_epochs=4).fit(X, y)
    again = MLSTMFCNClassifier(**PARAMS, average_last_epochs=4, bn_statistics="running").fit(X, y)
    again.recompute_bn_statistics(X)
    np.testing.assert_allclose(averaged.predict_proba(X), again.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_the_regressor_averages_too(tiny_data):
    X, y = tiny_data
    target = (y == "a").astype(float) + np.linspace(0, 1, len(y))
    seen = _Recorder()
    params = {k: v for k, v in PARAMS.items() if k != "stop_when_fitted"}  # a classifier's rule
    reg = MLSTMFCNRegressor(**params, average_last_epochs=2, bn_statistics="running", callbacks=[seen]).fit(X, target)
    assert len(seen.states) == PARAMS["epochs"]
    for name, value in reg.network_.state_dict().items():
        if value.is_floating_point():
            expected = ((seen.states[-1][name].double() + seen.states[-2][name].double()) / 2).to(value.dtype)
            torch.testing.assert_close(value, expected, rtol=1e-6, atol=1e-7, msg=name)


def test_fused_training_refuses_weight_averaging_and_says_why(tiny_data):
    X, y = tiny_data
    with pytest.raises(ValueError, match="average_last_epochs"):
        MLSTMFCNClassifier(**PARAMS, n_estimators=2, fused=True, average_last_epochs=3).fit(X, y)
    # fused="auto" trains the networks one after the other, each averaged.
    clf = MLSTMFCNClassifier(**PARAMS, n_estimators=2, fused="auto", average_last_epochs=3).fit(X, y)
    assert len(clf.histories_) == 2


def test_the_fused_trainer_refuses_a_window():
    from mlstm_fcn.training.fused import train_fused

    with pytest.raises(ValueError, match="one at a time"):
        train_fused(None, None, TrainConfig(average_last=3), [])


@pytest.mark.parametrize("bad", [0, -2, 1.5, "last"])
def test_a_window_must_be_a_positive_integer(tiny_data, bad):
    X, y = tiny_data
    with pytest.raises(ValueError, match="average_last_epochs"):
        MLSTMFCNClassifier(**PARAMS, average_last_epochs=bad).fit(X, y)


def test_a_run_without_averaging_keeps_its_identifier():
    # Checkpoints written before weight averaging existed still resume: the parameter at None is left out.
    params = MLSTMFCNClassifier(**PARAMS).get_params()
    before = {k: v for k, v in params.items() if k != "average_last_epochs"}
    device, arrays = torch.device("cpu"), [np.zeros((2, 1, 3))]
    assert checkpoint.run_id(params, device, arrays) == checkpoint.run_id(before, device, arrays)
    assert checkpoint.run_id({**params, "average_last_epochs": 4}, device, arrays) != checkpoint.run_id(
        params, device, arrays)


def test_a_checkpoint_without_a_window_restores_an_empty_one():
    net = torch.nn.Linear(2, 2)
    optimizer = torch.optim.Adam(net.parameters())
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer)
    generator = torch.Generator().manual_seed(0)
    state = LoopState(recent_states=[{k: v.clone() for k, v in net.state_dict().items()}])
    payload = run_state(state, net, optimizer, scheduler, generator)
    assert len(restore_run(payload, net, optimizer, scheduler, generator).recent_states) == 1
    del payload["recent_states"]  # as written before weight averaging existed
    assert restore_run(payload, net, optimizer, scheduler, generator).recent_states == []
