"""Data-parallel fits: two gloo processes on the CPU against one process on the same global batches."""

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea
from mlstm_fcn.training import protocol

ROOT = Path(__file__).resolve().parent.parent

# dropout=0 and no augmentation: each rank draws dropout masks and augmentations for its own shard
# (cutmix mixes series within it), which one process cannot reproduce.
PARAMS = dict(epochs=4, filters=[8, 8, 8], kernel_sizes=[3, 3, 3], se_reduction=4, lstm_units=4, dropout=0.0,
              batch_size=16, stop_when_fitted=None, device="cpu", augmentation=None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _torchrun(args, tmp_path, timeout=300):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr", "127.0.0.1",
           "--master_port", str(_free_port()), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, cwd=tmp_path)


@pytest.mark.parametrize("dataset, epochs, batch_size", [
    ("BasicMotions", 4, 16),
    ("JapaneseVowels", 2, 64),  # unequal lengths: the masked BatchNorm path
])
def test_two_gloo_processes_fit_the_model_one_process_fits_on_the_same_global_batches(
        tmp_path, one_torch_thread, dataset, epochs, batch_size):
    out = tmp_path / "model.safetensors"
    run = dict(PARAMS, epochs=epochs, batch_size=batch_size)
    params = [a for k, v in run.items() for a in ("--param", f"{k}={json.dumps(v)}")]
    proc = _torchrun(["-m", "mlstm_fcn.distributed", dataset, "--out", str(out), "--seed", "0",
                      "--checkpoint-dir", str(tmp_path / "ckpt"), *params], tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert "rank 0 of 2" in proc.stdout
    assert len(list((tmp_path / "ckpt").iterdir())) == 1  # rank 0 wrote the one checkpoint file
    parallel = MLSTMFCNClassifier.load(out)
    X, y = load_uea(dataset, split="train")
    single = MLSTMFCNClassifier(**run, random_state=0).fit(X, y)
    # Tolerance: the two processes compute the same steps as one process on the global batch, but sum
    # in another order (gradients all-reduced, BatchNorm sums split over ranks): float32 rounding,
    # ~1e-7 relative per step. Figures and weights agree to that, except the convolution biases: they
    # feed a BatchNorm, which subtracts them again, so their true gradient is 0 and what they get is
    # rounding noise, which Adam turns into steps of up to its learning rate. Those biases may differ
    # by up to lr per step; the BatchNorm means that absorb them differ alike, and outputs agree.
    np.testing.assert_allclose(parallel.history_["loss"], single.history_["loss"], rtol=1e-5)
    assert parallel.history_["accuracy"] == single.history_["accuracy"]
    steps = epochs * int(np.ceil(len(X) / batch_size))
    sp, ss = parallel.network_.state_dict(), single.network_.state_dict()
    for k in ss:
        if k.endswith("conv.bias") or k.endswith("running_mean"):
            tol = 2 * protocol.LEARNING_RATE * steps
        else:
            tol = 1e-5
        torch.testing.assert_close(sp[k].float(), ss[k].float(), rtol=0, atol=tol, msg=k)
    np.testing.assert_allclose(parallel.predict_proba(X), single.predict_proba(X), atol=1e-5)


def test_a_data_parallel_fit_with_the_default_augmentation_trains_on_every_rank(tmp_path, one_torch_thread):
    # The classifier's default cutmix, drawn per rank on its shard: the ranks still end with one model
    # (DistributedDataParallel averages the gradients), which rank 0 writes, augmentation kept.
    out = tmp_path / "model.safetensors"
    run = {k: v for k, v in PARAMS.items() if k != "augmentation"}
    params = [a for k, v in run.items() for a in ("--param", f"{k}={json.dumps(v)}")]
    proc = _torchrun(["-m", "mlstm_fcn.distributed", "BasicMotions", "--out", str(out), "--seed", "0", *params],
                     tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    parallel = MLSTMFCNClassifier.load(out)
    assert parallel.augmentation == "cutmix" and parallel.n_epochs_ == PARAMS["epochs"]
    X, y = load_uea("BasicMotions", split="train")
    # Not the one-process fit (other draws), but trained alike: its first loss is that of an untrained
    # network on mixed series, and it falls.
    single = MLSTMFCNClassifier(**run, random_state=0).fit(X, y)
    assert parallel.history_["loss"][-1] < parallel.history_["loss"][0]
    assert parallel.history_["loss"][0] == pytest.approx(single.history_["loss"][0], rel=0.1)


_MISMATCH = textwrap.dedent("""
    import os
    import numpy as np
    import torch.distributed as dist
    from mlstm_fcn import MLSTMFCNClassifier

    dist.init_process_group("gloo")
    rank = dist.get_rank()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20 + 4 * rank, 2, 10)).astype(np.float32)  # rank 1 loaded another data set
    y = np.arange(len(X)) % 2
    try:
        MLSTMFCNClassifier(epochs=1, filters=(4, 4, 4), kernel_sizes=(3, 3, 3), se_reduction=2, lstm_units=2,
                           device="cpu", distributed=True).fit(X, y)
        print(f"rank {rank}: FITTED")
    except ValueError as exc:
        print(f"rank {rank}: ValueError: {exc}")
    dist.destroy_process_group()
""")


def test_ranks_that_see_differently_shaped_data_fail_with_a_clear_error(tmp_path):
    script = tmp_path / "mismatch.py"
    script.write_text(_MISMATCH)
    proc = _torchrun([str(script)], tmp_path)
    assert proc.returncode == 0, proc.stderr[-4000:]
    for rank in (0, 1):
        assert f"rank {rank}: ValueError: The ranks of a distributed fit see different training data " \
               "(rank 0: 20 series x 2 channels x 10 steps, 2 outputs; rank 1: 24 series" in proc.stdout
    assert "FITTED" not in proc.stdout


def test_a_distributed_fit_without_a_process_group_says_how_to_launch_one(tiny_data):
    X, y = tiny_data
    with pytest.raises(RuntimeError, match="torchrun"):
        MLSTMFCNClassifier(**dict(PARAMS, epochs=1), distributed=True).fit(X, y)


def test_launcher_options():
    from mlstm_fcn.distributed import parser

    args = parser().parse_args(["--X", "x.npy", "--y", "y.npy", "--out", "m", "--param", "epochs=5",
                                "--param", "filters=[4,4,4]", "--param", "scaling=channel"])
    assert dict(args.param) == {"epochs": 5, "filters": [4, 4, 4], "scaling": "channel"}
    with pytest.raises(SystemExit):
        parser().parse_args(["--out", "m", "--param", "novalue"])


def test_the_launcher_without_torchrun_says_how_to_start_it(capsys, monkeypatch):
    from mlstm_fcn import distributed

    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    assert distributed.main(["BasicMotions", "--out", "m.safetensors"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not started by torchrun" in err[0] and "torchrun --nproc_per_node" in err[0]


def test_launcher_errors_are_one_line_from_rank_0_only(tmp_path):
    proc = _torchrun(["-m", "mlstm_fcn.distributed", "BasicMotions", "--out", str(tmp_path / "m.safetensors"),
                      "--param", "epoch=2"], tmp_path)  # a typo: the parameter is "epochs"
    assert proc.returncode != 0
    ours = [line for line in proc.stderr.splitlines() if line.startswith("torchrun -m mlstm_fcn.distributed")]
    assert len(ours) == 1 and "epoch" in ours[0], proc.stderr[-3000:]
    # No rank's traceback (torchrun's own report of the failed processes follows, which is not ours to change).
    assert "mlstm_fcn/distributed.py" not in proc.stderr and "TypeError" not in proc.stderr


@pytest.mark.parametrize("argv, expected", [
    (["--param", "random_state=5"], {"random_state": 5, "checkpoint_dir": None}),
    (["--param", "checkpoint_dir=ck"], {"random_state": 0, "checkpoint_dir": "ck"}),
    (["--seed", "3", "--checkpoint-dir", "ck"], {"random_state": 3, "checkpoint_dir": "ck"}),
    (["--seed", "5", "--param", "random_state=5"], {"random_state": 5, "checkpoint_dir": None}),
    (["--seed", "3", "--param", "random_state=5"], "disagree"),
    (["--checkpoint-dir", "a", "--param", "checkpoint_dir=b"], "disagree"),
    (["--param", "random_state=null"], "every rank"),
    (["--param", "distributed=false"], "distributed must be true"),
    # The estimator options of mlstm-fcn fit, the same table; --param stays the escape hatch.
    (["--epochs", "7", "--filters", "4,4,4", "--batch-size", "16"],
     {"epochs": 7, "filters": (4, 4, 4), "batch_size": 16}),
    (["--stop-when-fitted", "none", "--scaling", "none"], {"stop_when_fitted": None, "scaling": None}),
    (["--filters", "4,4,4", "--param", "filters=[4,4,4]"], {"filters": (4, 4, 4)}),
    (["--epochs", "7", "--param", "epochs=8"], "disagree"),
    (["--param", "class_weight=null", "--epochs", "3"], {"class_weight": None, "epochs": 3}),
    (["--threads", "2"], {"n_jobs": 2}),
    (["--threads", "2", "--param", "n_jobs=1"], "n_jobs=1 and --threads 2 disagree"),
])
def test_launcher_parameters_are_honoured_or_refused_never_silently_overridden(argv, expected):
    from mlstm_fcn.distributed import LaunchError, estimator_params, parser

    args = parser().parse_args(["--X", "x.npy", "--y", "y.npy", "--out", "m", *argv])
    if isinstance(expected, str):
        with pytest.raises(LaunchError, match=expected):
            estimator_params(args)
        return
    params = estimator_params(args)
    assert params["distributed"] is True
    assert {k: params.get(k) for k in expected} == expected


@pytest.mark.parametrize("name, value", [("RANK", "abc"), ("MASTER_PORT", "x"), ("WORLD_SIZE", "2.5")])
def test_a_torchrun_variable_that_is_not_a_number_is_named(capsys, monkeypatch, name, value):
    from mlstm_fcn import distributed

    for var, default in (("RANK", "0"), ("WORLD_SIZE", "1"), ("MASTER_ADDR", "127.0.0.1"), ("MASTER_PORT", "1")):
        monkeypatch.setenv(var, default)
    monkeypatch.setenv(name, value)
    assert distributed.main(["BasicMotions", "--out", "m.safetensors"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("torchrun -m mlstm_fcn.distributed: error: ")
    assert f"{name}={value!r} is not a whole number" in err[0] and "invalid literal" not in err[0]


def test_a_conflict_of_options_is_one_line_with_the_launchers_name(capsys, monkeypatch):
    from mlstm_fcn import distributed

    for var, default in (("RANK", "0"), ("WORLD_SIZE", "1"), ("MASTER_ADDR", "127.0.0.1"), ("MASTER_PORT", "1")):
        monkeypatch.setenv(var, default)
    assert distributed.main(["BasicMotions", "--out", "m", "--seed", "3", "--param", "random_state=5"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("torchrun -m mlstm_fcn.distributed: error: --param random_state=5")
    monkeypatch.setenv("RANK", "1")  # another rank says nothing: rank 0 speaks for all
    assert distributed.main(["BasicMotions", "--out", "m", "--seed", "3", "--param", "random_state=5"]) == 1
    assert capsys.readouterr().err == ""


def test_the_launcher_reads_files_with_the_checked_reader_of_fit(tmp_path, tiny_data):
    from mlstm_fcn.distributed import LaunchError, load_training_set, parser

    X, y = tiny_data
    np.savez(tmp_path / "d.npz", X=X, y=y)
    X_read, y_read = load_training_set(parser().parse_args(["--X", str(tmp_path / "d.npz"), "--out", "m"]))
    np.testing.assert_array_equal(X_read, X)
    np.testing.assert_array_equal(y_read, y)
    (tmp_path / "text.npz").write_text("1,2,3\n")
    with pytest.raises(ValueError, match="is not a readable .npz file") as info:
        load_training_set(parser().parse_args(["--X", str(tmp_path / "text.npz"), "--out", "m"]))
    assert "allow_pickle" not in str(info.value)
    np.save(tmp_path / "X.npy", X)
    with pytest.raises(LaunchError, match="has no labels"):
        load_training_set(parser().parse_args(["--X", str(tmp_path / "X.npy"), "--out", "m"]))


def test_the_launcher_checks_the_output_folder_before_training(tmp_path):
    proc = _torchrun(["-m", "mlstm_fcn.distributed", "BasicMotions", "--out", str(tmp_path / "missing" / "m.model"),
                      "--epochs", "1000"], tmp_path, timeout=120)
    assert proc.returncode != 0
    ours = [line for line in proc.stderr.splitlines() if line.startswith("torchrun -m mlstm_fcn.distributed")]
    assert len(ours) == 1 and "--out" in ours[0] and "does not exist" in ours[0], proc.stderr[-3000:]
    assert "epoch" not in proc.stdout
