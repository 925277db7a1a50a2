"""Grid search over a Dask cluster of processes, as on a GPU cluster with one GPU per worker."""

import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("dask.distributed")

import joblib  # noqa: E402
import torch  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from mlstm_fcn import ChannelStandardScaler, MLSTMFCNClassifier  # noqa: E402

from .conftest import FAST  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       dashboard_address=":0")
    with distributed.Client(cluster) as c:
        # The workers import this worktree's package, not another installed copy.
        c.run(sys.path.insert, 0, str(ROOT))
        yield c
    cluster.close()


@pytest.fixture
def one_thread():
    """Dask's nanny starts workers with OMP_NUM_THREADS=1, so torch runs one thread there; the
    local reference runs must too, or float reductions differ in the last bits."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _search():
    pipe = make_pipeline(ChannelStandardScaler(), MLSTMFCNClassifier(**{**FAST, "random_state": 0}))
    return GridSearchCV(pipe, {"mlstmfcnclassifier__lstm_units": [2, 4, 6]},
                        cv=StratifiedKFold(3, shuffle=True, random_state=0), n_jobs=-1)


def test_grid_search_on_dask_matches_sequential(client, basic_motions, one_thread):
    X_train, y_train, X_test, _ = basic_motions
    sequential = _search().set_params(n_jobs=1).fit(X_train, y_train)
    distributed_search = _search()
    with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        distributed_search.fit(X_train, y_train)
    # CPU training is deterministic for a seed: the cluster gives the very same fold scores.
    for k in range(3):
        np.testing.assert_array_equal(distributed_search.cv_results_[f"split{k}_test_score"],
                                      sequential.cv_results_[f"split{k}_test_score"])
    assert distributed_search.best_params_ == sequential.best_params_
    np.testing.assert_array_equal(distributed_search.predict_proba(X_test), sequential.predict_proba(X_test))
    # The fits ran on the cluster, spread over both workers.
    assert len(tasks.data) >= 9 and len({t["worker"] for t in tasks.data}) == 2


def _fit_in_worker(est, X, y):
    # Runs in a worker process: the estimator arrived pickled, unfitted.
    assert not any(k.endswith("_") for k in vars(est)), "unfitted estimator carries fitted state"
    return est.fit(X, y), os.getpid()


def test_estimator_travels_unfitted_and_fitted_between_processes(client, basic_motions, one_thread):
    X_train, y_train, X_test, _ = basic_motions
    est = MLSTMFCNClassifier(**FAST, random_state=0)
    # Unfitted: nothing but the parameters, so nothing device-bound is pickled.
    assert set(vars(pickle.loads(pickle.dumps(est)))) == set(est.get_params())
    fitted, pid = client.submit(_fit_in_worker, est, X_train, y_train, pure=False).result()
    assert pid != os.getpid() and fitted.device_.type == "cpu"
    assert client.run(torch.get_num_threads) == dict.fromkeys(client.run(os.getpid), 1)
    local = MLSTMFCNClassifier(**FAST, random_state=0).fit(X_train, y_train)
    np.testing.assert_array_equal(fitted.predict_proba(X_test), local.predict_proba(X_test))


def _auto_device_with_one_visible_gpu(index):
    # A fresh process, as a dask worker is, that sees one GPU (or none on a CPU machine).
    code = ("import torch; from mlstm_fcn import MLSTMFCNClassifier; from mlstm_fcn._runtime.device import resolve_device;"
            "d = resolve_device('auto'); print(d.type, torch.cuda.device_count())")
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": str(index), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.split()


def test_auto_device_under_cuda_visible_devices():
    dev_type, count = _auto_device_with_one_visible_gpu(0)
    # At most the one GPU the worker was given; "auto" takes it (as its cuda:0) or the CPU without one.
    assert int(count) <= 1
    assert dev_type == ("cuda" if int(count) == 1 else "cpu")


def test_dask_example_runs():
    # The gallery shows this example without running it (it starts a cluster): it runs here, briefly.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "dask_grid_search.py"), "--n-workers", "2",
                          "--epochs", "2"],
                         env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "workers: 2" in out.stdout and "best: {'mlstmfcnclassifier__lstm_units'" in out.stdout
