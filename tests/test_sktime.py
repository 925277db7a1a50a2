"""The sktime adapter: sktime's own conformance suite, mtypes, unequal length, delegation."""

import inspect
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sktime")

from sktime.datatypes import convert_to  # noqa: E402
from sktime.utils.estimator_checks import check_estimator  # noqa: E402

from mlstm_fcn import MLSTMFCNClassifier  # noqa: E402
from mlstm_fcn.sktime_adapter import MLSTMFCNSktime  # noqa: E402

TINY = MLSTMFCNSktime.get_test_params()[0]


@pytest.mark.usefixtures("one_torch_thread")
@pytest.mark.parametrize("adapter", ["MLSTMFCNSktime", "MLSTMFCNRegressorSktime"])
def test_passes_sktime_check_estimator(adapter):
    # About 260 sktime tests of tiny fits each; raises on the first failure. One torch thread: on
    # such small tensors a second thread only adds synchronisation (and suffers most under load).
    from mlstm_fcn import sktime_adapter

    check_estimator(getattr(sktime_adapter, adapter), raise_exceptions=True)


def test_tags():
    tags = MLSTMFCNSktime.get_class_tags()
    assert tags["capability:multivariate"] and tags["capability:unequal_length"]
    assert tags["capability:predict_proba"] and tags["python_dependencies"] == "torch"
    assert tags["capability:multithreading"] and MLSTMFCNSktime(n_jobs=2).get_params()["n_jobs"] == 2


def test_parameters_mirror_the_sklearn_estimator():
    ours = inspect.signature(MLSTMFCNSktime.__init__).parameters
    theirs = inspect.signature(MLSTMFCNClassifier.__init__).parameters
    assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]


@pytest.mark.parametrize("mtype", ["nested_univ", "pd-multiindex"])
def test_mtypes_give_the_numpy3d_predictions(basic_motions, mtype):
    X_train, y_train, X_test, _ = basic_motions
    X_train, y_train, X_test = X_train[::4].astype(np.float64), y_train[::4], X_test[:10].astype(np.float64)
    reference = MLSTMFCNSktime(**TINY).fit(X_train, y_train)
    clf = MLSTMFCNSktime(**TINY).fit(convert_to(X_train, to_type=mtype), y_train)
    np.testing.assert_allclose(clf.predict_proba(convert_to(X_test, to_type=mtype)),
                               reference.predict_proba(X_test), rtol=1e-5, atol=1e-6)
    # The adapter delegates: the same as the sklearn estimator with the same parameters.
    direct = MLSTMFCNClassifier(**TINY).fit(X_train, y_train)
    np.testing.assert_allclose(direct.predict_proba(X_test), reference.predict_proba(X_test), rtol=1e-5, atol=1e-6)
    assert list(reference.classes_) == list(direct.classes_)


def test_unequal_length_nested_univ():
    from mlstm_fcn.datasets import load_uea, series_lengths

    X, y = load_uea("JapaneseVowels", split="train")
    X, y = X[::10], y[::10]
    lengths = series_lengths(X)
    assert len(set(lengths)) > 1
    series = [x[:, :n] for x, n in zip(X, lengths)]  # list of (C, T_i)
    import pandas as pd

    nested = pd.DataFrame([[pd.Series(s[c]) for c in range(s.shape[0])] for s in series])
    clf = MLSTMFCNSktime(**TINY).fit(nested, y)
    assert not clf.estimator_.equal_length_
    proba = clf.predict_proba(nested)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(proba, clf.estimator_.predict_proba(series), rtol=1e-6)


def test_package_import_does_not_import_sktime():
    code = "import sys, mlstm_fcn; assert 'sktime' not in sys.modules, 'sktime imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_regressor_adapter_mirrors_the_regressor_and_delegates():
    from sktime.datasets import load_tecator

    from mlstm_fcn import MLSTMFCNRegressor
    from mlstm_fcn.sktime_adapter import MLSTMFCNRegressorSktime

    ours = inspect.signature(MLSTMFCNRegressorSktime.__init__).parameters
    theirs = inspect.signature(MLSTMFCNRegressor.__init__).parameters
    assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]
    X, y = load_tecator(split="train", return_type="numpy3D")
    tiny = MLSTMFCNRegressorSktime.get_test_params()[0]
    adapter = MLSTMFCNRegressorSktime(**tiny).fit(X[:40], y[:40])
    direct = MLSTMFCNRegressor(**tiny).fit(X[:40].astype(np.float64), np.asarray(y[:40], dtype=np.float64))
    np.testing.assert_allclose(adapter.predict(X[40:50]), direct.predict(X[40:50].astype(np.float64)),
                               rtol=1e-5, atol=1e-6)


def test_sktime_adapter_pickles_of_earlier_versions_and_positional_parameters():
    import pickle

    adapter = MLSTMFCNSktime(4, epochs=3)
    assert adapter.lstm_units == 4 and adapter.epochs == 3
    state = adapter.__getstate__() if hasattr(adapter, "__getstate__") else dict(adapter.__dict__)
    state = dict(state)
    state.pop("bn_statistics"), state.pop("stop_when_fitted")  # what an earlier version pickled
    old = MLSTMFCNSktime.__new__(MLSTMFCNSktime)
    old.__setstate__(state)
    assert old.get_params()["bn_statistics"] == "running" and old.get_params()["stop_when_fitted"] is None
    assert pickle.loads(pickle.dumps(adapter)).get_params() == adapter.get_params()
