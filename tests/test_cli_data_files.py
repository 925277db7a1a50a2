"""The command line on a user's own files (.npy, .npz, .ts written by write_ts) and on datasets not yet here."""

import json
import shutil

import numpy as np
import pytest

from mlstm_fcn import cli, load_model
from mlstm_fcn.cli import commands
from mlstm_fcn.datasets import BUNDLED_DIR, archive, load_uea, write_ts

TINY = ["--epochs", "2", "--filters", "4,4,4", "--kernel-sizes", "3,3,3", "--lstm-units", "2",
        "--se-reduction", "2", "--device", "cpu", "--quiet"]


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def arrays(tmp_path_factory):
    """BasicMotions as a user would save it: X_TRAIN.npy + y_TRAIN.npy, and the same as .npz files."""
    folder = tmp_path_factory.mktemp("arrays")
    for split in ("train", "test"):
        X, y = load_uea("BasicMotions", split)
        np.save(folder / f"X_{split.upper()}.npy", X)
        np.save(folder / f"y_{split.upper()}.npy", y)
        np.savez(folder / f"bm_{split.upper()}.npz", X=X, y=y)
    return folder


def test_fit_evaluate_predict_and_export_from_npy_files(arrays, capsys, tmp_path, one_torch_thread):
    model = tmp_path / "npy.model"
    code, out, err = run(capsys, "fit", arrays / "X_TRAIN.npy", "--y", arrays / "y_TRAIN.npy", "--out", model, *TINY)
    assert code == 0, err
    # The closing hint names the test files beside the training files, never the training file.
    assert out.strip().splitlines()[-1] == (f"evaluate with: mlstm-fcn evaluate {model} {arrays / 'X_TEST.npy'} "
                                            f"--y {arrays / 'y_TEST.npy'}")
    code, out, err = run(capsys, "evaluate", model, arrays / "X_TEST.npy", "--y", arrays / "y_TEST.npy", "--json")
    assert code == 0, err
    X_test, y_test = load_uea("BasicMotions", "test")
    clf = load_model(model)
    assert json.loads(out)["accuracy"] == pytest.approx(float(np.mean(clf.predict(X_test) == y_test)))
    code, out, err = run(capsys, "predict", model, arrays / "X_TEST.npy", "--json")
    assert code == 0, err
    assert [p["prediction"] for p in json.loads(out)["predictions"]] == clf.predict(X_test).tolist()
    assert clf.verbose == 0  # the CLI's progress bar is not kept in the model's parameters


def test_fit_and_evaluate_from_npz_files(arrays, capsys, tmp_path, one_torch_thread):
    model = tmp_path / "npz.model"
    code, out, err = run(capsys, "fit", arrays / "bm_TRAIN.npz", "--out", model, "--json", *TINY)
    assert code == 0, err
    assert json.loads(out)["dataset"] == str(arrays / "bm_TRAIN.npz")
    code, out, err = run(capsys, "evaluate", model, arrays / "bm_TEST.npz", "--json")
    assert code == 0 and json.loads(out)["n_series"] == 40


@pytest.mark.parametrize("argv, fragment", [
    (["fit", "{d}/X_TRAIN.npy"], "fit needs labelled series (a .npy file of series needs --y LABELS.npy"),
    (["fit", "{d}/bad.npz"], "bad.npz holds 'data'; a .npz file must hold an array 'X' of shape (n, channels, time)"),
    (["fit", "{d}/y_TRAIN.npy", "--y", "{d}/y_TRAIN.npy"], "y_TRAIN.npy holds an array of shape (40,) and dtype"),
    (["fit", "{d}/X_TRAIN.npy", "--y", "{d}/nothing.npy"], "No such file"),
    (["fit", "{d}/X_TRAIN.npy", "--y", "{d}/short.npy"], "labels of shape (3,) for 40 series"),
    (["fit", "{d}/pickled.npy"], "is not a readable .npy file of numbers"),
    (["fit", "{d}/notes.txt"], "a data file is .ts, .npy, .npz or .csv, not .txt"),
    (["fit", "{d}/notes.csv"], "notes.csv: The table has no id column 'id'; its columns are ['1', '2', '3']"),
])
def test_wrong_files_say_what_a_file_must_hold(arrays, capsys, tmp_path, argv, fragment):
    np.savez(arrays / "bad.npz", data=np.zeros((2, 2, 2)))
    np.save(arrays / "short.npy", np.array(["a", "b", "c"]))
    np.save(arrays / "pickled.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    (arrays / "notes.csv").write_text("1,2,3\n")
    (arrays / "notes.txt").write_text("1,2,3\n")
    code, out, err = run(capsys, *[a.format(d=arrays) for a in argv], "--out", tmp_path / "m.model", *TINY)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and fragment in err
    assert "@data" not in err  # not the .ts header error


def test_a_ts_file_written_by_write_ts_trains_and_the_hint_says_when_there_is_no_test_file(
        capsys, tmp_path, one_torch_thread):
    X, y = load_uea("BasicMotions", "train")
    train = write_ts(tmp_path / "Mine_TRAIN.ts", X, y)
    code, out, err = run(capsys, "fit", train, "--out", tmp_path / "m.model", *TINY)
    assert code == 0, err
    hint = out.strip().splitlines()[-1]
    assert "no test file beside" in hint and "Mine_TRAIN.ts" in hint and "evaluate" in hint
    assert f"evaluate {tmp_path / 'm.model'} {train}" not in hint  # never the training file itself
    write_ts(tmp_path / "Mine_TEST.ts", *load_uea("BasicMotions", "test"))
    code, out, _ = run(capsys, "fit", train, "--out", tmp_path / "m.model", *TINY)
    assert out.strip().splitlines()[-1] == f"evaluate with: mlstm-fcn evaluate {tmp_path / 'm.model'} " \
                                           f"{tmp_path / 'Mine_TEST.ts'}"


def test_a_wrong_number_of_filters_is_reported_before_any_data_is_read(capsys, monkeypatch):
    read = []
    monkeypatch.setattr(commands, "load_data", lambda *a: read.append(a))
    code, _, err = run(capsys, "fit", "BasicMotions", "--filters", "128,256")
    assert code == 1 and read == []
    assert "--filters and --kernel-sizes must give one value per convolution block" in err


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """No $MLSTM_FCN_DATA and an empty user cache (patched where the search path reads it)."""
    monkeypatch.delenv("MLSTM_FCN_DATA", raising=False)
    monkeypatch.setattr(archive, "user_cache_dir", lambda: tmp_path / "cache")
    return tmp_path / "cache"


def test_unknown_dataset_says_how_to_get_it(capsys, empty_cache):
    code, _, err = run(capsys, "fit", "NATOPS", *TINY)
    assert code == 1 and len(err.strip().splitlines()) == 1
    for fragment in ("unknown dataset 'NATOPS'", "Available here:", "BasicMotions", "--download",
                     "load_uea('NATOPS', download=True)"):
        assert fragment in err


def test_download_option_fetches_through_load_uea(capsys, empty_cache, monkeypatch, tmp_path, one_torch_thread):
    calls = []

    def fake_download(name, cache_dir, *, base_url=None, timeout=None, deadline=None):
        # Stands in for the verified download: unpacks a bundled dataset under the asked name.
        calls.append((name, cache_dir))
        folder = cache_dir / name
        folder.mkdir(parents=True)
        for split in ("TRAIN", "TEST"):
            shutil.copy(BUNDLED_DIR / "BasicMotions" / f"BasicMotions_{split}.ts", folder / f"{name}_{split}.ts")
        return folder

    monkeypatch.setattr(archive, "download_uea", fake_download)
    code, out, err = run(capsys, "fit", "NATOPS", "--download", "--out", tmp_path / "n.model", "--json", *TINY)
    assert code == 0, err
    assert calls == [("NATOPS", empty_cache)] and json.loads(out)["dataset"] == "NATOPS (train)"
    code, out, _ = run(capsys, "evaluate", tmp_path / "n.model", "NATOPS", "--json")  # now in the cache
    assert code == 0 and json.loads(out)["dataset"] == "NATOPS (test)" and len(calls) == 1


def test_load_arrays_maps_npy_files_and_reads_npz_archives(arrays):
    from mlstm_fcn.datasets import load_arrays

    X, y = load_arrays(arrays / "X_TRAIN.npy")
    assert isinstance(X, np.memmap) and y is None  # not read into memory: fit streams a memmap
    X_npz, y_npz = load_arrays(arrays / "bm_TRAIN.npz")
    np.testing.assert_array_equal(X_npz, X)
    np.testing.assert_array_equal(y_npz, np.load(arrays / "y_TRAIN.npy"))
