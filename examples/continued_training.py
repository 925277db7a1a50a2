"""
Checkpoints, resumed fits and continued training
================================================

Three ways to train a model in more than one go:

- ``checkpoint_dir``: a fit writes its full state every ``checkpoint_every`` epochs; if it is stopped,
  the same fit run again resumes from the last checkpoint and ends where an uninterrupted fit ends;
- ``warm_start=True``: ``fit`` on a fitted model trains up to ``epochs`` more epochs from where the last
  fit ended;
- ``partial_fit``: one epoch on the series given, for data that arrives in parts.

The data are ERing (4 channels, 65 steps, 30 training series), small enough to fit many times over.
"""

# %%
# A fit stopped half-way, then resumed
# ------------------------------------
# A callback (called after every epoch) stands in for a crash: it interrupts the fit after epoch 25,
# as Ctrl-C would. The fit keeps the best weights so far; checkpoints were written after epochs 10 and
# 20. Callbacks watch training without changing it, so they are not part of what identifies the run.
import tempfile

import numpy as np

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea
from mlstm_fcn.plotting import plot_history

X_train, y_train = load_uea("ERing", split="train")
X_test, y_test = load_uea("ERing", split="test")
params = dict(epochs=60, min_epochs=None, stop_when_fitted=None, n_jobs=-1, random_state=0)
folder = tempfile.mkdtemp(prefix="mlstm-fcn-ckpt-")


def crash_after_25(event):
    if event.epoch == 25:
        raise KeyboardInterrupt


stopped = MLSTMFCNClassifier(checkpoint_dir=folder, checkpoint_every=10, callbacks=[crash_after_25], **params)
stopped.fit(X_train, y_train)
print(f"stopped after {stopped.n_epochs_} epochs")

# %%
# The same lines again (without the crash) find the checkpoint of epoch 20 and train the remaining
# 40 epochs. On a CPU with an integer ``random_state`` the result is that of a fit never stopped:
resumed = MLSTMFCNClassifier(checkpoint_dir=folder, checkpoint_every=10, **params).fit(X_train, y_train)
straight = MLSTMFCNClassifier(warm_start=True, **params).fit(X_train, y_train)
same = np.allclose(resumed.predict_proba(X_test), straight.predict_proba(X_test), atol=1e-6)
print(f"resumed: {resumed.n_epochs_} epochs in its history; same probabilities as one fit of 60: {same}")
print(f"test accuracy: {resumed.score(X_test, y_test):.4f}")

# %%
# Continue training with ``warm_start``
# -------------------------------------
# The uninterrupted fit above had ``warm_start=True``: its first ``fit`` trained as any other, and
# kept its optimizer state, so the next ``fit`` continues from the weights, optimizer state,
# learning-rate schedule and history of the last: 60 more epochs here. (A model without that state,
# loaded from a file for one, continues from its weights with a new optimizer, and says so.)
more = straight.fit(X_train, y_train)
print(f"after warm start: {more.n_epochs_} epochs in the history, best epoch {more.best_epoch_}")
print(f"test accuracy: {more.score(X_test, y_test):.4f}")
plot_history(more, title="ERing: 60 epochs, then 60 more (warm start)")

# %%
# Data in parts: ``partial_fit``
# ------------------------------
# Each call is one epoch over the series it is given (here the training split in three parts, as if
# read one file at a time), continuing from the call before. The first call names every class. The
# model keeps the latest weights, and the BatchNorm statistics of the last call's series:
# :meth:`~mlstm_fcn.MLSTMFCNClassifier.recompute_bn_statistics` on a representative sample sets
# better ones at the end.
online = MLSTMFCNClassifier(n_jobs=-1, random_state=0)
parts = np.array_split(np.random.default_rng(0).permutation(len(X_train)), 3)
for epoch in range(60):
    for part in parts:
        online.partial_fit(X_train[part], y_train[part], classes=np.unique(y_train))
online.recompute_bn_statistics(X_train)
print(f"partial_fit, 60 passes over 3 parts: test accuracy {online.score(X_test, y_test):.4f}")
