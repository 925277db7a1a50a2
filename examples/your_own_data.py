"""
Your own data: numpy arrays and pandas long tables
==================================================

The estimators take series in two shapes: a numpy array ``(n_series, n_channels, n_timepoints)``
(NaN-padded at the end where lengths differ), or a list of ``(n_channels, length)`` arrays. Data kept
as a table with one row per series and time step (an id, a time, one column per channel, a label)
becomes such an array with :func:`~mlstm_fcn.datasets.from_long_table`, and predictions go back to
the ids with :func:`~mlstm_fcn.datasets.predictions_table` (both need pandas:
``pip install 'mlstm-fcn[pandas]'``).

To have data of our own at hand, this example takes BasicMotions' arrays as "your" numpy arrays and
rewrites its test split as a long table, the layout of a database export or a CSV file.
"""

# %%
# Numpy arrays
# ------------
# Any float array of shape ``(n_series, n_channels, n_timepoints)`` and one label per series.
import numpy as np
import pandas as pd

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import from_long_table, load_uea, predictions_table

X_train, y_train = load_uea("BasicMotions", split="train")
X_test, y_test = load_uea("BasicMotions", split="test")
X = np.asarray(X_train, dtype=np.float64)  # what your own code would hand over
y = np.asarray(y_train)
classes, counts = np.unique(y, return_counts=True)
print(f"X {X.shape} {X.dtype}, y {y.shape}: {dict(zip(classes.tolist(), counts.tolist()))}")

clf = MLSTMFCNClassifier(epochs=40, n_jobs=-1, random_state=0).fit(X, y)
print(f"test accuracy: {clf.score(X_test, y_test):.4f}")

# %%
# A list of arrays
# ----------------
# A list of ``(n_channels, n_timepoints)`` arrays works too; for a model trained on series of
# unequal length (see the JapaneseVowels example) the arrays may differ in length.
as_list = [X_test[i] for i in (0, 10, 20, 30)]
print(f"{len(as_list)} arrays of shape {as_list[0].shape} ->", clf.predict(as_list),
      "true:", y_test[[0, 10, 20, 30]])

# %%
# A long table
# ------------
# One row per series and time step. The test split rewritten that way, with string ids:
channels = ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]
n, c, t = X_test.shape
table = pd.DataFrame({
    "id": np.repeat([f"rec{i:03d}" for i in range(n)], t),
    "time": np.tile(np.arange(t), n),
    **{name: X_test[:, k, :].ravel() for k, name in enumerate(channels)},
    "label": np.repeat(y_test, t),
})
print(table.head())
print(f"{len(table)} rows")

# %%
# :func:`~mlstm_fcn.datasets.from_long_table` orders each series' rows by time and returns the array,
# the labels and the ids in the order of the array (the default column names are ``id``, ``time``
# and ``label``; every other column is a channel).
X_table, y_table, ids = from_long_table(table)
print(f"X {X_table.shape}, first ids {ids[:3].tolist()}, same series as the array: "
      f"{np.allclose(X_table, X_test)}")

# %%
# Predictions by id
# -----------------
result = predictions_table(ids, clf.predict(X_table), clf.predict_proba(X_table), classes=clf.classes_)
print(result.head().round(3))
print(f"accuracy from the table: {np.mean(result['prediction'].to_numpy() == y_table):.4f}")
