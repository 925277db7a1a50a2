"""The GPU suite in its smoke mode on a CPU, with sktime blocked as on the GPU machine."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

from benchmarks.pack_uea_npz import load_packed, pack
from mlstm_fcn.datasets import BUNDLED_DIR, load_uea


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    """BasicMotions and JapaneseVowels (unequal lengths) packed as the suite reads them."""
    path = tmp_path_factory.mktemp("data") / "uea.npz"
    pack(BUNDLED_DIR, path, ["BasicMotions", "JapaneseVowels"])
    return path


def _no_sktime_env(tmp_path: Path) -> dict:
    # A module named sktime first on the path that refuses to import: the GPU machine has none.
    blocker = tmp_path / "blocker"
    blocker.mkdir(exist_ok=True)
    (blocker / "sktime.py").write_text("raise ImportError('sktime is blocked in this test')\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker), str(ROOT)])}


def test_packed_data_is_the_archive_and_loads_without_sktime(packed, tmp_path):
    import numpy as np

    for name in ("BasicMotions", "JapaneseVowels"):
        for split in ("train", "test"):
            X, y = load_uea(name, split)
            Xp, yp = load_packed(packed, name, split)
            assert Xp.dtype == np.float32
            np.testing.assert_array_equal(Xp, np.asarray(X, dtype=np.float32))  # NaN padding compares equal
            assert yp.tolist() == np.asarray(y).astype(str).tolist()
    code = ("import sys\n"
            "try:\n    import sktime\nexcept ImportError:\n    pass\nelse:\n    raise SystemExit('blocker failed')\n"
            "import mlstm_fcn, mlstm_fcn.training.fused, mlstm_fcn.nn.fused\n"
            "from benchmarks.pack_uea_npz import load_split\n"
            "from mlstm_fcn import MLSTMFCNClassifier\n"
            f"X, y = load_split('JapaneseVowels', 'train', {str(packed)!r})\n"
            "clf = MLSTMFCNClassifier(epochs=1, filters=(4, 4, 4), kernel_sizes=(3, 3, 3), se_reduction=2,\n"
            "                         lstm_units=2, device='cpu').fit(X[::9], y[::9])\n"
            "assert not clf.equal_length_\n"
            "assert 'sktime' not in {m.split('.')[0] for m in sys.modules if sys.modules[m] is not None}\n"
            "print('ok')\n")
    proc = subprocess.run([sys.executable, "-c", code], env=_no_sktime_env(tmp_path), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().endswith("ok")


#: A suite budget in seconds (a week) that no smoke run comes near.
UNLIMITED = 7 * 24 * 3600
#: Seconds after which a smoke suite is taken to hang; not a budget (its steps take a few minutes on 2 cores).
HANG = 3600


def _suite(args: list[str], env: dict, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmarks.gpu_suite", "--smoke", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_smoke_suite_writes_every_result_and_resumes(packed, tmp_path):
    env = _no_sktime_env(tmp_path)
    out = tmp_path / "results"
    # A budget no smoke step can use up, however slow or loaded the machine: every step must end
    # "done" because it finished, never "partial" because a wall-clock time box ran out (what a
    # time box does is test_suite_never_overruns_its_budget's question).
    proc = _suite(["--budget", str(UNLIMITED), "--data", str(packed), "--out-dir", str(out)], env,
                  timeout=HANG)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "[suite] t=" in proc.stdout
    state = json.loads((out / "suite-state.json").read_text())
    assert state["device"].startswith("cpu")
    assert [n for n in state["steps"]] == ["gpu_tests", "speed", "setup", "fused", "fused_synthetic", "streaming", "cv", "accuracy"]
    assert {n: s["status"] for n, s in state["steps"].items()} == dict.fromkeys(state["steps"], "done")
    speed = json.loads((out / "speed-suite-cpu.json").read_text())
    assert {r["method"] for r in speed["results"]} == {"mlstm_fcn", "mlstm_fcn_fused", "plain_loop"}
    (skipped,) = [s for s in speed["skipped"] if s["method"] == "sktime_lstmfcn_torch"]
    assert "sktime" in skipped["reason"]
    fused = json.loads((out / "fused-cpu.json").read_text())
    assert [r["k"] for r in fused["results"]] == [1, 2] and fused["complete"]
    assert all(r["networks_epochs_per_sec"] > 0 for r in fused["results"])
    streaming = json.loads((out / "streaming-suite-cpu.json").read_text())["runs"]
    assert streaming["streamed"]["samples_per_s"] > 0 and not streaming["streamed"]["data_on_device"]
    setup = json.loads((out / "setup-cpu.json").read_text())
    assert [f["kind"] for f in setup["fits"]] == ["first fit of a shape", "repeat", "new shape", "repeat"]
    cv = (out / "selection" / "cv.csv").read_text().splitlines()
    assert len(cv) == 1 + 2 * 2  # header, 2 configurations x 2 folds x 1 seed
    accuracy = (out / "accuracy" / "accuracy.csv").read_text().splitlines()
    assert state["chosen"] in ("paper", "valsplit")
    assert len(accuracy) == 1 + (1 if state["chosen"] == "paper" else 2)
    report = (out / "suite-report.md").read_text()
    assert "Device: cpu" in report and "## Fused throughput" in report and "## Fit set-up" in report
    # A rerun skips what is done.
    again = _suite(["--budget", "60", "--data", str(packed), "--out-dir", str(out)], env)
    assert again.returncode == 0
    assert again.stdout.count("done in an earlier run, skipped") == 8
    assert json.loads((out / "suite-state.json").read_text())["runs"] == 2


@pytest.mark.slow
def test_suite_never_overruns_its_budget(packed, tmp_path):
    out = tmp_path / "results"
    budget = 40
    start = time.perf_counter()
    proc = _suite(["--budget", str(budget), "--data", str(packed), "--out-dir", str(out)], _no_sktime_env(tmp_path))
    wall = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert wall < budget + 5  # the interpreter's own start and end
    state = json.loads((out / "suite-state.json").read_text())
    statuses = {n: s["status"] for n, s in state["steps"].items()}
    assert "left" in statuses.values() or "partial" in statuses.values(), statuses
    assert "not done:" in proc.stdout


def test_gpu_tests_read_packed_data_where_sktime_is_missing(tmp_path):
    # The GPU machine has neither sktime nor ../shared: its tests read the datasets packed into one
    # file. A dataset found nowhere but in the packed file shows the plugin at work (bundled ones
    # load without it, sktime or not, since .ts files are read with numpy).
    archive = tmp_path / "archive" / "Tiny"
    archive.mkdir(parents=True)
    for split in ("TRAIN", "TEST"):
        (archive / f"Tiny_{split}.ts").write_bytes((BUNDLED_DIR / "JapaneseVowels" / f"JapaneseVowels_{split}.ts")
                                                   .read_bytes())
    packed = tmp_path / "uea.npz"
    pack(archive.parent, packed, ["Tiny"])
    tests = tmp_path / "tests_here"
    tests.mkdir()
    (tests / "conftest.py").write_text("from mlstm_fcn.datasets import load_uea\n")
    (tests / "test_data.py").write_text(
        "from conftest import load_uea\n"
        "def test_packed_set_loads():\n"
        "    X, y = load_uea('Tiny', split='test')\n"
        "    assert X.shape == (370, 12, 29) and len(y) == 370\n")
    env = {**_no_sktime_env(tmp_path), "MLSTM_FCN_PACKED": str(packed), "MLSTM_FCN_DATA": str(tmp_path / "none")}
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)]
    proc = subprocess.run(cmd[:-1] + ["-p", "benchmarks.packed_data_plugin", str(tests)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:]
    without = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    # Without the plugin the packed-only dataset is found nowhere: the plugin did the work.
    assert without.returncode == 1 and "Tiny" in without.stdout, without.stdout[-2000:]
