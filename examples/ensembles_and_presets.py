"""An ensemble of MLSTM-FCNs against the paper's single network, on a bundled dataset.
===================================================================================

Trains the faithful paper configuration (``from_preset("paper")``) and the same network as an ensemble
of ``--members`` seeds (``n_estimators``), then compares their test accuracy with that of each member
alone. Writes to ``--out``::

  ensemble.png   training loss of every member, and test accuracy: each member, the ensemble, the paper

Run: python examples/ensembles_and_presets.py [--dataset ERing] [--members 5] [--epochs N] [--out DIR] [--smoke]
(--smoke, or MLSTM_FCN_SMOKE=1: a tiny network, 2 epochs, the figure in a temporary folder.)
"""

import argparse
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from mlstm_fcn import MLSTMFCNClassifier  # noqa: E402
from mlstm_fcn.datasets import load_uea  # noqa: E402
from mlstm_fcn.interpret import member_probabilities  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--dataset", default="ERing")
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="examples/figures", help="folder for the figure")
    parser.add_argument("--smoke", action="store_true", help="tiny, fast run (for CI)")
    args = parser.parse_args()
    smoke = args.smoke or os.environ.get("MLSTM_FCN_SMOKE") == "1"
    out = Path(tempfile.mkdtemp(prefix="mlstm-fcn-") if smoke and args.out == parser.get_default("out")
               else args.out)
    out.mkdir(parents=True, exist_ok=True)

    X_train, y_train = load_uea(args.dataset, split="train")
    X_test, y_test = load_uea(args.dataset, split="test")
    extra = dict(epochs=args.epochs, device=args.device, random_state=args.seed)
    if smoke:
        extra.update(epochs=2, filters=(8, 8, 8), kernel_sizes=(3, 3, 3), lstm_units=4)

    paper = MLSTMFCNClassifier.from_preset("paper", **extra).fit(X_train, y_train)
    ensemble = MLSTMFCNClassifier.from_preset("paper", n_estimators=args.members, verbose=1,
                                              **extra).fit(X_train, y_train)
    acc_paper = paper.score(X_test, y_test)
    acc_ensemble = ensemble.score(X_test, y_test)
    # Each network alone, against the ensemble that averages their probabilities.
    members = [float(np.mean(ensemble.classes_[p.argmax(axis=1)] == y_test))
               for p in member_probabilities(ensemble, X_test)]
    print(f"{args.dataset} test accuracy: paper preset {acc_paper:.4f}; ensemble of {args.members} "
          f"{acc_ensemble:.4f}; its members alone {', '.join(f'{a:.4f}' for a in members)}")

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    for i, (h, best) in enumerate(zip(ensemble.histories_, ensemble.best_epochs_)):
        line, = left.plot(h["epoch"], h["loss"], lw=1, label=f"member {i}")
        left.plot(best, h["loss"][h["epoch"].index(best)], "o", color=line.get_color(), ms=4)
    left.set(yscale="log", xlabel="epoch", ylabel="training loss", title="members (dot: best epoch kept)")
    left.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole (a 2-epoch run showed 1.25)
    left.legend(fontsize=8)
    names = [f"m{i}" for i in range(len(members))] + ["ensemble", "paper"]
    values = members + [acc_ensemble, acc_paper]
    colors = ["#9ecae1"] * len(members) + ["#08519c", "#bdbdbd"]
    right.bar(names, values, color=colors)
    low = max(0.0, min(values) - 0.1)
    right.set(ylim=(low, 1.0), ylabel="test accuracy", title=f"{args.dataset}: test accuracy")
    for x, v in enumerate(values):
        right.text(x, v, f"{v:.3f}", ha="center", va="bottom", fontsize=8)
    fig.savefig(out / "ensemble.png", dpi=90)
    plt.close(fig)
    print(f"figure written to {out}")


if __name__ == "__main__":
    main()
