"""Loading UEA datasets: bundled, by name from an archive directory, the catalogue, malformed files."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from mlstm_fcn import datasets
from mlstm_fcn.datasets import BUNDLED_DIR, archive, list_uea, load_ts, load_uea, series_lengths

# name: (channels, length, classes, n_train, n_test) from the archive paper (arXiv:1811.00075)
BUNDLED = {
    "BasicMotions": (6, 100, 4, 40, 40),
    "ERing": (4, 65, 6, 30, 270),
    "RacketSports": (6, 30, 4, 151, 152),
    "Libras": (2, 45, 15, 180, 180),
    "JapaneseVowels": (12, None, 9, 270, 370),
}

#: An unpacked UEA archive in shared/uea beside the checkout, where there is one (absent from a fresh
#: clone: the tests that read it skip).
SHARED_UEA = Path(__file__).resolve().parents[1].parent / "shared" / "uea"


def shared_manifest() -> list[dict[str, str]]:
    manifest = SHARED_UEA / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with open(manifest, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


MANIFEST = shared_manifest()
needs_shared = pytest.mark.skipif(not MANIFEST, reason=f"no UEA archive directory at {SHARED_UEA}")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No $MLSTM_FCN_DATA and an empty user cache: only data_dir= and the bundled folder count."""
    monkeypatch.delenv(datasets.DATA_ENV, raising=False)
    # Patched where it is looked up: the search path is built in datasets.archive.
    monkeypatch.setattr(archive, "user_cache_dir", lambda: tmp_path / "empty-cache")
    return tmp_path


# ------------------------------------------------------------------ bundled
@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_datasets_have_the_archive_shapes(name, isolated):
    channels, length, classes, n_train, n_test = BUNDLED[name]
    assert datasets.find_uea(name) == BUNDLED_DIR / name
    X_train, y_train = load_uea(name, "train")
    X_test, y_test = load_uea(name, "test")
    assert X_train.dtype == X_test.dtype == np.float32
    assert X_train.shape[:2] == (n_train, channels) and X_test.shape[:2] == (n_test, channels)
    assert y_train.shape == (n_train,) and y_test.shape == (n_test,)
    assert len(np.unique(y_train)) == classes and set(y_test) <= set(y_train)
    if length is not None:
        assert X_train.shape[2] == X_test.shape[2] == length
        assert not np.isnan(X_train).any() and not np.isnan(X_test).any()


def test_unequal_length_is_nan_padded():
    X, _ = load_uea("JapaneseVowels", "train")
    Xt, _ = load_uea("JapaneseVowels", "test")
    lengths = series_lengths(X)
    assert lengths.min() == 7 and lengths.max() == X.shape[2] == 26
    assert series_lengths(Xt).max() == Xt.shape[2] == 29
    for i in (0, int(np.argmin(lengths))):
        assert not np.isnan(X[i, :, : lengths[i]]).any() and np.isnan(X[i, :, lengths[i]:]).all()


def test_labels_as_in_the_file_or_typed():
    _, y = load_uea("BasicMotions", "train")
    assert set(y) == {"standing", "running", "walking", "badminton"}  # as written in the data lines
    _, y_str = load_uea("Libras", "train")
    _, y_int = load_uea("Libras", "train", y_dtype="int")
    assert y_str.dtype.kind == "U" and y_int.dtype == np.int64
    np.testing.assert_array_equal(y_int, y_str.astype(int))
    with pytest.raises(ValueError, match="y_dtype"):
        load_uea("Libras", y_dtype="category")
    with pytest.raises(ValueError, match="BasicMotions_TRAIN.ts.*cannot be read as int"):
        load_uea("BasicMotions", y_dtype="int")


def test_split_and_name_checks(isolated):
    assert load_uea("basicmotions", "TEST")[0].shape == (40, 6, 100)  # archive names: any case
    with pytest.raises(ValueError, match="split"):
        load_uea("BasicMotions", "validation")
    with pytest.raises(ValueError, match="Not a UEA dataset name"):
        load_uea("../datasets/BasicMotions")


# -------------------------------------------------------------- look-up order
def fake_copy(root: Path, name: str, n_cases: int) -> Path:
    """A valid copy of ``name`` with only the first ``n_cases`` cases, to tell copies apart."""
    folder = root / name
    folder.mkdir(parents=True)
    for split in ("TRAIN", "TEST"):
        text = (BUNDLED_DIR / name / f"{name}_{split}.ts").read_text()
        head, data = text.split("@data\n")
        (folder / f"{name}_{split}.ts").write_text(head + "@data\n" + "".join(data.splitlines(True)[:n_cases]))
    return folder


def test_look_up_order(isolated, monkeypatch):
    explicit, env, cache = (isolated / d for d in ("explicit", "env", "cache"))
    monkeypatch.setattr(archive, "user_cache_dir", lambda: cache)
    assert load_uea("ERing")[0].shape[0] == 30  # bundled
    fake_copy(cache, "ERing", 3)
    assert load_uea("ERing")[0].shape[0] == 3  # user cache before bundled
    fake_copy(env, "ERing", 2)
    monkeypatch.setenv(datasets.DATA_ENV, str(env))
    assert load_uea("ERing")[0].shape[0] == 2  # $MLSTM_FCN_DATA before the cache
    fake_copy(explicit, "ERing", 1)
    assert load_uea("ERing", data_dir=explicit)[0].shape[0] == 1  # data_dir= first
    # sktime's own datasets come last (Tecator and Covid3Month are found there by name).
    assert datasets.uea_search_path(explicit) == [explicit, env, cache, BUNDLED_DIR, archive.sktime_data_dir()]
    assert (archive.sktime_data_dir() / "Tecator" / "Tecator_TRAIN.ts").is_file()


def test_a_folder_with_one_split_only_is_skipped(isolated):
    folder = fake_copy(isolated / "partial", "ERing", 1)
    (folder / "ERing_TEST.ts").unlink()
    assert load_uea("ERing", data_dir=isolated / "partial")[0].shape[0] == 30


def test_missing_dataset_names_the_places_searched_and_how_to_get_it(isolated):
    with pytest.raises(FileNotFoundError) as info:
        load_uea("NoSuchData", data_dir=isolated)
    message = str(info.value)
    for place in datasets.uea_search_path(isolated):
        assert str(place) in message
    assert "download=True" in message and "MLSTM_FCN_DATA" in message and "data_dir=" in message


def test_user_cache_dir_follows_xdg(monkeypatch, tmp_path):
    if os.name == "nt" or os.uname().sysname == "Darwin":
        pytest.skip("XDG convention applies to Linux and other Unix systems")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert datasets.user_cache_dir() == tmp_path / "mlstm-fcn" / "uea"


# ----------------------------------------------------------------- catalogue
def test_catalogue_has_the_30_datasets_of_2018(isolated):
    records = list_uea()
    assert len(records) == 30 and len({r.name for r in records}) == 30
    by_name = {r.name: r for r in records}
    unequal = {r.name for r in records if not r.equal_length}
    assert unequal == {"CharacterTrajectories", "InsectWingbeat", "JapaneseVowels", "SpokenArabicDigits"}
    assert by_name["JapaneseVowels"].length == "unequal" and by_name["JapaneseVowels"].max_length == 29
    for name, (channels, length, classes, n_train, n_test) in BUNDLED.items():
        r = by_name[name]
        assert (r.n_channels, r.n_classes, r.n_train, r.n_test) == (channels, classes, n_train, n_test)
        assert r.length == (length or "unequal")
        assert r.available and r.path == BUNDLED_DIR / name
    assert {r.name for r in records if r.available} == set(BUNDLED)
    assert all(r.max_length == r.length for r in records if r.equal_length)


def test_catalogue_as_a_data_frame(isolated):
    frame = list_uea(as_frame=True)
    assert frame.shape[0] == 30
    assert {"name", "n_channels", "length", "max_length", "n_classes", "n_train", "n_test", "path",
            "available"} <= set(frame.columns)
    assert frame.set_index("name").loc["NATOPS", "n_channels"] == 24
    assert frame["available"].sum() == len(BUNDLED)


def test_catalogue_sees_a_data_dir(isolated):
    shutil.copytree(BUNDLED_DIR / "Libras", isolated / "archive" / "Libras")
    fake_copy(isolated / "archive", "ERing", 1)
    records = {r.name: r for r in list_uea(isolated / "archive")}
    assert records["Libras"].path == isolated / "archive" / "Libras"
    assert records["BasicMotions"].path == BUNDLED_DIR / "BasicMotions"
    assert records["NATOPS"].path is None and not records["NATOPS"].available


@needs_shared
def test_catalogue_agrees_with_the_shared_manifest():
    by_name = {r.name: r for r in list_uea()}
    for row in MANIFEST:
        r = by_name[row["name"]]
        length = row["series_length"]
        expected_length = "unequal" if length.startswith("unequal") else int(length)
        assert (r.n_channels, r.length, r.n_classes, r.n_train, r.n_test) == (
            int(row["n_channels"]), expected_length, int(row["n_classes"]), int(row["n_train"]),
            int(row["n_test"])), row["name"]


# ------------------------------------------------- the shared archive directory
@needs_shared
@pytest.mark.parametrize("row", MANIFEST or [None], ids=lambda r: r["name"] if r else "none")
def test_every_dataset_of_the_shared_archive_loads_by_name(row):
    name, channels, classes = row["name"], int(row["n_channels"]), int(row["n_classes"])
    length = row["series_length"]
    X_train, y_train = load_uea(name, "train", data_dir=SHARED_UEA)
    X_test, y_test = load_uea(name, "test", data_dir=SHARED_UEA)
    assert X_train.shape[:2] == (int(row["n_train"]), channels)
    assert X_test.shape[:2] == (int(row["n_test"]), channels)
    assert len(y_train) == int(row["n_train"]) and len(y_test) == int(row["n_test"])
    assert len(np.unique(y_train)) == classes
    if length.startswith("unequal"):  # "unequal 7-29"
        lo, hi = map(int, length.split()[1].split("-"))
        both = np.concatenate([series_lengths(X_train), series_lengths(X_test)])
        assert both.min() == lo and both.max() == hi
    else:
        assert X_train.shape[2] == X_test.shape[2] == int(length)
        assert not np.isnan(X_train).any() and not np.isnan(X_test).any()


# ------------------------------------------------------------ malformed files
HEADER = """@problemName Bad
@timeStamps false
@missing true
@univariate false
@dimensions 2
@equalLength true
@seriesLength 3
@classLabel true a b
@data
"""


def write(tmp_path, text, name="Bad_TRAIN.ts"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_good_file_with_missing_values(tmp_path):
    X, y = load_ts(write(tmp_path, HEADER + "1,?,3:4,5,6:a\n1,2,3:4,5,NaN:b\n"))
    assert X.shape == (2, 2, 3) and y.tolist() == ["a", "b"]
    assert np.isnan(X[0, 0, 1]) and np.isnan(X[1, 1, 2]) and np.isnan(X).sum() == 2


@pytest.mark.parametrize("text, message", [
    ("1,2,3:4,5,6:a\n", "line 1 is data before the @data tag"),
    (HEADER.replace("@data", "@data now"), "@data takes no value"),
    (HEADER.replace("@data\n", ""), "no @data line"),
    ("", "no @data line"),
    (HEADER.replace("@classLabel true a b", "@classLabel false"), "declares neither class labels"),
    (HEADER + "1,2,3:4,5,6:a\n1,2,3:b\n", "line 11 has 1 dimension.s. but the header declares 2"),
    (HEADER + "1,2,3:4,5,6:7,8,9:a\n", "line 10 has 3 dimension.s. but the header declares 2"),
    (HEADER + "1,2,3:4,five,6:a\n", "line 10, dimension 1: 'five' is not a number"),
    (HEADER, "no data"),
], ids=["no-header", "data-with-value", "no-data-tag", "empty", "no-labels", "too-few-dims",
        "too-many-dims", "non-numeric", "header-only"])
def test_malformed_files_name_the_file_and_the_problem(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=f"(?s)Bad_TRAIN.ts.*{message}"):
        load_ts(path)


@pytest.mark.parametrize("header, rows, message", [
    (HEADER, "1,2,3,4,5:6,7,8,9,10:a\n", "case 0 has 5 steps but the header declares @seriesLength 3"),
    (HEADER.replace("@seriesLength 3\n", ""), "1,2,3:4,5,6:a\n1,2:4,5:b\n",
     "case 1 has 2 steps, case 0 has 3, but the header declares @equalLength true"),
], ids=["longer-than-declared", "unequal-though-declared-equal"])
def test_series_must_have_the_length_the_header_declares(tmp_path, header, rows, message):
    with pytest.raises(ValueError, match=f"Bad_TRAIN.ts: {message}"):
        load_ts(write(tmp_path, header + rows))


def test_channels_of_different_lengths_in_one_case(tmp_path):
    header = HEADER.replace("@equalLength true", "@equalLength false").replace("@seriesLength 3\n", "")
    with pytest.raises(ValueError, match="Bad_TRAIN.ts: case 1 has channels of different lengths"):
        load_ts(write(tmp_path, header + "1,2,3:4,5,6:a\n1,2,3:4,5:b\n"))


def unlabelled_copy(labelled: Path, dest: Path) -> Path:
    """``labelled`` as a file without labels: ``@classLabel false`` and no ``:label`` on data lines."""
    head, data = labelled.read_text().split("@data\n")
    head = "\n".join("@classLabel false" if line.lower().startswith("@classlabel") else line
                     for line in head.splitlines()) + "\n"
    rows = [line.rsplit(":", 1)[0] for line in data.splitlines() if line.strip()]
    dest.write_text(head + "@data\n" + "\n".join(rows) + "\n")
    return dest


@pytest.mark.parametrize("name", ["BasicMotions", "JapaneseVowels"])  # equal and unequal length
def test_a_file_without_labels_with_require_labels_false(tmp_path, name):
    labelled = BUNDLED_DIR / name / f"{name}_TEST.ts"
    path = unlabelled_copy(labelled, tmp_path / "unlabelled.ts")
    assert "@classLabel false" in path.read_text()
    X_labelled, y_labelled = load_ts(labelled)
    X, y = load_ts(path, require_labels=False)
    assert y is None and X.dtype == np.float32
    np.testing.assert_array_equal(X, X_labelled)  # NaN padding included
    with pytest.raises(ValueError, match="unlabelled.ts.*declares neither class labels"):
        load_ts(path)  # require_labels=True: labelled (or regression) files only
    # A labelled file reads as with require_labels=True.
    X_again, y_again = load_ts(labelled, require_labels=False)
    np.testing.assert_array_equal(X_again, X_labelled)
    np.testing.assert_array_equal(y_again, y_labelled)


UNLABELLED = HEADER.replace("@classLabel true a b", "@classLabel false")


def test_unlabelled_files_with_missing_values_and_errors(tmp_path):
    X, y = load_ts(write(tmp_path, UNLABELLED + "1,?,3:4,5,6\n1,2,3:4,5,NaN\n"), require_labels=False)
    assert y is None and X.shape == (2, 2, 3) and np.isnan(X).sum() == 2
    for rows, message in [("1,2,3:4,5,6\n1,2,3\n", "line 11 has 1 dimension.s. but the header declares 2"),
                          ("1,2,3:4,five,6\n", "line 10, dimension 1: 'five' is not a number"),
                          ("", "no data")]:
        with pytest.raises(ValueError, match=f"(?s)Bad_TRAIN.ts.*{message}"):
            load_ts(write(tmp_path, UNLABELLED + rows), require_labels=False)
    no_tag = HEADER.replace("@classLabel true a b\n", "")
    with pytest.raises(ValueError, match="Bad_TRAIN.ts: the header has no @classLabel line"):
        load_ts(write(tmp_path, no_tag + "1,2,3:4,5,6\n"), require_labels=False)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="nowhere.ts"):
        load_ts("nowhere.ts")


def test_names_match_without_case_and_near_misses_are_suggested(isolated):
    X, _ = load_uea("basicmotions", data_dir=isolated)
    assert X.shape == (40, 6, 100)
    with pytest.raises(FileNotFoundError, match="Did you mean 'BasicMotions'"):
        load_uea("BasicMotion", data_dir=isolated)
    # A local dataset outside the catalogue matches without case too.
    folder = isolated / "MyData"
    folder.mkdir()
    for split in ("TRAIN", "TEST"):
        (folder / f"MyData_{split}.ts").write_bytes((BUNDLED_DIR / "ERing" / f"ERing_{split}.ts").read_bytes())
    assert datasets.find_uea("mydata", isolated) == folder
    assert load_uea("MYDATA", "test", data_dir=isolated)[0].shape == (270, 4, 65)
    assert "MyData" in archive.closest_names("MyDta", isolated)


def test_a_known_name_missing_locally_gets_no_suggestion_of_itself(isolated):
    with pytest.raises(FileNotFoundError) as info:
        load_uea("NATOPS", data_dir=isolated)  # in the catalogue, not bundled
    assert "Did you mean" not in str(info.value)
