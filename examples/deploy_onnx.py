"""
Deploy a fitted classifier as one ONNX file, predict with ONNX Runtime and numpy alone
======================================================================================

``export_onnx`` writes the network, its input scaling and the class labels (in the model's metadata)
to one ``.onnx`` file. Where the series are made, predicting needs neither mlstm-fcn nor torch: the
lines of the second part import numpy and ONNX Runtime only, and run here in a separate Python
process to show that. Exporting needs the ``export`` extra: ``pip install 'mlstm-fcn[export]'``.
"""

# %%
# Train and export
# ----------------
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea

X_train, y_train = load_uea("BasicMotions", split="train")
X_test, y_test = load_uea("BasicMotions", split="test")
clf = MLSTMFCNClassifier(epochs=40, n_jobs=-1, random_state=0).fit(X_train, y_train)

folder = Path(tempfile.mkdtemp(prefix="mlstm-fcn-"))
path = folder / "model.onnx"
clf.export_onnx(path)
print(f"exported {path.name} ({path.stat().st_size / 1024:.0f} kB)")

# %%
# Predict where the series are made
# ---------------------------------
# These lines are all a deployment needs (the test series are saved to ``series.npy`` for them).
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

np.save(folder / "series.npy", X_test)
run = subprocess.run([sys.executable, "-c", DEPLOY], cwd=folder, capture_output=True, text=True, check=True)
labels = np.array(run.stdout.split())
same = bool((labels == clf.predict(X_test)).all())
print(f"same labels as predict: {same}")
print(f"test accuracy: {(labels == y_test).mean():.4f}")
assert same
