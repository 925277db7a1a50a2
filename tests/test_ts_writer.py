"""``write_ts``: what it writes, ``load_ts`` reads back identically; and the reader's tolerance of sktime's writer."""

import numpy as np
import pytest

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
