"""Published test RMSEs of time-series extrinsic regression on Covid3Month.

Guijo-Rubio, Middlehurst, Arcencio, Silva & Bagnall, "Unsupervised feature
based algorithms for time series extrinsic regression", Data Mining and
Knowledge Discovery (2024): the results files of its archive expansion in
``time-series-machine-learning/tsml-eval``,
``tsml_eval/publications/_2023/tser_archive_expansion/results/``
(``5.1/fcn_TESTFOLDS.csv``, ``5.1/ROCKET_TESTFOLDS.csv``,
``5.1/xgb_TESTFOLDS.csv``, ``5.2/randF_TESTFOLDS.csv``,
``5.2/inceptionE_TESTFOLDS.csv``, ``5.3/DrCIF_TESTFOLDS.csv``,
``5.3/freshPRINCE_TESTFOLDS.csv``, ``5.A.1/ResNet.csv``; commit 8511f99 and,
for ResNet, 23a29d0). Fold 0, the archive's default train/test split, which
is the split benchmarked here. No published figures were found for Tecator
(sktime's copy of OpenML 505, fat content): the benchmark compares it with
baselines it runs itself.
"""

PUBLISHED_RMSE = {
    "Covid3Month": {
        "FCN": 0.0436400, "ResNet": 0.1394692, "InceptionTime": 0.0547486, "Rocket": 0.0388926,
        "DrCIF": 0.0430093, "FreshPRINCE": 0.0401913, "RandomForest": 0.0425468, "XGBoost": 0.0455057,
    },
}
