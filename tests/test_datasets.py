"""Loading the bundled UEA datasets."""

import numpy as np
import pytest

from mlstm_fcn.datasets import load_ts, load_uea, series_lengths

# name: (channels, length, classes, n_train, n_test) from the archive paper (arXiv:1811.00075)
BUNDLED = {
    "BasicMotions": (6, 100, 4, 40, 40),
    "ERing": (4, 65, 6, 30, 270),
    "RacketSports": (6, 30, 4, 151, 152),
    "Libras": (2, 45, 15, 180, 180),
    "JapaneseVowels": (12, None, 9, 270, 370),
}


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_datasets_have_the_archive_shapes(name):
    channels, length, classes, n_train, n_test = BUNDLED[name]
    X_train, y_train = load_uea(name, "train")
    X_test, y_test = load_uea(name, "test")
    assert X_train.dtype == np.float32
    assert X_train.shape[:2] == (n_train, channels) and X_test.shape[:2] == (n_test, channels)
    assert len(np.unique(y_train)) == classes
    if length is not None:
        assert X_train.shape[2] == X_test.shape[2] == length
        assert not np.isnan(X_train).any()


def test_unequal_length_is_nan_padded():
    X, _ = load_uea("JapaneseVowels", "train")
    Xt, _ = load_uea("JapaneseVowels", "test")
    lengths = series_lengths(X)
    assert lengths.min() == 7 and lengths.max() == X.shape[2] == 26
    assert series_lengths(Xt).max() == 29
    assert not np.isnan(X[0, :, : lengths[0]]).any()


def test_missing_dataset_names_the_places_searched(tmp_path):
    with pytest.raises(FileNotFoundError, match="(?s)NoSuchData.*MLSTM_FCN_DATA"):
        load_uea("NoSuchData", data_dir=tmp_path)


def test_malformed_file_names_the_file(tmp_path):
    bad = tmp_path / "Bad_TRAIN.ts"
    bad.write_text("@problemName Bad\n@timeStamps false\n@univariate true\n@classLabel true a b\n@data\n1,2,x:a\n")
    with pytest.raises(ValueError, match="Bad_TRAIN.ts"):
        load_ts(bad)
