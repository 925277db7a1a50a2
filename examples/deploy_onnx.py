"""Deploy a fitted classifier as one ONNX file, then predict with ONNX Runtime and numpy alone.
============================================================================================

The second half (``deploy``) is what runs where the series are made: it
imports neither mlstm-fcn nor torch, and reads the class labels from the
model's metadata. It runs in a separate Python process to show that.

Run: python examples/deploy_onnx.py [--epochs N] [--out DIR] [--smoke]
(--smoke, or MLSTM_FCN_SMOKE=1: a tiny network, 2 epochs, files in a temporary folder.)
Needs the export extra: pip install 'mlstm-fcn[export]'.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

# The README's "Deploy" lines (tests/test_onnx_export.py checks that they are all here).
DEPLOY = '''
import json

import numpy as np
import onnxruntime as ort

X = np.load("series.npy")  # (n, n_channels, n_timepoints), raw values
session = ort.InferenceSession("model.onnx", providers=["CPUExecutionProvider"])
meta = {k: json.loads(v) for k, v in session.get_modelmeta().custom_metadata_map.items()}
proba = session.run(["probabilities"], {"series": X.astype(np.float32)})[0]
labels = np.array(meta["classes"])[proba.argmax(axis=1)]
print("\\n".join(labels))
'''


def main() -> None:
    from mlstm_fcn import MLSTMFCNClassifier
    from mlstm_fcn.datasets import load_uea

    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--out", default="examples/figures", help="folder for the .onnx file")
    parser.add_argument("--smoke", action="store_true", help="tiny, fast run (for CI)")
    args = parser.parse_args()
    smoke = args.smoke or os.environ.get("MLSTM_FCN_SMOKE") == "1"
    out = Path(tempfile.mkdtemp(prefix="mlstm-fcn-") if smoke and args.out == parser.get_default("out")
               else args.out)
    out.mkdir(parents=True, exist_ok=True)

    X_train, y_train = load_uea("BasicMotions", split="train")
    X_test, y_test = load_uea("BasicMotions", split="test")
    params = dict(epochs=args.epochs, device="cpu", random_state=0)
    if smoke:
        params.update(epochs=2, filters=(8, 8, 8), kernel_sizes=(3, 3, 3), se_reduction=4, lstm_units=4)
    clf = MLSTMFCNClassifier(**params).fit(X_train, y_train)
    path = out / "model.onnx"
    clf.export_onnx(path)
    print(f"exported {path} ({path.stat().st_size / 1024:.0f} kB)")

    # Where the series are made: numpy and onnxruntime only, in a fresh interpreter.
    np.save(out / "series.npy", X_test)
    run = subprocess.run([sys.executable, "-c", DEPLOY], cwd=out, capture_output=True, text=True, check=True)
    labels = np.array(run.stdout.split())
    print(f"same labels as predict: {bool((labels == clf.predict(X_test)).all())}")
    print(f"test accuracy: {(labels == y_test).mean():.4f}")


if __name__ == "__main__":
    main()
