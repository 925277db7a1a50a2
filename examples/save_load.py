"""
Save a trained model, load it back, predict (in Python and on the command line)
===============================================================================

A fitted estimator saves to one file (``save``) that loads back anywhere (``load``, or
:func:`~mlstm_fcn.load_model` when the estimator type is not known): a model trained on a GPU
predicts on a CPU-only machine. The ``mlstm-fcn`` command line reads the same file. The data here are
RacketSports (a smart watch on a racket arm: badminton or squash, clear or smash; 6 channels, 30
steps).
"""

# %%
# Train and save
# --------------
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from mlstm_fcn import MLSTMFCNClassifier, load_model
from mlstm_fcn.datasets import BUNDLED_DIR, load_uea

X_train, y_train = load_uea("RacketSports", split="train")
X_test, y_test = load_uea("RacketSports", split="test")
clf = MLSTMFCNClassifier(epochs=40, n_jobs=-1, random_state=0).fit(X_train, y_train)
print(f"RacketSports test accuracy: {clf.score(X_test, y_test):.4f}")

folder = Path(tempfile.mkdtemp(prefix="mlstm-fcn-"))
path = folder / "racket_sports.model"
clf.save(path)
print(f"saved {path.name} ({path.stat().st_size / 1024:.0f} KiB)")

# %%
# Load and predict
# ----------------
# The loaded model gives the same probabilities as the one that was saved.
restored = MLSTMFCNClassifier.load(path)
same = np.allclose(restored.predict_proba(X_test), clf.predict_proba(X_test), atol=1e-6)
print(f"loaded model gives the same probabilities: {same}")
assert same
print(f"load_model gives a {type(load_model(path)).__name__}")

# %%
# The same file on the command line
# ---------------------------------
# ``mlstm-fcn predict MODEL SERIES.ts`` prints one prediction per series (here run from Python;
# ``python -m mlstm_fcn`` is the ``mlstm-fcn`` command).
ts = BUNDLED_DIR / "RacketSports" / "RacketSports_TEST.ts"
cmd = [sys.executable, "-m", "mlstm_fcn", "predict", str(path), str(ts), "--quiet"]
print("$ mlstm-fcn predict racket_sports.model RacketSports_TEST.ts --quiet")
listing = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()
print("\n".join(listing[:6] + [f"... ({len(listing) - 2} series)"]))
