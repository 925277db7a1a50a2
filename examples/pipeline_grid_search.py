"""
Grid search over the LSTM size in a scikit-learn pipeline
=========================================================

The estimators take 3D input ``(n_series, n_channels, n_timepoints)``, and so do the package's
transformers (:class:`~mlstm_fcn.ChannelStandardScaler`, :class:`~mlstm_fcn.PadTruncate`,
:class:`~mlstm_fcn.Resampler`), so they go into scikit-learn's pipelines and searches as they are::

    pipe = make_pipeline(ChannelStandardScaler(), MLSTMFCNClassifier(...))
    GridSearchCV(pipe, {"mlstmfcnclassifier__lstm_units": [8, 64]}, cv=StratifiedKFold(3))

The paper chose its LSTM size (8, 64 or 128 cells) per dataset; here the choice between 8 and 64 is
made by cross-validation on the training split of ERing (a ring sensing electric fields while its
wearer makes six finger postures: 30 training series of 4 channels and 65 steps) only, and the test
split (270 series) is scored once, at the end.
"""

# %%
# The search
# ----------
# At most 60 epochs per fit keep the page quick to build: 2 candidates times 3 folds, then the
# refit of the best on the whole training split.
import time

from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from mlstm_fcn import ChannelStandardScaler, MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea

X_train, y_train = load_uea("ERing", split="train")
X_test, y_test = load_uea("ERing", split="test")

pipe = make_pipeline(ChannelStandardScaler(), MLSTMFCNClassifier(epochs=60, n_jobs=-1, random_state=0))
search = GridSearchCV(pipe, {"mlstmfcnclassifier__lstm_units": [8, 64]},
                      cv=StratifiedKFold(3, shuffle=True, random_state=0))
start = time.perf_counter()
search.fit(X_train, y_train)
print(f"grid search: {time.perf_counter() - start:.0f} s")

# %%
# The result
# ----------
# Each validation fold holds 10 series, so each of them is 10 points of a fold's accuracy and
# candidates often tie; ``GridSearchCV`` then keeps the first one listed. On data this small the
# choice of LSTM size matters less than the variation between folds.
for params, mean, std in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"],
                             search.cv_results_["std_test_score"]):
    print(f"{params}: CV accuracy {mean:.3f} +- {std:.3f}")
print(f"best: {search.best_params_}, CV accuracy {search.best_score_:.3f}")
print(f"test accuracy of the refitted best pipeline: {search.score(X_test, y_test):.4f}")
