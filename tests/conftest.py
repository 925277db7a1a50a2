import numpy as np
import pytest
import torch

from mlstm_fcn.datasets import load_uea


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def one_torch_thread():
    """Torch on one thread for a test: on tiny networks a second thread only adds synchronisation."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def basic_motions():
    X_train, y_train = load_uea("BasicMotions", split="train")
    X_test, y_test = load_uea("BasicMotions", split="test")
    return X_train, y_train, X_test, y_test


@pytest.fixture(scope="session")
def tiny_data():
    """A small, easy 3-class problem: class = which channel carries a bump."""
    rng = np.random.default_rng(0)
    n, c, t = 36, 3, 20
    y = np.arange(n) % 3
    X = rng.normal(0, 0.3, size=(n, c, t)).astype(np.float32)
    X[np.arange(n), y, 5:12] += 2.0
    return X, np.array(["a", "b", "c"])[y]


FAST = dict(epochs=3, filters=(8, 8, 8), kernel_sizes=(3, 3, 3), se_reduction=4, lstm_units=4,
            device="cpu")
