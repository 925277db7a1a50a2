"""Labels a model file could not hold are refused by fit, before any training, not at save or load."""

import numpy as np
import pytest

from mlstm_fcn import MLSTMFCNClassifier, cli, load_model
from mlstm_fcn.cli import commands
from mlstm_fcn.io.json_codec import MAX_LABEL_CHARS, label_problem

TINY = dict(epochs=1, filters=(4, 4, 4), kernel_sizes=(3, 3, 3), lstm_units=2, se_reduction=2, device="cpu")


def _fail(*args, **kwargs):
    raise AssertionError("training started")


@pytest.fixture
def never_trained(monkeypatch):
    """The command's fit with an epoch callback that fails: no epoch may end."""
    real = commands._fit_params
    monkeypatch.setattr(commands, "_fit_params", lambda args: {**real(args), "callbacks": [_fail]})


@pytest.mark.parametrize("y, fragment", [
    (np.array(["2020-01-01", "2021-01-01"] * 3, dtype="datetime64[D]"), "datetime64[D] cannot be saved"),
    (np.array([1, 2] * 3, dtype="timedelta64[s]"), "timedelta64[s] cannot be saved"),
    (np.array([b"up", b"down"] * 3), "bytes"),
    (np.array(["a" * (MAX_LABEL_CHARS + 1), "b"] * 3), f"longer than a model file takes ({MAX_LABEL_CHARS})"),
    (np.array(["a" * (MAX_LABEL_CHARS + 1), "b"] * 3, dtype=object), "never loaded"),
])
def test_labels_a_model_file_cannot_hold_are_refused_before_training(y, fragment):
    X = np.random.default_rng(0).normal(size=(6, 2, 8)).astype(np.float32)
    with pytest.raises(ValueError, match="^y: ") as info:  # not the AssertionError of an epoch's end
        MLSTMFCNClassifier(**TINY, callbacks=[_fail]).fit(X, y)
    assert fragment in str(info.value)


def test_the_longest_label_a_model_file_holds_round_trips(tmp_path, tiny_data):
    X, y = tiny_data
    longest = np.array(["a" * MAX_LABEL_CHARS, "b", "c"])[np.searchsorted(["a", "b", "c"], y)]
    assert label_problem(longest) is None
    clf = MLSTMFCNClassifier(**TINY).fit(X, longest)
    clf.save(tmp_path / "m.model")
    assert load_model(tmp_path / "m.model").classes_.tolist() == clf.classes_.tolist()


def test_the_cli_refuses_such_labels_in_one_line_before_training(tmp_path, capsys, never_trained, tiny_data):
    X, _ = tiny_data
    np.save(tmp_path / "X.npy", X[:6])
    np.save(tmp_path / "y.npy", np.array(["a" * 5000, "b"] * 3))
    code = cli.main(["fit", str(tmp_path / "X.npy"), "--y", str(tmp_path / "y.npy"), "--out", str(tmp_path / "m.model"),
                     "--epochs", "1", "--device", "cpu", "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "a label of 5000 characters" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "m.model").exists()
