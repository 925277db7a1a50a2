"""What MLSTM-FCN looks at: squeeze-and-excitation gates per class and class activation maps.
==========================================================================================

Trains on the bundled BasicMotions dataset (6 channels: 3D accelerometer and gyroscope of a smart
watch, four activities) and writes to ``--out``::

  history.png    loss, accuracy and learning rate per epoch
  confusion.png  confusion matrix on the test split
  se_gates.png   mean SE gate of every filter, per class (which filters each activity turns up)
  cam.png        one test series per class with the class activation map of its predicted class

Run: python examples/channel_attention.py [--epochs N] [--out DIR] [--smoke]
(--smoke, or MLSTM_FCN_SMOKE=1: a tiny network, 2 epochs, figures in a temporary folder.)
"""

import argparse
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mlstm_fcn import MLSTMFCNClassifier  # noqa: E402
from mlstm_fcn.datasets import load_uea  # noqa: E402
from mlstm_fcn.interpret import class_activation_maps, se_gates_by_class  # noqa: E402
from mlstm_fcn.plotting import plot_cam, plot_confusion_matrix, plot_history, plot_se_gates  # noqa: E402

CHANNELS = ["acc x", "acc y", "acc z", "gyro x", "gyro y", "gyro z"]  # BasicMotions' order


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--dataset", default="BasicMotions")
    parser.add_argument("--epochs", type=int, default=None, help="epoch cap (default: the estimator's)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="examples/figures", help="folder for the figures")
    parser.add_argument("--smoke", action="store_true", help="tiny, fast run (for CI)")
    args = parser.parse_args()
    smoke = args.smoke or os.environ.get("MLSTM_FCN_SMOKE") == "1"
    out = Path(tempfile.mkdtemp(prefix="mlstm-fcn-") if smoke and args.out == parser.get_default("out")
               else args.out)
    out.mkdir(parents=True, exist_ok=True)

    X_train, y_train = load_uea(args.dataset, split="train")
    X_test, y_test = load_uea(args.dataset, split="test")
    params = dict(device=args.device, random_state=args.seed, verbose=1)
    if args.epochs is not None:
        params.update(epochs=args.epochs)
    if smoke:
        params.update(epochs=2, filters=(8, 8, 8), kernel_sizes=(3, 3, 3), lstm_units=4)
    clf = MLSTMFCNClassifier(**params).fit(X_train, y_train)
    y_pred = clf.predict(X_test)
    print(f"test accuracy: {np.mean(y_pred == y_test):.4f}")

    names = CHANNELS if X_train.shape[1] == len(CHANNELS) and args.dataset == "BasicMotions" else None
    plot_history(clf, title=f"{args.dataset}: training").savefig(out / "history.png", dpi=90)
    plot_confusion_matrix(y_test, y_pred, labels=clf.classes_,
                          title=f"{args.dataset} test").savefig(out / "confusion.png", dpi=90)

    # Gates grouped by true class: how the network recalibrates its filters for each activity.
    classes, means = se_gates_by_class(clf, X_test, y_test)
    plot_se_gates(classes, means, sort=True, title=f"{args.dataset} test: mean SE gate per class").savefig(
        out / "se_gates.png", dpi=80)

    # One test series of each class, with the map of the class the model predicts for it.
    cam = class_activation_maps(clf, X_test)
    shown = [int(np.flatnonzero(y_test == c)[0]) for c in clf.classes_]
    fig, axes = plt.subplots(len(shown), 1, figsize=(9, 2.1 * len(shown)), sharex=True, layout="constrained")
    axes = np.atleast_1d(axes)
    for n, (ax, i) in enumerate(zip(axes, shown)):
        c = int(np.flatnonzero(clf.classes_ == y_pred[i])[0])
        plot_cam(X_test[i], cam[i, c], label=str(y_pred[i]), channel_names=names, ax=ax, legend=n == 0,
                 title=f"test series {i}: true {y_test[i]}, predicted {y_pred[i]}")
        if n < len(shown) - 1:
            ax.set_xlabel("")
    fig.savefig(out / "cam.png", dpi=72)
    plt.close("all")
    print(f"figures written to {out}")


if __name__ == "__main__":
    main()
