"""Streamed training sets (``data_on_device``) and out-of-core inputs (numpy.memmap and other array-likes)."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn._data.host_series import HostSeries, block_rows
from mlstm_fcn._data.inputs import check_X
from mlstm_fcn.datasets import load_uea
from mlstm_fcn.training import streaming

from .conftest import FAST

ROOT = Path(__file__).resolve().parent.parent


def _same_fit(a, b):
    """Identical weights, history (all but wall time) and final figures."""
    sa, sb = a.network_.state_dict(), b.network_.state_dict()
    assert list(sa) == list(sb)
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k
    for k in a.history_:
        if k != "time":
            assert a.history_[k] == b.history_[k], k
    assert (a.train_loss_, a.train_accuracy_) == (b.train_loss_, b.train_accuracy_)


@pytest.fixture(scope="module")
def vowels():
    return load_uea("JapaneseVowels", split="train")  # unequal lengths: NaN padding, masked BatchNorm


@pytest.mark.parametrize("extra", [{}, {"average_last_epochs": 2}], ids=["best-epoch", "weight-averaging"])
def test_streamed_fit_equals_resident_fit_on_cpu(vowels, extra):
    X, y = vowels
    params = dict(FAST, batch_size=32, scaling="channel", validation_split=0.2, random_state=0, **extra)
    resident = MLSTMFCNClassifier(**params, data_on_device=True).fit(X, y)
    streamed = MLSTMFCNClassifier(**params, data_on_device=False).fit(X, y)
    assert resident.data_on_device_ and not streamed.data_on_device_
    assert "val_loss" in streamed.history_ and streamed.bn_statistics == "recompute"
    _same_fit(resident, streamed)
    np.testing.assert_array_equal(resident.predict_proba(X), streamed.predict_proba(X))


def test_memmap_fit_and_predict_equal_in_memory_ones(vowels, tmp_path):
    X, y = vowels
    path = tmp_path / "vowels.npy"
    np.save(path, X.astype(np.float64))  # float64 on disk: converted to float32 a batch at a time
    mm = np.load(path, mmap_mode="r")
    assert isinstance(mm, np.memmap)
    params = dict(FAST, batch_size=32, scaling="instance", random_state=1)
    in_memory = MLSTMFCNClassifier(**params).fit(X, y)
    out_of_core = MLSTMFCNClassifier(**params).fit(mm, y)
    assert in_memory.data_on_device_ and not out_of_core.data_on_device_  # "auto" on the CPU
    _same_fit(in_memory, out_of_core)
    np.testing.assert_array_equal(in_memory.predict_proba(X), out_of_core.predict_proba(mm))
    np.testing.assert_array_equal(in_memory.predict(mm), in_memory.predict(X))
    # Channel statistics read block by block equal those of the whole array.
    ch_mem = MLSTMFCNClassifier(**dict(params, scaling="channel", epochs=1)).fit(X, y)
    ch_mm = MLSTMFCNClassifier(**dict(params, scaling="channel", epochs=1)).fit(mm, y)
    np.testing.assert_allclose(ch_mm.input_mean_, ch_mem.input_mean_, rtol=1e-12)
    np.testing.assert_allclose(ch_mm.input_scale_, ch_mem.input_scale_, rtol=1e-12)


def test_memmap_forced_resident_equals_streamed(tmp_path, tiny_data):
    X, y = tiny_data
    path = tmp_path / "tiny.npy"
    np.save(path, X)
    mm = np.load(path, mmap_mode="r")
    params = dict(FAST, batch_size=8, random_state=0)
    resident = MLSTMFCNClassifier(**params, data_on_device=True).fit(mm, y)
    streamed = MLSTMFCNClassifier(**params, data_on_device=False).fit(mm, y)
    assert resident.data_on_device_ and not streamed.data_on_device_
    _same_fit(resident, streamed)  # asserts equal weights, history and final figures
    np.testing.assert_array_equal(resident.predict_proba(mm), streamed.predict_proba(mm))


class ReadCounter:
    """An array-like that is not a numpy array (as an h5py dataset): shape, dtype and slicing only."""

    def __init__(self, a):
        self.a, self.shape, self.dtype, self.largest = a, a.shape, a.dtype, 0

    def __getitem__(self, key):
        out = self.a[key]
        self.largest = max(self.largest, out.shape[0])
        return out

    def __array__(self, *args, **kwargs):
        raise AssertionError("the whole input was materialised")


def test_any_sliceable_array_like_is_read_in_blocks_and_batches(tiny_data, monkeypatch):
    X, y = tiny_data
    X = np.repeat(X, 4, axis=0)
    y = np.repeat(y, 4)
    monkeypatch.setattr("mlstm_fcn._data.host_series.BLOCK_BYTES", 8 * X.shape[1] * X.shape[2] * 10)  # 10-series blocks
    assert block_rows(X.shape[1], X.shape[2]) == 10
    source = ReadCounter(X)
    clf = MLSTMFCNClassifier(**FAST, batch_size=16, predict_batch_size=16, random_state=0).fit(source, y)
    assert not clf.data_on_device_
    reference = MLSTMFCNClassifier(**FAST, batch_size=16, predict_batch_size=16, random_state=0).fit(X, y)
    _same_fit(reference, clf)
    np.testing.assert_array_equal(clf.predict(source), reference.predict(X))
    assert source.largest <= 17  # a block, or a batch (16, or 17 with a last batch of one merged)


def test_memmap_trailing_padding_gives_lengths_and_inner_nan_is_refused(tmp_path):
    X = np.random.default_rng(0).normal(size=(30, 2, 12))
    X[3, :, 9:] = np.nan  # padding: every channel, to the end
    path = tmp_path / "padded.npy"
    np.save(path, X)
    series, lengths = check_X(np.load(path, mmap_mode="r"), out_of_core=True)
    assert isinstance(series, HostSeries)
    _, expected = check_X(X)
    np.testing.assert_array_equal(lengths, expected)
    assert lengths[3] == 9 and np.all(series[3:4][0, :, 9:] == 0)
    X[17, 1, 4] = np.nan  # a missing value inside a series
    np.save(path, X)
    with pytest.raises(ValueError, match=r"NaN inside a series \(series 17, channel 1, step 4\)"):
        MLSTMFCNClassifier(**FAST).fit(np.load(path, mmap_mode="r"), np.arange(30) % 2)
    X[17, 1, 4] = np.inf
    np.save(path, X)
    with pytest.raises(ValueError, match=r"infinity \(series 17"):
        MLSTMFCNClassifier(**FAST).fit(np.load(path, mmap_mode="r"), np.arange(30) % 2)


@pytest.mark.parametrize("dtype, message", [("U3", "cannot become float32"), ("M8[s]", "cannot become float32"),
                                            ("c8", "Complex data not supported")])
def test_memmap_of_a_dtype_that_cannot_become_float32_is_refused(tmp_path, dtype, message):
    mm = np.lib.format.open_memmap(tmp_path / "bad.npy", mode="w+", dtype=dtype, shape=(6, 2, 5))
    mm.flush()
    with pytest.raises(ValueError, match=message):
        MLSTMFCNClassifier(**FAST).fit(np.load(tmp_path / "bad.npy", mmap_mode="r"), np.arange(6) % 2)


def test_auto_streams_on_a_gpu_whose_free_memory_is_too_small(monkeypatch):
    free = {"bytes": 10_000}
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (free["bytes"], 10 ** 12))
    cuda = torch.device("cuda")
    limit = int(streaming.RESIDENT_FRACTION * free["bytes"])
    assert streaming.keep_on_device("auto", limit, cuda, out_of_core=False)
    assert not streaming.keep_on_device("auto", limit + 1, cuda, out_of_core=False)
    assert not streaming.keep_on_device("auto", 1, cuda, out_of_core=True)  # a memmap never goes whole
    assert streaming.keep_on_device(True, 10 ** 15, cuda, out_of_core=True)
    assert not streaming.keep_on_device(False, 1, torch.device("cpu"), out_of_core=False)
    assert streaming.keep_on_device("auto", 10 ** 15, torch.device("cpu"), out_of_core=False)
    assert not streaming.keep_on_device("auto", 1, torch.device("cpu"), out_of_core=True)


def test_data_on_device_is_validated(tiny_data):
    X, y = tiny_data
    with pytest.raises(ValueError, match="data_on_device"):
        MLSTMFCNClassifier(**FAST, data_on_device="sometimes").fit(X, y)


_CAPPED = textwrap.dedent("""
    import json, os, resource, sys
    import numpy as np
    import torch
    from mlstm_fcn import MLSTMFCNClassifier
    from mlstm_fcn.training import epoch as training

    path, extra, params = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    torch.set_num_threads(1)  # one intra-op pool size, whatever the machine: the same memory every run
    y = np.load(path.replace(".npy", "-y.npy"))

    def vm_data():
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmData:"))

    def cap_at(limit):
        resource.setrlimit(resource.RLIMIT_DATA, (limit, resource.RLIM_INFINITY))

    # Warm up on a small in-memory set: torch's lazy set-up, whatever the data size.
    small = np.load(path, mmap_mode="r")[:512].copy()
    MLSTMFCNClassifier(**params).fit(small, y[:512]).predict(small)
    del small
    # Less room than one copy of the data: what a resident fit needs at least, and what a streamed
    # fit must never hold. A margin that says only that, not a guess of the fit's working set.
    warm = vm_data()
    cap_at(warm + extra)
    out = {"warm": warm}
    mm = np.load(path, mmap_mode="r")
    try:  # the cap is meaningful: a resident fit (a float32 copy of the data) does not fit under it
        MLSTMFCNClassifier(**dict(params, data_on_device=True)).fit(mm, y)
        out["resident"] = "fitted"
    except MemoryError:
        out["resident"] = "MemoryError"
    original = training.EpochRunner.step

    def step(self, *args):
        result = original(self, *args)
        if "cap" not in out:
            # The streamed fit's own baseline, measured once its first batch has run (its buffers,
            # activations and gradients exist), and the same margin above it.
            out["baseline"] = vm_data()
            out["cap"] = out["baseline"] + extra
            cap_at(out["cap"])
        return result

    training.EpochRunner.step = step
    clf = MLSTMFCNClassifier(**params).fit(mm, y)
    training.EpochRunner.step = original
    out["streamed"] = bool(not clf.data_on_device_)
    out["proba"] = clf.predict_proba(mm[:200]).tolist()
    out["predict"] = clf.predict(mm).tolist()
    print("RESULT" + json.dumps(out))
""")



@pytest.mark.slow
def test_fit_on_a_memmap_larger_than_a_memory_cap_predicts_like_a_resident_fit(tmp_path):
    rng = np.random.default_rng(0)
    n, c, t = 4000, 8, 500  # 64 MB of float32 on disk
    path = tmp_path / "big.npy"
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, c, t))
    y = np.arange(n) % 4
    for start in range(0, n, 500):
        block = rng.normal(0, 1, size=(500, c, t)).astype(np.float32)
        block[np.arange(500), y[start:start + 500] + 1, 100:200] += 1.5
        mm[start:start + 500] = block
    mm.flush()
    del mm
    np.save(tmp_path / "big-y.npy", y)
    data_bytes = n * c * t * 4
    extra = 9 * data_bytes // 10  # room for less than one copy of the data
    params = dict(FAST, epochs=1, batch_size=128, predict_batch_size=256, scaling="channel", random_state=0,
                  filters=(4, 4, 4), lstm_units=2, se_reduction=2)
    # The child's memory must not depend on timing: one malloc arena for every thread, and a fixed mmap
    # threshold, so that freed large blocks go back to the system instead of raising the threshold and
    # leaving the heap fragmented (a full CI run once hit the cap so).
    env = dict(os.environ, MALLOC_ARENA_MAX="1", MALLOC_MMAP_THRESHOLD_="131072", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", _CAPPED, str(path), str(extra), json.dumps(params)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.split("RESULT", 1)[1])
    assert out["cap"] - out["baseline"] < data_bytes
    assert out["resident"] == "MemoryError"
    assert out["streamed"]
    # The same fit, resident and without a cap, in this process.
    mm = np.load(path, mmap_mode="r")
    X = np.asarray(mm)
    resident = MLSTMFCNClassifier(**params, data_on_device=True).fit(X, y)
    # To float32 rounding, not bit for bit: the two fits run in different processes (the child reads the
    # scaling statistics from the file in blocks; the processes' torch thread counts may differ), and
    # in a full CI run the probabilities differed by up to 1.9e-6.
    np.testing.assert_allclose(out["proba"], resident.predict_proba(X[:200]), rtol=0, atol=1e-5)
    np.testing.assert_array_equal(out["predict"], resident.predict(X))


@pytest.mark.gpu
def test_streamed_cuda_fit_matches_resident_cuda_fit(vowels):
    X, y = vowels
    params = dict(FAST, device="cuda", precision="fp32", cuda_graph=False, cudnn_benchmark=False,
                  batch_size=32, random_state=0)
    torch.backends.cudnn.deterministic = True
    try:
        resident = MLSTMFCNClassifier(**params, data_on_device=True).fit(X, y)
        streamed = MLSTMFCNClassifier(**params, data_on_device=False).fit(X, y)
    finally:
        torch.backends.cudnn.deterministic = False
    assert not streamed.data_on_device_
    for k, v in resident.network_.state_dict().items():
        torch.testing.assert_close(streamed.network_.state_dict()[k], v, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(streamed.history_["loss"], resident.history_["loss"], rtol=1e-4)


@pytest.mark.slow
def test_streaming_benchmark_runs_in_tiny_mode(tmp_path):
    from benchmarks.speed import bench_streaming

    out = tmp_path / "streaming.json"
    result = bench_streaming.main(["--tiny", "--out", str(out)])
    assert json.loads(out.read_text()) == result
    runs = result["runs"]
    for name in ("resident", "streamed", "processes_1", "processes_2"):
        assert "error" not in runs[name], (name, runs[name])
        assert runs[name]["samples_per_s"] > 0
    assert runs["resident"]["data_on_device"] and not runs["streamed"]["data_on_device"]
    assert runs["streamed"]["cap_above_baseline_mb"] == result["cap_above_baseline_mb"]
    assert runs["streamed"]["peak_anon_mb"] > 0


def test_every_series_set_a_pass_reads_states_the_training_series_protocol():
    import numpy as np
    import torch

    from mlstm_fcn.training import SeriesOnDevice, TrainingSeries
    from mlstm_fcn.training.data_parallel import ShardedSeries
    from mlstm_fcn.training.streaming import StreamedSeries

    X, y = np.zeros((4, 2, 5), np.float32), np.arange(4)
    resident = SeriesOnDevice.from_numpy(X, y, None, torch.device("cpu"))
    sets = [resident, StreamedSeries(X, y, None, torch.device("cpu")), ShardedSeries(resident, 0, 2)]
    assert all(isinstance(s, TrainingSeries) for s in sets)
    assert not isinstance(X, TrainingSeries)
