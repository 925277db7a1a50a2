"""Model selection on 3D data: pipelines, searches and cross-validation on bundled BasicMotions."""

import numpy as np
import pytest
from scipy.stats import randint
from sklearn.base import clone
from sklearn.model_selection import (GridSearchCV, RandomizedSearchCV, StratifiedKFold, cross_val_score,
                                     cross_validate)
from sklearn.pipeline import make_pipeline

from mlstm_fcn import ChannelStandardScaler, MLSTMFCNClassifier, Resampler

from .conftest import FAST


def tiny_pipe(**params):
    return make_pipeline(ChannelStandardScaler(), MLSTMFCNClassifier(**{**FAST, "random_state": 0, **params}))


def test_grid_search_on_3d_pipeline(basic_motions):
    X_train, y_train, X_test, y_test = basic_motions
    grid = {"mlstmfcnclassifier__lstm_units": [2, 6], "mlstmfcnclassifier__attention": [False, True]}
    search = GridSearchCV(tiny_pipe(epochs=30), grid, cv=StratifiedKFold(3, shuffle=True, random_state=0))
    search.fit(X_train, y_train)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_ in search.cv_results_["params"]
    best = search.best_estimator_[-1]
    assert best.lstm_units == search.best_params_["mlstmfcnclassifier__lstm_units"]
    assert best.n_channels_ == 6 and best.network_ is not None
    assert search.predict(X_test).shape == (len(X_test),)
    # Four classes: chance is 0.25. The search finds networks that learn, and its refit does too.
    assert search.best_score_ > 0.5 and search.score(X_test, y_test) > 0.5
    # The recorded best score is the mean of its folds, re-computable by hand.
    i = search.best_index_
    folds = [search.cv_results_[f"split{k}_test_score"][i] for k in range(3)]
    assert search.best_score_ == pytest.approx(np.mean(folds))


def test_randomized_search_reaches_network_params_by_name(basic_motions):
    X_train, y_train, _, _ = basic_motions
    space = {"mlstmfcnclassifier__lstm_units": randint(2, 9),
             "mlstmfcnclassifier__filters": [(4, 4, 4), (8, 4, 8)],
             "mlstmfcnclassifier__dropout": [0.2, 0.8],
             "resampler__length": [50, 100]}
    pipe = make_pipeline(Resampler(), ChannelStandardScaler(),
                         MLSTMFCNClassifier(**{**FAST, "epochs": 1, "random_state": 0}))
    search = RandomizedSearchCV(pipe, space, n_iter=3, cv=StratifiedKFold(2), random_state=0)
    search.fit(X_train, y_train)
    for params in search.cv_results_["params"]:
        assert 2 <= params["mlstmfcnclassifier__lstm_units"] < 9
    fitted = search.best_estimator_
    assert fitted[-1].filters == search.best_params_["mlstmfcnclassifier__filters"]
    assert fitted[-1].n_timepoints_ == search.best_params_["resampler__length"]


def test_cross_validate_scaler_sees_only_each_folds_training_data(basic_motions):
    X_train, y_train, _, _ = basic_motions
    res = cross_validate(tiny_pipe(epochs=1), X_train, y_train, cv=StratifiedKFold(4),
                         return_estimator=True, return_indices=True, scoring=["accuracy", "neg_log_loss"])
    assert len(res["test_accuracy"]) == 4 and np.all(res["test_neg_log_loss"] < 0)
    for est, train_idx in zip(res["estimator"], res["indices"]["train"]):
        X_fold = X_train[train_idx].astype(np.float64)
        np.testing.assert_allclose(est[0].mean_, X_fold.mean(axis=(0, 2)), rtol=1e-6)
        np.testing.assert_allclose(est[0].scale_, X_fold.std(axis=(0, 2)), rtol=1e-5)
    # Different folds, different statistics: the test folds were left out.
    assert not np.allclose(res["estimator"][0][0].mean_, res["estimator"][1][0].mean_)


def test_cross_val_score_5_folds_and_clone(basic_motions):
    X_train, y_train, _, _ = basic_motions
    pipe = tiny_pipe(epochs=20)
    scores = cross_val_score(pipe, X_train, y_train, cv=5)
    assert scores.shape == (5,) and scores.mean() > 0.5  # four classes: chance is 0.25
    assert np.all(np.isclose(scores * 8, np.round(scores * 8)))  # accuracies of folds of 8 series
    # Same seed, same folds: same scores (CPU training is deterministic).
    np.testing.assert_array_equal(cross_val_score(clone(pipe), X_train, y_train, cv=5), scores)
    fitted = clone(pipe).fit(X_train, y_train)
    unfitted = clone(fitted)
    assert not hasattr(unfitted[-1], "network_") and not hasattr(unfitted[0], "mean_")
    assert unfitted.get_params()["mlstmfcnclassifier__lstm_units"] == FAST["lstm_units"]


def test_search_with_unequal_length_data():
    from mlstm_fcn.datasets import load_uea

    X, y = load_uea("JapaneseVowels", split="train")
    X, y = X[::6], y[::6]  # NaN-padded, 9 classes
    search = GridSearchCV(tiny_pipe(epochs=1), {"mlstmfcnclassifier__lstm_units": [2, 3]},
                          cv=StratifiedKFold(2, shuffle=True, random_state=0), error_score="raise")
    search.fit(X, y)
    assert not search.best_estimator_[-1].equal_length_
    assert np.isnan(search.best_estimator_[0].transform(X)).any()  # padding stays padding
