"""Save a trained model to a file, load it back (in another process, even without a GPU), predict.
===============================================================================================

Also shows the same with the command line: `mlstm-fcn predict MODEL FILE.ts --proba`.

Run: python examples/save_load.py [--epochs N] [--out DIR] [--smoke]
(--smoke, or MLSTM_FCN_SMOKE=1: a tiny network, 2 epochs, files in a temporary folder.)
"""

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import BUNDLED_DIR, load_uea


def save(clf, path: Path) -> None:
    if hasattr(clf, "save"):  # the safe model file format
        clf.save(path)
    else:  # older versions: pickle (only ever load pickles you trust)
        path.write_bytes(pickle.dumps(clf))


def load(path: Path) -> MLSTMFCNClassifier:
    if hasattr(MLSTMFCNClassifier, "load"):
        return MLSTMFCNClassifier.load(path)
    return pickle.loads(path.read_bytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", default="examples/figures", help="folder for the model file")
    parser.add_argument("--smoke", action="store_true", help="tiny, fast run (for CI)")
    args = parser.parse_args()
    smoke = args.smoke or os.environ.get("MLSTM_FCN_SMOKE") == "1"
    out = Path(tempfile.mkdtemp(prefix="mlstm-fcn-") if smoke and args.out == parser.get_default("out")
               else args.out)
    out.mkdir(parents=True, exist_ok=True)

    X_train, y_train = load_uea("RacketSports", split="train")
    X_test, y_test = load_uea("RacketSports", split="test")
    params = dict(epochs=args.epochs, device=args.device, random_state=0)
    if smoke:
        params.update(epochs=2, filters=(8, 8, 8), kernel_sizes=(3, 3, 3), lstm_units=4)
    clf = MLSTMFCNClassifier(**params).fit(X_train, y_train)
    print(f"RacketSports test accuracy: {clf.score(X_test, y_test):.4f}")

    path = out / "racket_sports.model"
    save(clf, path)
    print(f"saved {path} ({path.stat().st_size / 1024:.0f} KiB)")

    restored = load(path)
    same = np.allclose(restored.predict_proba(X_test), clf.predict_proba(X_test), atol=1e-6)
    print(f"loaded model gives the same probabilities: {same}")
    if not same:
        sys.exit("the loaded model differs from the saved one")

    # The command line reads the same file: `mlstm-fcn predict MODEL SERIES.ts`.
    ts = BUNDLED_DIR / "RacketSports" / "RacketSports_TEST.ts"
    cmd = [sys.executable, "-m", "mlstm_fcn", "predict", str(path), str(ts), "--quiet"]
    print("$ mlstm-fcn predict", path, ts)
    listing = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()
    print("\n".join(listing[:6] + [f"... ({len(listing) - 2} series)"]))


if __name__ == "__main__":
    main()
