"""SE gates and class activation maps of a fitted classifier."""

import numpy as np
import pytest
import torch

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.inference import prepare
from mlstm_fcn.interpret import class_activation_maps, se_gates, se_gates_by_class

from .conftest import FAST

CFG = {**FAST, "filters": (8, 12, 6), "epochs": 5}


@pytest.fixture(scope="module")
def fitted(tiny_data):
    X, y = tiny_data
    return MLSTMFCNClassifier(random_state=0, **CFG).fit(X, y), X, y


@pytest.fixture(scope="module")
def fitted_unequal():
    rng = np.random.default_rng(1)
    lengths = rng.integers(8, 21, size=30)
    y = np.arange(30) % 2
    X = [rng.normal(size=(2, t)).astype(np.float32) + y[i] for i, t in enumerate(lengths)]
    clf = MLSTMFCNClassifier(random_state=0, **CFG).fit(X, y)
    return clf, X, y, lengths


def _direct_gates(clf, x):
    """Gates recomputed by hand, block by block: conv -> BN -> ReLU, then the SE gate."""
    gates = []
    with torch.no_grad():
        for block in clf.network_.fcn_branch.blocks:
            pre = block.bn(block.conv(x)).relu()
            if block.se is not None:
                g = block.se.gate(pre)
                gates.append(g.numpy())
                pre = pre * g.unsqueeze(-1)
            x = pre
    return gates


def test_gates_shape_range_and_values(fitted):
    clf, X, _ = fitted
    gates = se_gates(clf, X)
    assert [g.shape for g in gates] == [(len(X), 8), (len(X), 12)]  # the last block has no SE
    for g in gates:
        assert g.dtype == np.float32
        assert np.all((g > 0) & (g < 1))
    for got, want in zip(gates, _direct_gates(clf, torch.from_numpy(X))):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_gates_by_class_are_the_means_of_each_class(fitted):
    clf, X, y = fitted
    gates = se_gates(clf, X)
    classes, means = se_gates_by_class(clf, X, y)
    assert list(classes) == ["a", "b", "c"]
    for g, m in zip(gates, means):
        assert m.shape == (3, g.shape[1])
        for i, c in enumerate(classes):
            np.testing.assert_allclose(m[i], g[y == c].mean(axis=0), rtol=1e-6)
    with pytest.raises(ValueError, match="one label per series"):
        se_gates_by_class(clf, X, y[:-1])


def test_cam_matches_direct_computation_and_logits(fitted):
    clf, X, _ = fitted
    cam = class_activation_maps(clf, X)
    assert cam.shape == (len(X), len(clf.classes_), X.shape[2])
    net = clf.network_
    x = torch.from_numpy(X)
    with torch.no_grad():
        A = net.fcn_branch.feature_maps(x)[-1].numpy()        # (n, k, t)
        W = net.head.weight.numpy()[:, net.lstm_branch.out_features:]  # FCN part of the head
        direct = np.einsum("ck,nkt->nct", W, A)
        np.testing.assert_allclose(cam, direct, rtol=1e-4, atol=1e-5)
        # mean over time of the CAM + LSTM part + bias gives back the logits
        lstm_part = net.lstm_branch(x).numpy() @ net.head.weight.numpy()[:, :net.lstm_branch.out_features].T
        logits = net(x).numpy()
    np.testing.assert_allclose(cam.mean(axis=2) + lstm_part + net.head.bias.detach().numpy(), logits,
                               rtol=1e-4, atol=1e-4)


def test_unequal_length_series_are_masked(fitted_unequal):
    clf, X, _, lengths = fitted_unequal
    gates = se_gates(clf, X)
    cam = class_activation_maps(clf, X)
    T = int(lengths.max())
    assert cam.shape == (len(X), 2, T)
    for i in (0, 1, int(np.argmin(lengths))):
        L = lengths[i]
        assert np.isfinite(cam[i, :, :L]).all() and np.isnan(cam[i, :, L:]).all()
        # a series alone gives the same gates and CAM as inside a padded batch
        alone_g = se_gates(clf, [X[i]])
        alone_c = class_activation_maps(clf, [X[i]])
        for g, a in zip(gates, alone_g):
            np.testing.assert_allclose(g[i], a[0], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(cam[i, :, :L], alone_c[0, :, :L], rtol=1e-4, atol=1e-4)
    # time mean over valid steps + LSTM part + bias = logits, with masking
    net = clf.network_
    prepared = prepare(clf, X)
    Xp, lp = prepared.X, prepared.lengths
    with torch.no_grad():
        k = net.lstm_branch.out_features
        lstm_part = net.lstm_branch(torch.from_numpy(Xp)).numpy() @ net.head.weight.numpy()[:, :k].T
        logits = net(torch.from_numpy(Xp), torch.from_numpy(lp)).numpy()
    np.testing.assert_allclose(np.nanmean(cam, axis=2) + lstm_part + net.head.bias.detach().numpy(), logits,
                               rtol=1e-4, atol=1e-4)


def test_no_se_blocks_gives_no_gates(tiny_data):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(random_state=0, **{**CFG, "filters": (8,), "kernel_sizes": (3,)}).fit(X, y)
    assert se_gates(clf, X) == []
    assert class_activation_maps(clf, X).shape == (len(X), 3, X.shape[2])


def test_unfitted_raises(tiny_data):
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        se_gates(MLSTMFCNClassifier(), tiny_data[0])
