"""Series of unequal length: JapaneseVowels (12 channels, 7 to 29 steps per utterance).
====================================================================================

The loader returns the series NaN-padded at the end; the classifier reads the padding as such and
masks it (batch-norm statistics, SE squeeze and global pooling count valid steps only), so a series
gets the same prediction alone as in a padded batch. Lists of (channels, length) arrays work too.
Writes vowels_lengths.png (length histogram per split) and vowels_history.png to --out.

Run: python examples/unequal_length.py [--epochs N] [--out DIR] [--smoke]
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
from mlstm_fcn.datasets import load_uea, series_lengths  # noqa: E402
from mlstm_fcn.plotting import plot_history  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="examples/figures", help="folder for the figures")
    parser.add_argument("--smoke", action="store_true", help="tiny, fast run (for CI)")
    args = parser.parse_args()
    smoke = args.smoke or os.environ.get("MLSTM_FCN_SMOKE") == "1"
    out = Path(tempfile.mkdtemp(prefix="mlstm-fcn-") if smoke and args.out == parser.get_default("out")
               else args.out)
    out.mkdir(parents=True, exist_ok=True)

    X_train, y_train = load_uea("JapaneseVowels", split="train")  # (270, 12, 26), NaN-padded
    X_test, y_test = load_uea("JapaneseVowels", split="test")
    len_train, len_test = series_lengths(X_train), series_lengths(X_test)
    print(f"train {X_train.shape}, lengths {len_train.min()}-{len_train.max()}; "
          f"test {X_test.shape}, lengths {len_test.min()}-{len_test.max()}")

    params = dict(epochs=args.epochs, device=args.device, random_state=args.seed, verbose=1)
    if smoke:
        params.update(epochs=2, filters=(8, 8, 8), kernel_sizes=(3, 3, 3), lstm_units=4)
    clf = MLSTMFCNClassifier(**params).fit(X_train, y_train)
    print(f"equal length: {clf.equal_length_}, longest seen: {clf.n_timepoints_}")
    print(f"test accuracy: {clf.score(X_test, y_test):.4f}")

    # The same series as a list of arrays cut to their true lengths: same probabilities.
    as_list = [x[:, :n] for x, n in zip(X_test[:5], len_test[:5])]
    same = np.allclose(clf.predict_proba(as_list), clf.predict_proba(X_test[:5]), atol=1e-5)
    print(f"list of unequal arrays gives the same probabilities as the padded array: {same}")
    alone = clf.predict_proba(as_list[:1])
    print(f"one series alone gives the same as in the batch: "
          f"{np.allclose(alone, clf.predict_proba(X_test[:5])[:1], atol=1e-5)}")

    fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    bins = np.arange(min(len_train.min(), len_test.min()), max(len_train.max(), len_test.max()) + 2) - 0.5
    ax.hist([len_train, len_test], bins=bins, label=["train", "test"])
    ax.set_xlabel("series length (steps)")
    ax.set_ylabel("series")
    ax.legend(frameon=False)
    ax.set_title("JapaneseVowels: lengths")
    fig.savefig(out / "vowels_lengths.png", dpi=90)
    plot_history(clf, title="JapaneseVowels: training").savefig(out / "vowels_history.png", dpi=90)
    plt.close("all")
    print(f"figures written to {out}")


if __name__ == "__main__":
    main()
