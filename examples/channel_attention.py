"""
What MLSTM-FCN looks at: squeeze-and-excitation gates and class activation maps
===============================================================================

Two views inside a trained network, on BasicMotions (6 channels: 3D accelerometer and gyroscope of a
smart watch, four activities): the squeeze-and-excitation (SE) gates, which scale each convolution
filter up or down for the series at hand, averaged per class; and class activation maps (CAM),
which show when in a series the evidence for its predicted class lies.
"""

# %%
# Train
# -----
# 60 epochs of the default network fit this dataset (the training history below: every training
# series classified right within a few epochs, the loss down a hundredfold), which is what the views
# need: an untrained network's gates and maps mean nothing.
import matplotlib.pyplot as plt
import numpy as np

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea
from mlstm_fcn.interpret import class_activation_maps, se_gates_by_class
from mlstm_fcn.plotting import plot_cam, plot_confusion_matrix, plot_history, plot_se_gates

CHANNELS = ["acc x", "acc y", "acc z", "gyro x", "gyro y", "gyro z"]  # BasicMotions' order

X_train, y_train = load_uea("BasicMotions", split="train")
X_test, y_test = load_uea("BasicMotions", split="test")
clf = MLSTMFCNClassifier(epochs=60, n_jobs=-1, random_state=0).fit(X_train, y_train)
y_pred = clf.predict(X_test)
print(f"test accuracy: {np.mean(y_pred == y_test):.4f}")
plot_history(clf, title="BasicMotions: training")

# %%
# Where it errs
# -------------
plot_confusion_matrix(y_test, y_pred, labels=clf.classes_, title="BasicMotions test")

# %%
# SE gates per class
# ------------------
# The mean gate of every filter, one panel per SE block, grouped by true class (filters sorted): the
# filters each activity turns up. Activities that move the watch differently use different filters.
classes, means = se_gates_by_class(clf, X_test, y_test)
plot_se_gates(classes, means, sort=True, title="BasicMotions test: mean SE gate per class")

# %%
# Class activation maps
# ---------------------
# One test series of each class with, as a coloured band behind it, the map of the class the model
# predicts for it: where in the series the evidence for that class lies.
cam = class_activation_maps(clf, X_test)
shown = [int(np.flatnonzero(y_test == c)[0]) for c in clf.classes_]
fig, axes = plt.subplots(len(shown), 1, figsize=(9, 2.1 * len(shown)), sharex=True, layout="constrained")
for n, (ax, i) in enumerate(zip(axes, shown)):
    c = int(np.flatnonzero(clf.classes_ == y_pred[i])[0])
    plot_cam(X_test[i], cam[i, c], label=str(y_pred[i]), channel_names=CHANNELS, ax=ax, legend=n == 0,
             title=f"test series {i}: true {y_test[i]}, predicted {y_pred[i]}")
    if n < len(shown) - 1:
        ax.set_xlabel("")
