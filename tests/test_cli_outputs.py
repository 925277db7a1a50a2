"""What the commands write: never one of their inputs, checked before any work; an interrupted fit exits 130."""

import os
import signal

import numpy as np
import pytest

from mlstm_fcn import cli, load_model
from mlstm_fcn.cli import commands
from mlstm_fcn.cli.outputs import InterruptWatch, data_inputs, interrupted_path, same_file
from mlstm_fcn.datasets import BUNDLED_DIR

TINY = ["--epochs", "2", "--filters", "4,4,4", "--kernel-sizes", "3,3,3", "--lstm-units", "2",
        "--se-reduction", "2", "--device", "cpu", "--quiet"]


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path, tiny_data):
    X, y = tiny_data
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    return tmp_path


def _never_trained(monkeypatch):
    """An epoch callback that fails the command: no epoch may end."""
    def fail(*args, **kwargs):
        raise AssertionError("training started")
    real = commands._fit_params
    monkeypatch.setattr(commands, "_fit_params", lambda args: {**real(args), "callbacks": [fail]})


@pytest.mark.parametrize("argv, out", [
    (["fit", "X.npy", "--y", "y.npy"], "X.npy"),
    (["fit", "X.npy", "--y", "y.npy"], "y.npy"),
    (["fit", "d.npz"], "d.npz"),
    (["fit", "d.npz"], "./sub/../d.npz"),  # the same file by another spelling
])
def test_fit_refuses_an_output_that_is_one_of_its_inputs_before_any_work(files, capsys, monkeypatch, argv, out):
    (files / "sub").mkdir()
    monkeypatch.chdir(files)
    _never_trained(monkeypatch)
    before = {p.name: p.read_bytes() for p in files.iterdir() if p.is_file()}
    code, stdout, err = run(capsys, *argv, "--out", out, *TINY)
    assert code == 1 and stdout == ""
    assert "is the input file" in err and "would destroy that input" in err and len(err.splitlines()) == 1
    assert {p.name: p.read_bytes() for p in files.iterdir() if p.is_file()} == before


def test_a_hard_link_or_symbolic_link_to_an_input_is_the_input(files, capsys, monkeypatch):
    _never_trained(monkeypatch)
    os.link(files / "d.npz", files / "hard.npz")
    (files / "soft.npz").symlink_to(files / "d.npz")
    before = (files / "d.npz").read_bytes()
    for out in ("hard.npz", "soft.npz"):
        code, _, err = run(capsys, "fit", files / "d.npz", "--out", files / out, *TINY)
        assert code == 1 and "is the input file" in err
    assert (files / "d.npz").read_bytes() == before
    assert same_file(files / "hard.npz", files / "d.npz") and not same_file(files / "X.npy", files / "y.npy")


def test_a_dataset_folders_training_file_is_an_input(tmp_path, capsys, monkeypatch):
    _never_trained(monkeypatch)
    folder = tmp_path / "BasicMotions"
    folder.mkdir()
    for split in ("TRAIN", "TEST"):
        name = f"BasicMotions_{split}.ts"
        (folder / name).write_bytes((BUNDLED_DIR / "BasicMotions" / name).read_bytes())
    code, _, err = run(capsys, "fit", folder, "--out", folder / "BasicMotions_TRAIN.ts", *TINY)
    assert code == 1 and "is the input file" in err
    # A UEA name reads its folder's split files: those are its inputs.
    assert data_inputs("BasicMotions", "train", str(tmp_path)) == [folder / "BasicMotions_TRAIN.ts"]


def test_export_refuses_to_write_over_its_model(files, capsys):
    model = files / "m.model"
    assert run(capsys, "fit", files / "d.npz", "--out", model, *TINY)[0] == 0
    before = model.read_bytes()
    code, _, err = run(capsys, "export", model, model)
    assert code == 1 and "is the input file" in err
    assert model.read_bytes() == before


@pytest.fixture
def python_sigint():
    """Python's own SIGINT handler, as in a terminal, also where the tests run under nohup (SIGINT ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _interrupt_after_first_epoch(monkeypatch):
    """Ctrl-C as a user gives it: SIGINT to this process as the first epoch ends (an epoch callback sends it)."""
    real = commands._fit_params

    def sigint(*args, **kwargs):
        signal.raise_signal(signal.SIGINT)
    monkeypatch.setattr(commands, "_fit_params", lambda args: {**real(args), "callbacks": [sigint]})


def test_an_interrupted_fit_exits_130_leaves_the_existing_model_and_writes_the_partial_one_apart(
        files, capsys, monkeypatch, python_sigint):
    model = files / "m.model"
    assert run(capsys, "fit", files / "d.npz", "--out", model, *TINY)[0] == 0
    before = model.read_bytes()
    _interrupt_after_first_epoch(monkeypatch)
    code, out, err = run(capsys, "fit", files / "d.npz", "--out", model, *TINY, "--epochs", "5")
    assert code == 130 and out == ""
    partial = interrupted_path(model)
    assert partial.name == "m.model.interrupted"
    assert "interrupted" in err and str(partial) in err and f"{model} is unchanged" in err
    assert model.read_bytes() == before
    clf = load_model(partial)
    assert clf.n_epochs_ == 1


def test_an_interrupted_fit_without_an_earlier_model_writes_only_the_partial_one(files, capsys, monkeypatch, python_sigint):
    model = files / "new.model"
    _interrupt_after_first_epoch(monkeypatch)
    code, _, err = run(capsys, "fit", files / "d.npz", "--out", model, *TINY)
    assert code == 130 and not model.exists() and interrupted_path(model).is_file()
    assert f"{model} was not written" in err


def test_the_interrupt_watch_keeps_an_ignored_sigint_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with InterruptWatch() as watch:
            signal.raise_signal(signal.SIGINT)  # ignored: nothing raised, nothing seen
        assert not watch.seen and signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
