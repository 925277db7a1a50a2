"""The estimators' docstrings: every parameter documented once, with the default its signature has."""

import inspect
import re

import pytest

from mlstm_fcn import MLSTMFCNClassifier, MLSTMFCNRegressor
from mlstm_fcn._estimator.docstring_entries import default_text


def _documented(cls) -> dict[str, str]:
    """``{name: default text}`` of the Parameters section of ``cls.__doc__``."""
    section = cls.__doc__.split("Parameters\n    ----------\n", 1)[1].split("\n\n    Attributes", 1)[0]
    return dict(re.findall(r"^    (\w+) : .*, default=(.*)$", section, flags=re.M))


@pytest.mark.parametrize("cls", [MLSTMFCNClassifier, MLSTMFCNRegressor])
def test_every_parameter_is_documented_with_its_signatures_default(cls):
    signature = {n: p.default for n, p in inspect.signature(cls.__init__).parameters.items() if n != "self"}
    documented = _documented(cls)
    assert list(documented) == list(signature)  # all of them, in the signature's order
    for name, default in signature.items():
        assert documented[name] == default_text(default), name


def test_the_regressors_epochs_default_is_its_own():
    # Written by hand once, the regressor's docstring said the classifier's 100.
    assert _documented(MLSTMFCNRegressor)["epochs"] == str(inspect.signature(MLSTMFCNRegressor).parameters[
        "epochs"].default) != _documented(MLSTMFCNClassifier)["epochs"]
