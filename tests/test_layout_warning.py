"""The warning for input that looks transposed: (n, time, channels) passed where (n, channels, time) is expected."""

import warnings

import numpy as np
import pytest

import mlstm_fcn
from mlstm_fcn import LayoutWarning, MLSTMFCNClassifier

TINY = dict(filters=(4, 4, 4), kernel_sizes=(3, 3, 3), se_reduction=2, lstm_units=2, epochs=1, device="cpu",
            random_state=0)


def data(shape):
    rng = np.random.default_rng(0)
    return rng.normal(size=shape).astype(np.float32), np.arange(shape[0]) % 2


def test_sensor_layout_warns_at_the_callers_line(one_torch_thread):
    X, y = data((12, 100, 6))  # 100 time steps of 6 sensors, not transposed
    with pytest.warns(LayoutWarning, match=r"100 channels of 6 time steps.*transpose\(0, 2, 1\)") as record:
        MLSTMFCNClassifier(**TINY).fit(X, y)
    assert [w.filename for w in record if w.category is LayoutWarning] == [__file__]
    assert issubclass(LayoutWarning, UserWarning) and mlstm_fcn.LayoutWarning is LayoutWarning


@pytest.mark.parametrize("shape", [(12, 6, 100),  # the same data laid out right
                                   (12, 15, 3),   # fewer channels than the threshold
                                   (12, 30, 20)])  # more channels than steps, but not twice as many
def test_no_warning_for_plausible_layouts(one_torch_thread, shape):
    X, y = data(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LayoutWarning)
        clf = MLSTMFCNClassifier(**TINY).fit(X, y)
    assert clf.n_channels_ == shape[1]  # fitted as given, without a LayoutWarning (an error here)


def test_silenced_with_a_filter(one_torch_thread):
    X, y = data((12, 40, 10))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=mlstm_fcn.LayoutWarning)
        MLSTMFCNClassifier(**TINY).fit(X, y)
    assert not [w for w in record if issubclass(w.category, LayoutWarning)]
