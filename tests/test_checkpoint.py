"""Checkpointing: a fit killed mid-way resumes and ends exactly as an uninterrupted one (CPU)."""

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.training import checkpoint, loop
from mlstm_fcn.training import epoch as training  # where an epoch's steps and loss are looked up
from mlstm_fcn.training.checkpoint import run_id

from .conftest import FAST

ROOT = Path(__file__).resolve().parents[1]
# Every epoch runs (no stop rule), one batch each: the tests count epochs, batches and checkpoints.
PARAMS = {**FAST, "epochs": 12, "batch_size": 128, "dropout": 0.5, "random_state": 7, "checkpoint_every": 3,
          "stop_when_fitted": None}



def _figures(history: dict) -> dict:
    """History without the wall-clock ``time`` column, which no two runs share."""
    return {k: v for k, v in history.items() if k != "time"}

def _count_training_steps(monkeypatch):
    # Optimizer steps, not loss evaluations: fit also evaluates the final model's loss.
    calls = {"n": 0}
    original = training.EpochRunner.step

    def counting(self, *args):
        calls["n"] += 1
        return original(self, *args)

    monkeypatch.setattr(training.EpochRunner, "step", counting)
    return calls


def _checkpoints(directory):
    return sorted(Path(directory).glob("*.ckpt"))


# Run in a child process: fit slowly (a sleep per training step, which changes no numbers) so
# that the parent can kill it after its first checkpoint, and never finish (block forever at
# step BLOCK_AT), so that the kill always lands mid-fit, however loaded the machine.
_CHILD = textwrap.dedent("""
    import sys, time
    import numpy as np, torch
    from mlstm_fcn import MLSTMFCNClassifier
    from mlstm_fcn.training import epoch as training
    data_path, ckpt_dir, threads, block_at = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    original, calls = training.weighted_loss, [0]
    def slow_loss(*args):
        calls[0] += 1
        if calls[0] >= block_at:
            time.sleep(10_000)
        time.sleep(0.05)
        return original(*args)
    training.weighted_loss = slow_loss
    data = np.load(data_path)
    params = eval(sys.argv[5])
    MLSTMFCNClassifier(**params, checkpoint_dir=ckpt_dir).fit(data["X"], data["y"])
    print("FINISHED")
""")


@pytest.mark.slow
def test_fit_killed_mid_way_resumes_to_identical_weights(tiny_data, tmp_path, monkeypatch):
    X, y = tiny_data
    params = {**PARAMS, "epochs": 30, "checkpoint_every": 2, "validation_split": 0.25}
    np.savez(tmp_path / "data.npz", X=X, y=y)
    ckpt_dir = tmp_path / "ckpt"
    # One training batch and one validation batch per epoch, each a weighted_loss call:
    # the child blocks in epoch 20 (calls 41 and 42) if it is not killed before.
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path / "data.npz"), str(ckpt_dir),
         str(torch.get_num_threads()), "41", repr(params)],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300  # generous: a loaded 2-core CI machine
        while not _checkpoints(ckpt_dir):
            assert child.poll() is None, child.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "no checkpoint within 300 s"
            time.sleep(0.05)
        time.sleep(0.2)  # let it train on a little past the checkpoint
    finally:
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL and b"FINISHED" not in out

    (path,) = _checkpoints(ckpt_dir)
    saved = torch.load(path, weights_only=True)
    assert not saved["finished"] and saved["epoch"] < 30  # epochs finished
    resumed_from = saved["epoch"]

    steps = _count_training_steps(monkeypatch)
    resumed = MLSTMFCNClassifier(**params, checkpoint_dir=ckpt_dir).fit(X, y)
    assert steps["n"] == 30 - resumed_from  # one batch an epoch: only the epochs after the checkpoint ran
    monkeypatch.undo()
    reference = MLSTMFCNClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(resumed.predict_proba(X), reference.predict_proba(X))
    assert _figures(resumed.history_) == _figures(reference.history_)
    assert resumed.best_epoch_ == reference.best_epoch_ and resumed.n_epochs_ == 30


@pytest.mark.parametrize("extra", [{}, {"validation_split": 0.25}, {"augmentation": ["time_warp", "mixup"]},
                                   {"average_last_epochs": 4}])
def test_interrupted_then_resumed_equals_uninterrupted(tiny_data, tmp_path, monkeypatch, extra):
    X, y = tiny_data
    params = {**PARAMS, **extra}
    reference = MLSTMFCNClassifier(**params).fit(X, y)

    # Ctrl-C in epoch 8: the checkpoint after epoch 6 is the last one written.
    # One weighted_loss call per epoch for the single training batch, one more for validation.
    interrupt_at = 8 * (2 if "validation_split" in extra else 1)
    calls = {"n": 0}
    original = training.weighted_loss

    def interrupting(*args):
        calls["n"] += 1
        if calls["n"] == interrupt_at:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(training, "weighted_loss", interrupting)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    monkeypatch.undo()
    assert torch.load(_checkpoints(tmp_path)[0], weights_only=True)["epoch"] == 6

    resumed = MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    np.testing.assert_array_equal(resumed.predict_proba(X), reference.predict_proba(X))
    assert _figures(resumed.history_) == _figures(reference.history_)
    assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")] == []


def test_checkpointing_changes_nothing_and_a_finished_run_is_returned(tiny_data, tmp_path, monkeypatch):
    X, y = tiny_data
    plain = MLSTMFCNClassifier(**PARAMS).fit(X, y)
    with_ckpt = MLSTMFCNClassifier(**PARAMS, checkpoint_dir=tmp_path).fit(X, y)
    np.testing.assert_array_equal(with_ckpt.predict_proba(X), plain.predict_proba(X))
    assert torch.load(_checkpoints(tmp_path)[0], weights_only=True)["finished"]
    steps = _count_training_steps(monkeypatch)
    again = MLSTMFCNClassifier(**PARAMS, checkpoint_dir=tmp_path).fit(X, y)
    assert steps["n"] == 0
    np.testing.assert_array_equal(again.predict_proba(X), plain.predict_proba(X))
    assert _figures(again.history_) == _figures(plain.history_)


def test_another_configuration_does_not_resume(tiny_data, tmp_path, monkeypatch):
    X, y = tiny_data
    MLSTMFCNClassifier(**PARAMS, checkpoint_dir=tmp_path).fit(X, y)
    other = {**PARAMS, "learning_rate": 5e-3}
    steps = _count_training_steps(monkeypatch)
    clf = MLSTMFCNClassifier(**other, checkpoint_dir=tmp_path).fit(X, y)
    assert steps["n"] == PARAMS["epochs"]  # trained from scratch
    monkeypatch.undo()
    np.testing.assert_array_equal(clf.predict_proba(X), MLSTMFCNClassifier(**other).fit(X, y).predict_proba(X))
    assert len(_checkpoints(tmp_path)) == 2
    # Other data is another run too.
    ids = {checkpoint.run_id(MLSTMFCNClassifier(**PARAMS).get_params(), torch.device("cpu"), [a, None, y])
           for a in (X, X + 1)}
    assert len(ids) == 2


def test_unreadable_or_malicious_checkpoint_is_ignored_with_a_warning(tiny_data, tmp_path):
    X, y = tiny_data
    reference = MLSTMFCNClassifier(**PARAMS).fit(X, y)
    MLSTMFCNClassifier(**PARAMS, checkpoint_dir=tmp_path).fit(X, y)
    (path,) = _checkpoints(tmp_path)

    path.write_bytes(path.read_bytes()[:1000])  # truncated
    with pytest.warns(RuntimeWarning, match="unreadable checkpoint"):
        clf = MLSTMFCNClassifier(**PARAMS, checkpoint_dir=tmp_path).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))

    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    torch.save({"version": 1, "network": Payload()}, path)
    with pytest.warns(RuntimeWarning, match="unreadable checkpoint"):
        MLSTMFCNClassifier(**PARAMS, checkpoint_dir=tmp_path).fit(X, y)
    assert not marker.exists()
    pickle.loads(pickle.dumps(Payload()))  # the payload is live: plain unpickling runs it
    assert marker.exists()


def test_a_checkpoint_of_another_version_is_ignored_and_training_starts_anew(tiny_data, tmp_path):
    X, y = tiny_data
    reference = MLSTMFCNClassifier(**PARAMS).fit(X, y)
    MLSTMFCNClassifier(**PARAMS, checkpoint_dir=tmp_path).fit(X, y)
    (path,) = _checkpoints(tmp_path)
    payload = torch.load(path, weights_only=True)
    payload["version"] = 1  # what development versions before 0.1.0 wrote (epochs from 0)
    torch.save(payload, path)
    with pytest.warns(RuntimeWarning, match="checkpoint version 1, which this mlstm-fcn .* does not read"):
        clf = MLSTMFCNClassifier(**PARAMS, checkpoint_dir=tmp_path).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))
    assert torch.load(path, weights_only=True)["version"] == 2  # rewritten by the new run


def test_a_crash_while_writing_keeps_the_last_good_checkpoint(tiny_data, tmp_path, monkeypatch):
    X, y = tiny_data
    writes = {"n": 0}
    real_save = torch.save

    def crashing_save(obj, f, *args, **kwargs):
        writes["n"] += 1
        if writes["n"] == 2:  # the second checkpoint: half written, then the process "dies"
            f.write(b"partial")
            raise KeyboardInterrupt
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(checkpoint.torch, "save", crashing_save)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        MLSTMFCNClassifier(**PARAMS, checkpoint_dir=tmp_path).fit(X, y)
    monkeypatch.undo()
    (path,) = _checkpoints(tmp_path)
    assert torch.load(path, weights_only=True)["epoch"] == 3  # the first checkpoint, intact
    assert [n for n in os.listdir(tmp_path) if n.endswith(".tmp")] == []


def test_checkpoint_params_are_validated(tiny_data):
    X, y = tiny_data
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="checkpoint_every"):
            MLSTMFCNClassifier(**FAST, checkpoint_every=bad).fit(X, y)
    with pytest.raises(ValueError, match="checkpoint_dir"):
        MLSTMFCNClassifier(**FAST, checkpoint_dir=3).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert MLSTMFCNClassifier(**FAST).checkpoint_dir is None


def test_run_ids_name_what_changes_training_only(tiny_data):
    X, y = tiny_data
    params = MLSTMFCNClassifier(**PARAMS).get_params()
    arrays = [X, None, np.unique(y, return_inverse=True)[1]]
    cpu = torch.device("cpu")
    same = checkpoint.run_id(params, cpu, arrays)
    for name, value in [("n_jobs", 2), ("verbose", 1), ("warm_start", True), ("bn_statistics", "running")]:
        assert checkpoint.run_id({**params, name: value}, cpu, arrays) == same, name
    for name, value in [("stop_when_fitted", 5), ("augmentation", "jitter"), ("epochs", 31)]:
        assert checkpoint.run_id({**params, name: value}, cpu, arrays) != same, name


@pytest.mark.parametrize("where", ["a-file", "under-a-file", "empty-string"])
def test_an_unusable_checkpoint_dir_fails_before_training(tiny_data, tmp_path, monkeypatch, where):
    X, y = tiny_data
    (tmp_path / "file").write_text("x")
    directory = {"a-file": tmp_path / "file", "under-a-file": tmp_path / "file" / "sub", "empty-string": ""}[where]
    steps = _count_training_steps(monkeypatch)
    with pytest.raises(ValueError, match="checkpoint_dir"):
        MLSTMFCNClassifier(**PARAMS, checkpoint_dir=directory).fit(X, y)
    assert steps["n"] == 0  # refused before the first step, not at the first checkpoint


def _drop_key(payload):
    del payload["optimizer"]


def _wrong_shape(payload):
    name = next(k for k, v in payload["network"].items() if v.dim() == 2)
    payload["network"][name] = torch.zeros(3, 3)


def _wrong_optimizer_shape(payload):
    entries = next(iter(payload["optimizer"]["state"].values()))
    entries["exp_avg"] = torch.zeros(7)


@pytest.mark.parametrize("damage", [_drop_key, _wrong_shape, _wrong_optimizer_shape],
                         ids=["missing-key", "wrong-weight-shape", "wrong-optimizer-shape"])
def test_a_checkpoint_of_this_run_that_does_not_fit_is_ignored_with_a_warning(tiny_data, tmp_path, damage):
    X, y = tiny_data
    params = {**PARAMS, "epochs": 4, "checkpoint_every": 2}
    reference = MLSTMFCNClassifier(**params).fit(X, y)
    MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    (path,) = _checkpoints(tmp_path)
    payload = torch.load(path, weights_only=True)
    payload["finished"] = False
    damage(payload)
    torch.save(payload, path)
    with pytest.warns(RuntimeWarning, match="Ignoring checkpoint .*training starts from scratch"):
        clf = MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))
    # The damaged file was replaced by this run's own: the next fit resumes it without a warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)


def test_resume_trains_on_the_optimizers_own_learning_rate_tensor(tiny_data, tmp_path, monkeypatch):
    # On CUDA the optimizer's learning rate is a device tensor that the captured graph reads; a
    # checkpoint restore must not leave the graph bound to the checkpoint's copy (the schedule would
    # then never reach it). Reproduced on CPU with a tensor learning rate.
    X, y = tiny_data
    made, bound = [], []

    def make_optimizer(network, config, device):
        lr = torch.tensor(config.learning_rate)
        made.append(lr)
        return torch.optim.Adam(network.parameters(), lr=lr, foreach=False)

    class Recording(training.EpochRunner):
        def __init__(self, network, optimizer, *args, **kwargs):
            bound.append(optimizer.param_groups[0]["lr"] is made[-1])
            super().__init__(network, optimizer, *args, **kwargs)

    monkeypatch.setattr(loop, "make_optimizer", make_optimizer)
    monkeypatch.setattr(loop, "EpochRunner", Recording)
    params = {**FAST, "epochs": 8, "lr_patience": 1, "checkpoint_every": 2, "random_state": 0}
    calls = {"n": 0}
    original = training.weighted_loss

    def interrupting(*args):
        calls["n"] += 1
        if calls["n"] == 6:  # during epoch 5: the checkpoint of epoch 3 is the last one
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(training, "weighted_loss", interrupting)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    monkeypatch.setattr(training, "weighted_loss", original)
    resumed = MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    assert bound == [True, True]
    assert resumed.n_epochs_ == 8


def test_random_state_objects_with_other_seeds_are_other_runs():
    cpu = torch.device("cpu")

    def rid(rs):
        return run_id({"random_state": rs}, cpu, [])

    assert rid(np.random.RandomState(1)) == rid(np.random.RandomState(1))
    assert rid(np.random.RandomState(1)) != rid(np.random.RandomState(2))
    assert rid(np.random.default_rng(1)) != rid(np.random.default_rng(2))


def test_checkpoint_files_count_epochs_from_one_as_history_does(tiny_data, tmp_path):
    X, y = tiny_data
    params = {**FAST, "epochs": 4, "random_state": 0, "stop_when_fitted": None, "checkpoint_every": 2}
    clf = MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    (path,) = list(tmp_path.glob("*.ckpt"))
    saved = torch.load(path, weights_only=True)
    assert saved["history"]["epoch"] == [1, 2, 3, 4] and saved["epoch"] == 4  # since checkpoint version 2
    assert saved["best_epoch"] == clf.best_epoch_
    again = MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    assert again.history_["epoch"] == [1, 2, 3, 4] and again.best_epoch_ == clf.best_epoch_


def test_a_run_killed_after_its_stop_epoch_resumes_as_stopped(tiny_data, tmp_path):
    X, y = tiny_data
    # No augmentation: the fitted rule must end the run early (mixed series are seldom all classified right).
    params = {**FAST, "epochs": 60, "learning_rate": 1e-2, "random_state": 0, "stop_when_fitted": 5,
              "checkpoint_every": 1, "augmentation": None}
    reference = MLSTMFCNClassifier(**params).fit(X, y)
    assert reference.n_epochs_ < 60

    class Killed(Exception):
        pass

    real_write = checkpoint.Checkpointer.write

    def write(self, state, *args):
        if state.finished:
            raise Killed  # the process dies between the last periodic checkpoint and the final one
        return real_write(self, state, *args)

    checkpoint.Checkpointer.write = write
    try:
        with pytest.raises(Killed):
            MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    finally:
        checkpoint.Checkpointer.write = real_write
    resumed = MLSTMFCNClassifier(**params, checkpoint_dir=tmp_path).fit(X, y)
    assert resumed.n_epochs_ == reference.n_epochs_ and resumed.best_epoch_ == reference.best_epoch_
