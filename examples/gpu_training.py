"""Train on a GPU when there is one (falls back to the CPU with a message when not).
=================================================================================

The whole training set goes to the GPU once and batches are indexed there, so small UEA datasets train
much faster than on a CPU. A model trained on a GPU predicts on a CPU-only machine after loading.

Run: python examples/gpu_training.py [--dataset NAME] [--epochs N] [--smoke]
(--smoke, or MLSTM_FCN_SMOKE=1: a tiny network and 2 epochs.)
"""

import argparse
import os
import time

import torch

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--dataset", default="ERing")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--device", default="cuda", help="cuda or cuda:N (cpu when no GPU)")
    parser.add_argument("--smoke", action="store_true", help="tiny, fast run (for CI)")
    args = parser.parse_args()
    smoke = args.smoke or os.environ.get("MLSTM_FCN_SMOKE") == "1"

    device = args.device
    if not torch.cuda.is_available():
        print("No CUDA GPU available (torch.cuda.is_available() is False): training on the CPU instead.")
        device = "cpu"
    else:
        print(f"GPU: {torch.cuda.get_device_name(torch.device(device))}")

    X_train, y_train = load_uea(args.dataset, split="train")
    X_test, y_test = load_uea(args.dataset, split="test")
    params = dict(epochs=args.epochs, device=device, random_state=0, verbose=1)
    if smoke:
        params.update(epochs=2, filters=(8, 8, 8), kernel_sizes=(3, 3, 3), lstm_units=4)
    clf = MLSTMFCNClassifier(**params)
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    if clf.device_.type == "cuda":
        torch.cuda.synchronize(clf.device_)
    seconds = time.perf_counter() - start
    print(f"{args.dataset} on {clf.device_}: {clf.n_epochs_} epochs in {seconds:.1f} s "
          f"({1000 * seconds / clf.n_epochs_:.0f} ms/epoch); test accuracy {clf.score(X_test, y_test):.4f}")


if __name__ == "__main__":
    main()
