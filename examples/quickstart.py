"""
Quickstart: train on BasicMotions and evaluate on its test split
================================================================

MLSTM-FCN is a scikit-learn estimator: ``fit`` on series, ``predict`` labels, ``score`` the accuracy.
This example trains it on BasicMotions, one of the UEA datasets bundled with the repository: 40
training and 40 test recordings of a smart watch (3D accelerometer and gyroscope, 6 channels,
100 steps) during four activities (standing, walking, running, badminton).
"""

# %%
# Load the data
# -------------
# :func:`~mlstm_fcn.datasets.load_uea` returns the series as a float32 array of shape
# ``(n_series, n_channels, n_timepoints)`` and the labels as an array of strings.
import time

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea

X_train, y_train = load_uea("BasicMotions", split="train")
X_test, y_test = load_uea("BasicMotions", split="test")
print(f"train {X_train.shape}, test {X_test.shape}, classes {sorted(set(y_train))}")

# %%
# Train
# -----
# The network is the paper's (128/256/128 convolution filters, an 8-cell LSTM over the channels).
# By default a fit trains at least 100 epochs and goes on while the network still learns; here 40
# epochs are enough for this easy dataset and keep the page quick to build. ``n_jobs=-1`` trains on
# every CPU core; ``device="auto"`` (the default) uses a GPU when there is one.
clf = MLSTMFCNClassifier(epochs=40, n_jobs=-1, random_state=0)
start = time.perf_counter()
clf.fit(X_train, y_train)
seconds = time.perf_counter() - start
print(f"{clf.n_epochs_} epochs on {clf.device_} in {seconds:.0f} s; best epoch kept: {clf.best_epoch_}")

# %%
# Evaluate
# --------
# ``score`` is the accuracy on the test split, which training never saw.
print(f"test accuracy: {clf.score(X_test, y_test):.4f}")
print("first predictions:", clf.predict(X_test[:5]), "true:", y_test[:5])
