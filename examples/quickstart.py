"""Train MLSTM-FCN on the bundled BasicMotions dataset and evaluate it on its test split.
======================================================================================

Run: python examples/quickstart.py [--epochs N] [--device auto|cpu|cuda] [--smoke]
(--smoke, or MLSTM_FCN_SMOKE=1: a tiny network and 2 epochs, to check that everything runs.)
"""

import argparse
import os
import time

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--dataset", default="BasicMotions")
    parser.add_argument("--epochs", type=int, default=None, help="most epochs (default: the estimator's)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="tiny, fast run (for CI)")
    args = parser.parse_args()
    smoke = args.smoke or os.environ.get("MLSTM_FCN_SMOKE") == "1"

    X_train, y_train = load_uea(args.dataset, split="train")
    X_test, y_test = load_uea(args.dataset, split="test")
    print(f"{args.dataset}: train {X_train.shape}, test {X_test.shape}, {len(set(y_train))} classes")

    params = dict(device=args.device, random_state=args.seed, verbose=1)
    if args.epochs is not None:
        params["epochs"] = args.epochs
    if smoke:
        params.update(epochs=2, filters=(8, 8, 8), kernel_sizes=(3, 3, 3), lstm_units=4)
    clf = MLSTMFCNClassifier(**params)
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    accuracy = clf.score(X_test, y_test)
    print(f"device {clf.device_}: {clf.n_epochs_} epochs in {seconds:.1f} s "
          f"({seconds / clf.n_epochs_:.3f} s/epoch), best epoch {clf.best_epoch_}")
    print(f"test accuracy: {accuracy:.4f}")


if __name__ == "__main__":
    main()
