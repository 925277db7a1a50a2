"""``n_jobs``: torch's CPU threads during fit, prediction and the other passes, restored afterwards."""

import functools
import os
import pickle
import time
import warnings

import joblib
import numpy as np
import pytest
import torch
from joblib import parallel_config
from sklearn.model_selection import cross_val_score
from sklearn.utils._param_validation import InvalidParameterError
from threadpoolctl import threadpool_limits

from mlstm_fcn import MLSTMFCNClassifier, MLSTMFCNRegressor, cli, load_model
from mlstm_fcn import inference
from mlstm_fcn._runtime.threads import resolve_threads

from .conftest import FAST

TINY = dict(FAST, epochs=2, random_state=0)

needs_two_cores = pytest.mark.skipif(joblib.cpu_count() < 2, reason="needs two CPU cores")


@pytest.fixture
def two_torch_threads():
    """torch allowed two threads as each test begins (whatever other tests set), restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _threads_per_epoch(est, X, y, **fit_kw) -> list[int]:
    seen = []
    est.set_params(callbacks=[lambda end: seen.append(torch.get_num_threads())])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # two epochs end at their cap on purpose
        est.fit(X, y, **fit_kw)
    return seen


@pytest.mark.parametrize("bad", [0, True, 1.5, "2"])
def test_n_jobs_is_checked(tiny_data, bad):
    X, y = tiny_data
    with pytest.raises(InvalidParameterError, match="n_jobs"):
        MLSTMFCNClassifier(**TINY, n_jobs=bad).fit(X, y)


@needs_two_cores
@pytest.mark.usefixtures("two_torch_threads")
@pytest.mark.parametrize("n_jobs, expected", [(None, 1), (1, 1), (2, 2), (-1, 2), (64, 2)])
def test_fit_runs_on_the_resolved_threads_and_restores_the_callers(tiny_data, n_jobs, expected):
    X, y = tiny_data
    seen = _threads_per_epoch(MLSTMFCNClassifier(**TINY, n_jobs=n_jobs), X, y)
    assert seen == [expected, expected] == [resolve_threads(n_jobs)] * 2
    assert torch.get_num_threads() == 2


@needs_two_cores
@pytest.mark.usefixtures("two_torch_threads")
def test_a_joblib_context_sets_the_default_and_an_environment_limit_caps_it(tiny_data):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**TINY)
    with parallel_config(n_jobs=2):
        assert _threads_per_epoch(clf, X, y) == [2, 2]
    with threadpool_limits(limits=1):  # what OMP_NUM_THREADS=1 says too
        assert _threads_per_epoch(clf.set_params(n_jobs=-1), X, y) == [1, 1]
    assert torch.get_num_threads() == 2


@pytest.mark.usefixtures("two_torch_threads")
def test_threads_are_restored_after_a_failed_fit(tiny_data):
    X, y = tiny_data

    def fail(end):
        assert torch.get_num_threads() == 1
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        MLSTMFCNRegressor(**TINY, callbacks=[fail]).fit(X, np.arange(len(X), dtype=float))
    assert torch.get_num_threads() == 2


@needs_two_cores
@pytest.mark.usefixtures("two_torch_threads")
def test_predictions_and_recomputed_statistics_run_on_n_jobs_threads(tiny_data):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**TINY).fit(X, y)
    seen = []
    clf.network_.register_forward_hook(lambda *args: seen.append(torch.get_num_threads()))
    clf.predict_proba(X)
    clf.set_params(n_jobs=2).predict(X)
    clf.set_params(n_jobs=None).score(X, y)
    assert seen == [1, 2, 1]  # one batch each
    bn = []
    conv = next(m for m in clf.network_.modules() if isinstance(m, torch.nn.Conv1d))
    conv.register_forward_hook(lambda *args: bn.append(torch.get_num_threads()))
    clf.set_params(n_jobs=2).recompute_bn_statistics(X)
    assert bn and set(bn) == {2}
    assert torch.get_num_threads() == 2
    with pytest.raises(ValueError, match="n_jobs must be None"):
        clf.set_params(n_jobs=0).predict(X)


def test_models_keep_n_jobs_in_files_and_pickles_and_older_pickles_get_the_default(tiny_data, tmp_path):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**TINY, n_jobs=2).fit(X, y)
    clf.save(tmp_path / "m.model")
    assert load_model(tmp_path / "m.model").n_jobs == 2
    assert pickle.loads(pickle.dumps(clf)).n_jobs == 2
    state = clf.__getstate__()
    del state["n_jobs"]  # a pickle written before the parameter existed
    old = MLSTMFCNClassifier.__new__(MLSTMFCNClassifier)
    old.__setstate__(state)
    assert old.n_jobs is None
    np.testing.assert_array_equal(old.predict(X), clf.predict(X))


def test_n_jobs_does_not_name_another_checkpoint(tiny_data, tmp_path):
    X, y = tiny_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MLSTMFCNClassifier(**TINY, checkpoint_dir=tmp_path).fit(X, y)
        MLSTMFCNClassifier(**TINY, checkpoint_dir=tmp_path, n_jobs=2).fit(X, y)
    assert len({p.name.split(".")[0] for p in tmp_path.iterdir()}) == 1


def _note_threads(folder, end) -> None:
    (folder / f"{os.getpid()}-{end.epoch}-{time.monotonic_ns()}").write_text(str(torch.get_num_threads()))


@pytest.mark.slow
def test_fits_inside_a_parallel_cross_validation_run_on_one_thread_each_with_the_serial_scores(tiny_data, tmp_path):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**TINY, callbacks=[functools.partial(_note_threads, tmp_path)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        serial = cross_val_score(clf, X, y, cv=2)
        parallel = cross_val_score(clf, X, y, cv=2, n_jobs=2)
    np.testing.assert_array_equal(serial, parallel)  # one thread in a worker as here: the same numbers
    notes = [p.read_text() for p in tmp_path.iterdir()]
    assert len(notes) == 2 * 2 * 2 and set(notes) == {"1"}  # (serial, parallel) x folds x epochs


def test_cli_threads_option(tmp_path, monkeypatch, capsys):
    path = tmp_path / "m.model"
    tiny = ["--epochs", "2", "--filters", "8,8,8", "--kernel-sizes", "3,3,3", "--lstm-units", "4",
            "--se-reduction", "4", "--device", "cpu", "--quiet"]
    assert cli.main(["fit", "BasicMotions", "--out", str(path), "--threads", "1", *tiny]) == 0
    assert load_model(path).n_jobs == 1
    passes = []
    real = inference.cpu_threads

    def spy(n_jobs):
        passes.append(n_jobs)
        return real(n_jobs)

    monkeypatch.setattr(inference, "cpu_threads", spy)
    assert cli.main(["predict", str(path), "BasicMotions", "--threads", "-1", "--json"]) == 0
    assert cli.main(["evaluate", str(path), "BasicMotions", "--threads", "none", "--json"]) == 0
    assert cli.main(["predict", str(path), "BasicMotions", "--json"]) == 0  # the model's own
    assert passes == [-1, None, 1]
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        cli.main(["predict", str(path), "BasicMotions", "--threads", "0"])
    assert exc.value.code == 2 and "--threads" in capsys.readouterr().err
