"""Long tables (one row per series and time step) to series and back, and the warning for one passed to fit."""

import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import mlstm_fcn
from mlstm_fcn import LongTableWarning, MLSTMFCNClassifier
from mlstm_fcn.datasets import (
    from_long_table, load_long_csv, load_uea, predictions_table, series_lengths,
)

TINY = dict(filters=(8, 8, 8), kernel_sizes=(3, 3, 3), se_reduction=4, lstm_units=2, epochs=2, device="cpu",
            random_state=0)


def long_table(X, y, ids, lengths, rng=None):
    """``X``'s series as a long table: columns id, time, ch0..., label; rows shuffled when ``rng`` is given."""
    rows = []
    for i, (series, n) in enumerate(zip(X, lengths)):
        frame = pd.DataFrame(series[:, :n].T, columns=[f"ch{c}" for c in range(X.shape[1])])
        frame.insert(0, "time", np.arange(n) * 0.1)
        frame.insert(0, "id", ids[i])
        frame["label"] = y[i]
        rows.append(frame)
    table = pd.concat(rows, ignore_index=True)
    return table if rng is None else table.iloc[rng.permutation(len(table))].reset_index(drop=True)


@pytest.fixture(scope="module")
def basic_motions_long():
    """BasicMotions' first 12 training series at lengths 60-100, their ids, and the long table (rows shuffled)."""
    X, y = load_uea("BasicMotions", split="train")
    X, y = X[:12].astype(np.float64), y[:12]
    lengths = np.linspace(60, 100, len(X)).astype(int)
    ids = np.array([f"walk-{i:02d}" for i in range(len(X))])
    return X, y, ids, lengths, long_table(X, y, ids, lengths, np.random.default_rng(0))


def test_a_shuffled_long_table_gives_back_the_series_in_the_order_ids_first_appear(basic_motions_long):
    X, y, ids, lengths, table = basic_motions_long
    X_long, y_long, ids_long = from_long_table(table)
    first_seen = list(dict.fromkeys(table["id"]))
    assert list(ids_long) == first_seen and sorted(first_seen) == sorted(ids)
    where = [list(ids).index(i) for i in ids_long]
    assert X_long.shape == (12, 6, 100) and X_long.dtype == np.float64
    np.testing.assert_array_equal(series_lengths(X_long), lengths[where])
    for row, i in enumerate(where):
        np.testing.assert_array_equal(X_long[row, :, :lengths[i]], X[i, :, :lengths[i]])
        assert np.isnan(X_long[row, :, lengths[i]:]).all()
    np.testing.assert_array_equal(y_long, y[where])


def test_without_a_time_column_rows_keep_their_order_and_without_labels_y_is_none():
    table = pd.DataFrame({"id": [7, 3, 7, 3, 7], "a": [1.0, 10.0, 2.0, 20.0, 3.0], "b": [0, 1, 0, 1, 0]})
    X, y, ids = from_long_table(table)
    assert y is None and list(ids) == [7, 3]
    np.testing.assert_array_equal(X[0], [[1, 2, 3], [0, 0, 0]])
    np.testing.assert_array_equal(X[1], [[10, 20, np.nan], [1, 1, np.nan]])


def test_columns_can_be_named_and_channels_chosen():
    table = pd.DataFrame({"unit": ["u", "u", "v", "v"], "t": [1, 0, 0, 1], "temp": [2.0, 1.0, 5.0, 6.0],
                          "note": ["x", "y", "z", "w"], "state": [1, 1, 0, 0]})
    X, y, ids = from_long_table(table, id_column="unit", time_column="t", label_column="state",
                                channels=["temp"])
    np.testing.assert_array_equal(X, [[[1.0, 2.0]], [[5.0, 6.0]]])
    assert list(y) == [1, 0] and y.dtype.kind == "i" and list(ids) == ["u", "v"]


@pytest.mark.parametrize("change, message", [
    (lambda t: t.assign(time=[0, 0, 1, 0, 1]), r"Series 'a' has more than one row at time 0"),
    (lambda t: t.assign(label=["w", "w", "r", "r", "r"]), r"Series 'a' has more than one label in column "
                                                          r"'label' \('w' and 'r'\)"),
    (lambda t: t.assign(label=["w", None, "w", "r", "r"]), r"Series 'a' has a row without a label"),
    (lambda t: t.assign(site=["x", "x", "y", "y", "y"]), r"Channel columns must hold numbers.*'site'"),
    (lambda t: t.rename(columns={"id": "series"}), r"no id column 'id'.*'series'"),
    (lambda t: t.assign(id=["a", None, "a", "b", "b"]), r"Row 1 has no id"),
    (lambda t: t[["id", "time", "label"]], r"no channel columns"),
])
def test_tables_that_are_not_series_are_refused_with_the_reason(change, message):
    table = pd.DataFrame({"id": ["a", "a", "a", "b", "b"], "time": [0, 1, 2, 0, 1], "x": [1.0, 2, 3, 4, 5],
                          "label": ["w", "w", "w", "r", "r"]})
    from_long_table(table)  # the table as it is is fine
    with pytest.raises(ValueError, match=message):
        from_long_table(change(table))


def test_a_named_column_that_is_missing_is_refused_but_the_defaults_are_optional():
    table = pd.DataFrame({"id": [1, 1], "x": [1.0, 2.0]})
    with pytest.raises(ValueError, match=r"no time column 'stamp'"):
        from_long_table(table, time_column="stamp")
    with pytest.raises(ValueError, match=r"no label column 'class'"):
        from_long_table(table, label_column="class")
    with pytest.raises(TypeError, match=r"takes a pandas DataFrame, got ndarray"):
        from_long_table(table.to_numpy())


def test_without_pandas_the_message_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas raises ImportError
    with pytest.raises(ImportError, match=r"needs pandas.*pip install 'mlstm-fcn\[pandas\]'"):
        from_long_table(object())


def test_a_csv_file_reads_ids_as_written(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("id,time,x,label\n007,1,2.5,on\n007,0,1.5,on\n010,0,3.0,off\n")
    X, y, ids = load_long_csv(path)
    assert list(ids) == ["007", "010"] and list(y) == ["on", "off"]
    np.testing.assert_array_equal(X[0], [[1.5, 2.5]])
    path.write_text("id,time,x,label\n1,0,2.5,on\n1,0,1.5,on\n")
    with pytest.raises(ValueError, match=r"long.csv: Series '1' has more than one row at time 0"):
        load_long_csv(path)


def test_predictions_map_back_to_the_ids(basic_motions_long, one_torch_thread):
    *_, table = basic_motions_long
    X, y, ids = from_long_table(table)
    clf = MLSTMFCNClassifier(**TINY).fit(X, y)
    out = predictions_table(ids, clf.predict(X), clf.predict_proba(X), clf.classes_)
    assert list(out.columns) == ["id", "prediction"] + [f"p({c})" for c in clf.classes_]
    assert list(out["id"]) == list(ids) and list(out["prediction"]) == list(clf.predict(X))
    np.testing.assert_allclose(out[[f"p({c})" for c in clf.classes_]].to_numpy(), clf.predict_proba(X))
    with pytest.raises(ValueError, match=r"12 ids but 3 predictions"):
        predictions_table(ids, clf.predict(X[:3]))


@pytest.mark.parametrize("make_X, fragment", [
    (lambda table: table[["id", "ch0", "ch1"]], r"a pandas DataFrame with a column 'id'"),
    (lambda table: table[["ch0", "ch1", "ch2", "ch3"]].to_numpy(), r"2D, \d+ rows of 4 columns"),
])
def test_fit_warns_when_a_long_table_is_passed_as_series(basic_motions_long, one_torch_thread, make_X, fragment):
    *_, table = basic_motions_long
    table = table.assign(id=table["id"].str.slice(5).astype(int))  # numbers: fit accepts the table as it is
    X = make_X(table)
    y = np.arange(len(X)) % 2
    with pytest.warns(LongTableWarning, match=fragment + r".*from_long_table") as record:
        MLSTMFCNClassifier(**{**TINY, "epochs": 1}).fit(X, y)
    assert [w.filename for w in record if w.category is LongTableWarning] == [__file__]
    assert issubclass(LongTableWarning, UserWarning) and mlstm_fcn.LongTableWarning is LongTableWarning


@pytest.mark.parametrize("shape", [(36, 20), (100, 8), (12, 3, 4)])  # long series; few rows; 3D
def test_no_long_table_warning_for_series(tiny_data, one_torch_thread, shape):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=shape), np.arange(shape[0]) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", LongTableWarning)
        clf = MLSTMFCNClassifier(**{**TINY, "epochs": 1}).fit(X, y)
    assert clf.n_timepoints_ == shape[-1]  # fitted as given, without a LongTableWarning (an error here)
