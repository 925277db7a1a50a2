"""Grid search over MLSTM-FCN's LSTM size in a 3D scikit-learn pipeline, on bundled UEA data.
==========================================================================================

The search, in two lines::

    pipe = make_pipeline(ChannelStandardScaler(), MLSTMFCNClassifier(...))
    GridSearchCV(pipe, {"mlstmfcnclassifier__lstm_units": [8, 64, 128]}, cv=StratifiedKFold(3))

The paper's grid over LSTM cells, chosen by cross-validation on the training split only; the test
split is scored once, at the end. Run: python examples/pipeline_grid_search.py [--dataset NAME]
[--epochs N] [--smoke]. ``--smoke`` (or MLSTM_FCN_SMOKE=1) runs a tiny configuration in seconds.
"""

import argparse
import os
import time

from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from mlstm_fcn import ChannelStandardScaler, MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--dataset", default="BasicMotions")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--smoke", action="store_true", default=os.environ.get("MLSTM_FCN_SMOKE") == "1",
                        help="tiny network and 2 epochs (also MLSTM_FCN_SMOKE=1)")
    args = parser.parse_args()

    X_train, y_train = load_uea(args.dataset, split="train")
    X_test, y_test = load_uea(args.dataset, split="test")
    print(f"{args.dataset}: train {X_train.shape}, test {X_test.shape}")

    net = dict(epochs=args.epochs, device=args.device, random_state=0)
    grid = {"mlstmfcnclassifier__lstm_units": [8, 64, 128]}
    if args.smoke:
        net.update(epochs=2, filters=(8, 8, 8), kernel_sizes=(3, 3, 3), se_reduction=4)
        grid = {"mlstmfcnclassifier__lstm_units": [2, 4]}
    pipe = make_pipeline(ChannelStandardScaler(), MLSTMFCNClassifier(**net))

    start = time.perf_counter()
    search = GridSearchCV(pipe, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0), n_jobs=args.n_jobs)
    search.fit(X_train, y_train)
    print(f"grid search: {time.perf_counter() - start:.1f} s")
    for params, mean, std in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"],
                                 search.cv_results_["std_test_score"]):
        print(f"  {params}: CV accuracy {mean:.3f} +- {std:.3f}")
    print(f"best: {search.best_params_}, CV accuracy {search.best_score_:.3f}")
    print(f"test accuracy of the refitted best pipeline: {search.score(X_test, y_test):.4f}")

    scores = cross_val_score(search.best_estimator_, X_train, y_train, cv=3)
    print(f"cross_val_score of the best pipeline (3 folds): {scores.round(3).tolist()}")


if __name__ == "__main__":
    main()
