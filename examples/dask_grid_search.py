"""
The same grid search spread over a Dask cluster: one process (and one GPU) per worker
=====================================================================================

Only the ``with joblib.parallel_backend("dask"):`` line differs from a local search (see the grid
search example). Each worker process sees at most one GPU, so ``device="auto"`` in a worker means
*its* GPU:

- with GPUs: ``dask-cuda``'s ``LocalCUDACluster()`` starts one worker per GPU and sets each one's
  ``CUDA_VISIBLE_DEVICES`` (``--gpus`` below), or start workers by hand with
  ``CUDA_VISIBLE_DEVICES=0 dask worker tcp://sched:8786 --nthreads 1`` (then 1, 2, ...) and pass
  ``--scheduler tcp://sched:8786``;
- without: a ``LocalCluster`` of single-threaded processes on the CPU (the default here).

Run it with ``python examples/dask_grid_search.py [--n-workers 2] [--gpus] [--scheduler ADDRESS]
[--epochs N]``. It is not run when the documentation is built, since it starts a cluster of worker
processes, so this page shows no output.
"""

# %%
import argparse
import time

import joblib
from dask.distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from mlstm_fcn import ChannelStandardScaler, MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea


def make_cluster(args):
    if args.scheduler:
        return None  # connect to workers started elsewhere
    if args.gpus:
        from dask_cuda import LocalCUDACluster  # pip install dask-cuda

        return LocalCUDACluster(threads_per_worker=1)  # one worker per visible GPU
    # dashboard on a free port: several clusters may share the machine.
    return LocalCluster(n_workers=args.n_workers, processes=True, threads_per_worker=1, dashboard_address=":0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--dataset", default="BasicMotions")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--n-workers", type=int, default=2)
    parser.add_argument("--gpus", action="store_true", help="one worker per GPU with dask-cuda")
    parser.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    args = parser.parse_args()

    X_train, y_train = load_uea(args.dataset, split="train")
    X_test, y_test = load_uea(args.dataset, split="test")
    net = dict(epochs=args.epochs, device="auto", random_state=0)
    grid = {"mlstmfcnclassifier__lstm_units": [8, 64, 128]}
    pipe = make_pipeline(ChannelStandardScaler(), MLSTMFCNClassifier(**net))
    search = GridSearchCV(pipe, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0), n_jobs=-1)

    cluster = make_cluster(args)
    with Client(cluster if cluster is not None else args.scheduler) as client:
        print(f"dask dashboard: {client.dashboard_link}; workers: {len(client.scheduler_info()['workers'])}")
        start = time.perf_counter()
        with joblib.parallel_backend("dask"):  # the one line that distributes the search
            search.fit(X_train, y_train)
        print(f"grid search on the cluster: {time.perf_counter() - start:.1f} s")
    if cluster is not None:
        cluster.close()
    for params, mean in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
        print(f"  {params}: CV accuracy {mean:.3f}")
    print(f"best: {search.best_params_}, CV accuracy {search.best_score_:.3f}")
    print(f"test accuracy of the refitted best pipeline: {search.score(X_test, y_test):.4f}")


if __name__ == "__main__":
    main()
