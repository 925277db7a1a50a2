"""
MLSTM-FCN against simple baselines
==================================

Is a deep network worth it on a given dataset? Before trusting its accuracy, compare it with cheap
baselines on the same train/test split. Here, on RacketSports (a smart watch on a racket arm:
badminton or squash, clear or smash; 151 training and 152 test series of 6 channels and 30 steps):

- 1-nearest neighbour with the Euclidean distance on the flattened series, a classic of time
  series classification;
- a random forest on summary features of each channel (mean, standard deviation, minimum, maximum,
  mean absolute step), made by a scikit-learn pipeline;
- MLSTM-FCN with the default network, trained at most 60 epochs (the default recipe trains at least
  100).
"""

# %%
# The baselines
# -------------
# Both are ordinary scikit-learn pipelines on 2D features made from the 3D series.
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea

X_train, y_train = load_uea("RacketSports", split="train")
X_test, y_test = load_uea("RacketSports", split="test")


def flatten(X):
    return X.reshape(len(X), -1)


def summary(X):
    steps = np.abs(np.diff(X, axis=2)).mean(axis=2)
    return np.concatenate([X.mean(axis=2), X.std(axis=2), X.min(axis=2), X.max(axis=2), steps], axis=1)


models = {
    "1-NN, Euclidean": make_pipeline(FunctionTransformer(flatten), KNeighborsClassifier(n_neighbors=1)),
    "random forest, summary features": make_pipeline(
        FunctionTransformer(summary), StandardScaler(), RandomForestClassifier(500, random_state=0)),
    "MLSTM-FCN": MLSTMFCNClassifier(epochs=60, n_jobs=-1, random_state=0),
}

# %%
# Same split, same score
# ----------------------
# Each model is fitted on the training split and scored (accuracy) on the test split.
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    print(f"{name:32s} test accuracy {model.score(X_test, y_test):.4f}  (fit {seconds:.1f} s)")

# %%
# What to make of it
# ------------------
# With 152 test series, one series is 0.7 points of accuracy, so differences of a point or two are
# within the noise of a single split; a paired comparison over several splits or datasets says more
# (``benchmarks/`` in the repository compares the network with other methods over the UEA archive).
# On small, easy datasets a baseline can come close to the network in a fraction of its training
# time: worth knowing before tuning the network.
