"""Out of GPU memory: batches are halved (with a warning) instead of failing.

The error is simulated on CPU: the network's forward raises
``torch.cuda.OutOfMemoryError`` for batches above a size, as a GPU would.
"""

import warnings

import numpy as np
import pytest
import torch

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.nn import MLSTMFCN

from .conftest import FAST


@pytest.fixture
def memory_limit(monkeypatch):
    """Make every forward pass over more than ``limit[0]`` series run out of memory."""
    limit = [None]
    original = MLSTMFCN.forward

    def forward(self, x, lengths=None):
        if limit[0] is not None and x.shape[0] > limit[0]:
            raise torch.cuda.OutOfMemoryError(f"simulated: {x.shape[0]} series do not fit")
        return original(self, x, lengths)

    monkeypatch.setattr(MLSTMFCN, "forward", forward)
    return limit


def _oom_warnings(caught):
    return [str(w.message) for w in caught if "Out of GPU memory" in str(w.message)]


def test_predict_halves_the_batch_and_gives_the_same_result(tiny_data, memory_limit):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    memory_limit[0] = 10
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, expected, rtol=1e-5, atol=1e-6)
    messages = _oom_warnings(caught)
    # 1024 -> 512 -> ... -> 8: seven halvings, each said.
    assert len(messages) == 7 and "batches of 1024" in messages[0] and "batches of 8" in messages[-1]
    assert clf.predict_batch_size == 1024  # the parameter itself is left alone
    with pytest.warns(RuntimeWarning, match="Out of GPU memory"):
        np.testing.assert_array_equal(clf.predict(X), clf.classes_[expected.argmax(1)])


def test_fit_halves_the_batch_and_trains_as_with_the_smaller_batch(tiny_data, memory_limit):
    X, y = tiny_data
    # No augmentation: an augmented batch draws its changes as a whole, so its halves draw otherwise than
    # batches of 8 would (the halved fit trains alike, not bit for bit).
    params = {**FAST, "epochs": 4, "random_state": 0, "augmentation": None}
    reference = MLSTMFCNClassifier(**params, batch_size=8).fit(X, y)
    expected = reference.predict_proba(X)
    memory_limit[0] = 10
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = MLSTMFCNClassifier(**params, batch_size=32).fit(X, y)
    messages = _oom_warnings(caught)
    training = [m for m in messages if "training" in m]
    assert len(training) == 2  # 32 -> 16 -> 8, once for the whole fit
    # The passes after training (BatchNorm statistics of three layers, then the final figures)
    # halve 1024 -> 8 once between them: seven halvings, all in the first pass.
    after = messages[len(training):]
    assert len(after) == 7 and all("batch-norm statistics" in m for m in after)
    assert clf.batch_size == 32 and clf.n_epochs_ == 4
    memory_limit[0] = None
    # The failed batch is redone in smaller ones before any step: same steps as batch_size=8, so the
    # same weights, bit for bit. The BatchNorm statistics recomputed afterwards sum the series in
    # batches of 8 here and in one batch there: equal up to float summation order.
    trained = {k: v for k, v in clf.network_.state_dict().items() if "running_" not in k}
    for name, tensor in reference.network_.state_dict().items():
        if "running_" not in name:
            assert torch.equal(trained[name], tensor), name
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-6, atol=1e-7)


def test_validation_pass_also_falls_back(tiny_data, memory_limit):
    X, y = tiny_data
    memory_limit[0] = 6
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = MLSTMFCNClassifier(**FAST, batch_size=4, validation_split=0.25, random_state=0).fit(X, y)
    assert any("validation" in m for m in _oom_warnings(caught))
    assert len(clf.history_["val_loss"]) == 3 and np.isfinite(clf.history_["val_loss"]).all()


def test_out_of_memory_for_a_single_series_is_raised(tiny_data, memory_limit):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y)
    memory_limit[0] = 0
    with pytest.warns(RuntimeWarning, match="Out of GPU memory"):
        with pytest.raises(torch.cuda.OutOfMemoryError):
            clf.predict(X)
    with pytest.warns(RuntimeWarning, match="Out of GPU memory"):
        with pytest.raises(torch.cuda.OutOfMemoryError):
            MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y)


def test_batchnorm_statistics_survive_an_out_of_memory_retry(monkeypatch):
    from mlstm_fcn.training import batchnorm_statistics as bn

    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.normal(2.0, 3.0, size=(20, 3, 16)).astype(np.float32))
    torch.manual_seed(0)
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
