"""What users read: warnings that point at their own line (through scikit-learn too), plain values in
error messages, the extra to install when sktime is missing."""

import warnings

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from mlstm_fcn import LayoutWarning, MLSTMFCNClassifier

TINY = dict(filters=(4, 4, 4), kernel_sizes=(3, 3, 3), se_reduction=2, lstm_units=2, epochs=1, device="cpu",
            random_state=0)


def caught_where(category, call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [w.filename for w in caught if issubclass(w.category, category)]


def test_warnings_under_score_and_grid_search_point_at_the_callers_line(one_torch_thread):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 2, 10)).astype(np.float32), np.arange(12) % 2
    X[::2, :, 7:] = np.nan  # unequal lengths: longer series are truncated in predict, with a warning
    clf = MLSTMFCNClassifier(**TINY).fit(X, y)
    longer = rng.normal(size=(12, 2, 14)).astype(np.float32)
    assert caught_where(UserWarning, lambda: clf.score(longer, y)) == [__file__]
    transposed = rng.normal(size=(12, 40, 5)).astype(np.float32)
    search = GridSearchCV(MLSTMFCNClassifier(**TINY), {"lstm_units": [2]}, cv=2)
    where = caught_where(LayoutWarning, lambda: search.fit(transposed, y))
    assert where and set(where) == {__file__}


def test_label_messages_show_plain_values_not_numpy_reprs(one_torch_thread):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 2, 10)).astype(np.float32)
    y = np.array(["standing", "walking"] * 4)
    clf = MLSTMFCNClassifier(**TINY).partial_fit(X, y, classes=np.array(["standing", "walking"]))
    with pytest.raises(ValueError, match=r"\(\['running'\]\); this model was fitted on \['standing', 'walking'\]") \
            as info:
        clf.partial_fit(X, np.where(y == "walking", "running", y))
    assert "np.str_" not in str(info.value)
    with pytest.raises(ValueError, match=r"single class \('standing'\)"):
        MLSTMFCNClassifier(**TINY).fit(X, np.full(8, "standing"))


def test_the_sktime_adapters_name_the_extra_when_sktime_is_missing():
    import subprocess
    import sys

    # sys.modules[name] = None makes "import name" fail, as on a machine without sktime.
    code = ("import sys; sys.modules['sktime'] = None\n"
            "try:\n    import mlstm_fcn.sktime_adapter\nexcept ImportError as exc:\n    print(exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert "pip install 'mlstm-fcn[sktime]'" in out.stdout

