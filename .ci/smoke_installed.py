"""Fit, predict, save and load with an installed mlstm-fcn (run by .ci/check_package.sh).

Run from outside the checkout, in a virtual environment holding the wheel and its runtime
dependencies only; the bundled datasets are found through ``MLSTM_FCN_DATA``.
"""

import sys
import warnings
from pathlib import Path

import numpy as np

import mlstm_fcn
from mlstm_fcn import MLSTMFCNClassifier, load_model
from mlstm_fcn.datasets import load_uea

checkout = Path(sys.argv[1]).resolve()
installed = Path(mlstm_fcn.__file__).resolve()
assert checkout not in installed.parents, f"imported from the checkout: {installed}"
assert "site-packages" in installed.parts, installed
for extra in ("sktime", "onnx", "matplotlib", "dask"):  # the runtime dependencies pull in no extra
    try:
        __import__(extra)
    except ImportError:
        pass
    else:
        raise AssertionError(f"{extra} is installed without its extra")

X_train, y_train = load_uea("BasicMotions", split="train")
X_test, y_test = load_uea("BasicMotions", split="test")
clf = MLSTMFCNClassifier(filters=(8, 8, 8), lstm_units=2, epochs=2, random_state=0, device="cpu")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # two epochs: the convergence warning is expected
    clf.fit(X_train, y_train)
proba = clf.predict_proba(X_test)
assert proba.shape == (len(X_test), 4) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)

path = Path("smoke.model").resolve()
clf.save(path)
again = load_model(path)
assert np.array_equal(again.predict(X_test), clf.predict(X_test))
np.testing.assert_allclose(again.predict_proba(X_test), proba, rtol=1e-5, atol=1e-6)
print(f"mlstm-fcn {mlstm_fcn.__version__} from {installed.parent}: fit, predict, save and load work "
      f"(test accuracy after 2 epochs {clf.score(X_test, y_test):.3f})")
