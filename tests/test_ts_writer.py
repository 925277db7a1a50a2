"""``write_ts``: what it writes, ``load_ts`` reads back identically; and the reader's tolerance of sktime's writer."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlstm_fcn.datasets import find_uea, load_ts, load_uea, write_ts


@pytest.mark.parametrize("name", ["BasicMotions", "JapaneseVowels"])  # equal and unequal length
def test_a_bundled_dataset_round_trips(tmp_path, name):
    X, y = load_uea(name, "test")
    path = write_ts(tmp_path / f"{name}_TEST.ts", X, y)
    X_read, y_read = load_ts(path)
    assert X_read.dtype == np.float32 and X_read.shape == X.shape
    np.testing.assert_array_equal(X_read, X)  # NaN padding in the same places
    np.testing.assert_array_equal(y_read, y)
    assert f"@problemName {name}" in path.read_text()


def test_made_arrays_round_trip_with_missing_values_and_unequal_lengths(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 3, 9)).astype(np.float32)
    X[1, :, 6:] = np.nan  # length 6
    X[2, :, 2:] = np.nan  # length 2
    X[3, 1, 4] = np.nan  # a missing value inside a series
    y = np.array([0, 1, 2, 1, 0])
    X_read, y_read = load_ts(write_ts(tmp_path / "made.ts", X, y), y_dtype="int")
    np.testing.assert_array_equal(X_read, X)
    np.testing.assert_array_equal(y_read, y)
    assert "@missing true" in (tmp_path / "made.ts").read_text()


def test_regression_targets_and_univariate_series_round_trip_exactly(tmp_path):
    X = np.linspace(0, 1, 4 * 7).reshape(4, 7)  # (n, T): univariate, float64 values
    targets = np.array([40.1, -3.25, 1e-7, 12345.678901])
    path = write_ts(tmp_path / "reg.ts", X, targets)
    assert "@targetLabel true" in path.read_text() and "@univariate true" in path.read_text()
    X_read, y_read = load_ts(path)
    assert X_read.shape == (4, 1, 7)
    np.testing.assert_array_equal(X_read[:, 0], X.astype(np.float32))
    assert y_read.dtype == np.float64 and y_read.tolist() == targets.tolist()  # 40.1 stays 40.1


def test_regression_targets_of_a_file_are_float64():
    folder = find_uea("Tecator")  # shipped with sktime
    if folder is None:
        pytest.skip("Tecator is not available")
    X, y = load_uea("Tecator", "train")
    text = (folder / "Tecator_TRAIN.ts").read_text()
    targets = [line.rsplit(":", 1)[1] for line in text.split("@data", 1)[1].split() if ":" in line]
    assert y.dtype == np.float64 and y.tolist() == [float(t) for t in targets]


def test_without_labels_and_bad_input(tmp_path):
    X = np.ones((2, 2, 3))
    path = write_ts(tmp_path / "nolabels.ts", X)
    assert "@classLabel false" in path.read_text()
    X_read, y = load_ts(path, require_labels=False)
    assert y is None and X_read.shape == (2, 2, 3)
    with pytest.raises(ValueError, match="cannot be written to a .ts file"):
        write_ts(tmp_path / "bad.ts", X, ["a b", "c"])
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        write_ts(tmp_path / "bad.ts", X, ["a", "b", "c"])
    with pytest.raises(ValueError, match="infinite"):
        write_ts(tmp_path / "bad.ts", np.full((1, 1, 2), np.inf))
    assert not (tmp_path / "bad.ts").exists()


SKTIME_STYLE = """@problemName B
@timestamps false
@univariate false
@equalLength false
@classLabel false
@data
0.0,1.0,2.0,3.0:4.0,5.0,6.0,7.0:
8.0,9.0,10.0,11.0:12.0,13.0,14.0,15.0:
"""


def test_the_trailing_colon_of_sktimes_writer_is_read(tmp_path):
    # sktime's write_ndarray_to_tsfile ends every data line of an unlabelled file with ':'.
    path = tmp_path / "B.ts"
    path.write_text(SKTIME_STYLE)
    X, y = load_ts(path, require_labels=False)
    assert y is None
    np.testing.assert_array_equal(X, np.arange(16, dtype=np.float32).reshape(2, 2, 4))
    univariate = SKTIME_STYLE.replace("@univariate false", "@univariate true").replace(
        ":4.0,5.0,6.0,7.0", "").replace(":12.0,13.0,14.0,15.0", "")
    path.write_text(univariate)
    X, _ = load_ts(path, require_labels=False)
    np.testing.assert_array_equal(X, [[[0, 1, 2, 3]], [[8, 9, 10, 11]]])


def test_labels_read_lower_cased_and_other_format_checks(tmp_path):
    X = np.zeros((2, 1, 3))
    _, y = load_ts(write_ts(tmp_path / "case.ts", X, ["Up", "down"]))
    assert y.tolist() == ["up", "down"]  # the reader's convention (sktime's, which read these files before)
    path = tmp_path / "stamped.ts"
    path.write_text("@problemName S\n@timeStamps true\n@classLabel true a\n@data\n(0,1),(1,2):a\n")
    with pytest.raises(ValueError, match=r"stamped.ts.*@timeStamps true.*not supported"):
        load_ts(path)
    path.write_text("@problemName D\n@classLabel true a\n@data\n1,2:3,4:a\n1,2:a\n")  # no @dimensions to check
    with pytest.raises(ValueError, match="case 1 has 1 dimension.s., case 0 has 2"):
        load_ts(path)


def test_reading_a_ts_file_imports_no_sktime(tmp_path):
    import subprocess
    import sys

    code = ("import sys; from mlstm_fcn.datasets import load_uea; load_uea('BasicMotions'); "
            "print('sktime' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["False", "False"]


# ---------------------------------------------------------------- what would not read back is refused
@pytest.mark.parametrize("labels, fragment", [
    (["Yes", "yes"], "differ only in case"),
    (["K", "\u212a"], "differ only in case"),  # the Kelvin sign lower-cases to "k"
    (["a\xa0", "b"], "white space"),
    (["\u2003b", "c"], "white space"),
    (["c\x0c", "d"], "white space"),
    (["d\x85", "e"], "white space"),
    (["e\u2028", "f"], "white space"),
    (["\x1cf", "g"], "white space"),
    (["\xa0", "h"], "white space"),
    (["", "h"], "non-empty"),
    ([b"up", b"down"], "is bytes"),
    (np.array([b"up", b"down"]), "is bytes"),
    (["\ud800", "x"], "not valid Unicode"),
])
def test_labels_that_would_not_read_back_as_written_are_refused(tmp_path, labels, fragment):
    with pytest.raises(ValueError, match=fragment):
        write_ts(tmp_path / "bad.ts", np.ones((2, 1, 3)), labels)
    assert not (tmp_path / "bad.ts").exists()


def test_values_beyond_float32_are_refused_not_read_back_as_infinity(tmp_path):
    X = np.ones((2, 1, 3))
    X[1, 0, 2] = 1e39
    with pytest.raises(ValueError, match=r"beyond float32's range \(X\[1, 0, 2\] = 1e\+39\)"):
        write_ts(tmp_path / "bad.ts", X)
    X[1, 0, 2] = np.finfo(np.float32).max  # the largest that fits is written, and reads back
    np.testing.assert_array_equal(load_ts(write_ts(tmp_path / "max.ts", X), require_labels=False)[0], X)


@pytest.mark.parametrize("channels", [1, 3])
def test_a_series_of_nan_only_is_refused(tmp_path, channels):
    X = np.ones((3, channels, 4))
    X[1] = np.nan
    with pytest.raises(ValueError, match="Series 1 of X is all NaN"):
        write_ts(tmp_path / "bad.ts", X, ["a", "b", "c"])


@pytest.mark.parametrize("name", ["two\nlines", "cr\rname", "tab\tname", " padded"])
def test_a_problem_name_that_is_not_one_line_is_refused(tmp_path, name):
    with pytest.raises(ValueError, match="problem_name .* one line of printable text"):
        write_ts(tmp_path / "bad.ts", np.ones((2, 1, 3)), ["a", "b"], problem_name=name)


def test_regression_with_text_labels_says_what_is_wrong(tmp_path):
    with pytest.raises(ValueError, match=r"regression=True needs numeric targets.*dtype <U4"):
        write_ts(tmp_path / "bad.ts", np.ones((2, 1, 3)), ["up", "down"], regression=True)


def test_float16_series_read_back_as_the_same_numbers(tmp_path):
    X = np.array([[[0.1, 0.2, 1 / 3]]], dtype=np.float16)
    X_read, _ = load_ts(write_ts(tmp_path / "half.ts", X), require_labels=False)
    np.testing.assert_array_equal(X_read, X.astype(np.float32))


# ---------------------------------------------------------------- the round trip, as a property
_SEPARATORS = ":, \t\n\r@#"


def _refused_labels(labels):
    bad = any(not t or any(c in _SEPARATORS or c.isspace() for c in t) for t in labels)
    distinct = set(labels)
    return bad or len({t.lower() for t in distinct}) != len(distinct)


_label = st.text(st.characters(codec="utf-8"), min_size=0, max_size=6) | st.sampled_from(["Yes", "yes", "a\xa0", "b"])


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(labels=st.lists(_label, min_size=1, max_size=5),
       values=st.lists(st.floats(width=64, allow_infinity=False, allow_nan=True, allow_subnormal=True), min_size=1,
                       max_size=4), channels=st.integers(1, 2))
def test_write_ts_refuses_exactly_what_load_ts_could_not_read_back(tmp_path, labels, values, channels):
    n = len(labels)
    # Each series: the drawn values, shifted per series and channel, so that NaN and padding vary.
    X = np.array([[np.roll(values, i + c) for c in range(channels)] for i in range(n)], dtype=np.float64)
    lengths = [int(np.flatnonzero(~np.isnan(X[i]).all(axis=0)).max(initial=-1)) + 1 for i in range(n)]
    with np.errstate(over="ignore"):
        beyond = bool(np.isinf(X.astype(np.float32)).any())
    refused = _refused_labels(labels) or beyond or min(lengths) == 0
    path = tmp_path / "prop.ts"
    if refused:
        with pytest.raises(ValueError):
            write_ts(path, X, labels)
        return
    X_read, y_read = load_ts(write_ts(path, X, labels))
    assert y_read.tolist() == [t.lower() for t in labels]
    T = max(lengths)
    assert X_read.shape == (n, channels, T)
    np.testing.assert_array_equal(X_read, X[:, :, :T].astype(np.float32))
