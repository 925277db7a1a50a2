"""
MLSTM-FCN in sktime
===================

:mod:`mlstm_fcn.sktime_adapter` wraps the estimators for sktime:
:class:`~mlstm_fcn.sktime_adapter.MLSTMFCNSktime` (a classifier) and
:class:`~mlstm_fcn.sktime_adapter.MLSTMFCNRegressorSktime` take every sktime Panel data container
(``numpy3D``, ``pd-multiindex``, ``nested_univ``, ...), declare their capabilities as sktime tags,
and go into sktime's pipelines and benchmarks. They take the parameters of
:class:`~mlstm_fcn.MLSTMFCNClassifier` and :class:`~mlstm_fcn.MLSTMFCNRegressor`, with the same
meaning and defaults. They need the ``sktime`` extra: ``pip install 'mlstm-fcn[sktime]'``.
"""

# %%
# Data in sktime's containers
# ---------------------------
# BasicMotions as a ``pd-multiindex`` DataFrame: one row per series and time step, indexed by
# (instance, time point), one column per channel.
from sktime.datatypes import convert_to

from mlstm_fcn.datasets import load_uea
from mlstm_fcn.sktime_adapter import MLSTMFCNSktime

X_train, y_train = load_uea("BasicMotions", split="train")
X_test, y_test = load_uea("BasicMotions", split="test")
X_train_df = convert_to(X_train, to_type="pd-multiindex")
X_test_df = convert_to(X_test, to_type="pd-multiindex")
print(X_train_df.head())

# %%
# Fit and predict the sktime way
# ------------------------------
clf = MLSTMFCNSktime(epochs=40, n_jobs=-1, random_state=0)
print({tag: clf.get_tag(tag) for tag in ("capability:multivariate", "capability:unequal_length",
                                         "capability:missing_values")})
clf.fit(X_train_df, y_train)
print(f"test accuracy: {clf.score(X_test_df, y_test):.4f}")
print("probabilities of the first two test series:\n", clf.predict_proba(X_test_df).round(3)[:2])

# %%
# The fitted scikit-learn estimator inside
# ----------------------------------------
# ``estimator_`` is the :class:`~mlstm_fcn.MLSTMFCNClassifier` that did the work, with its history,
# ``save`` and the rest.
print(type(clf.estimator_).__name__, f"trained {clf.estimator_.n_epochs_} epochs")
