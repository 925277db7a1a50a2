"""ONNX export: the graph in ONNX Runtime (CPU) gives predict_proba's probabilities, on bundled data."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea

ort = pytest.importorskip("onnxruntime", reason="ONNX export tests need onnxruntime: pip install 'mlstm-fcn[export]'")
onnx = pytest.importorskip("onnx", reason="ONNX export tests need onnx: pip install 'mlstm-fcn[export]'")
pytest.importorskip("onnxscript", reason="ONNX export needs onnxscript: pip install 'mlstm-fcn[export]'")

ROOT = Path(__file__).resolve().parent.parent
#: A small network (speed), with even kernels first so that the explicit "same" padding is exported too.
SMALL = dict(filters=(8, 8, 8), kernel_sizes=(4, 3, 3), se_reduction=4, lstm_units=4, device="cpu",
             random_state=0)
TOL = 1e-5


@pytest.fixture(scope="module")
def basic_motions():
    X, y = load_uea("BasicMotions", split="train")
    X_test, _ = load_uea("BasicMotions", split="test")
    return X, y, X_test


@pytest.fixture(scope="module")
def japanese_vowels():
    X, y = load_uea("JapaneseVowels", split="train")
    X_test, _ = load_uea("JapaneseVowels", split="test")
    return X, y, X_test


def _session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _metadata(path) -> dict:
    return {p.key: json.loads(p.value) for p in onnx.load(str(path)).metadata_props}


def _assert_parity(clf, X, path):
    """The exported graph's probabilities against predict_proba, and labels from the metadata alone."""
    got = _session(path).run(None, {"series": np.asarray(X, dtype=np.float32)})[0]
    want = clf.predict_proba(X)
    assert got.shape == want.shape and got.dtype == np.float32
    assert np.abs(got - want).max() <= TOL
    np.testing.assert_array_equal(got.argmax(axis=1), want.argmax(axis=1))
    classes = np.array(_metadata(path)["classes"])
    np.testing.assert_array_equal(classes[got.argmax(axis=1)], clf.predict(X))
    return got


@pytest.mark.parametrize("params", [
    {},
    {"attention": True},
    {"n_estimators": 2},
    {"scaling": "channel"},
    {"scaling": "instance", "lstm_orientation": "time"},
], ids=["plain", "attention", "ensemble", "channel-scaling", "instance-scaling-time"])
def test_basic_motions_graph_matches_predict_proba(basic_motions, params, tmp_path):
    X, y, X_test = basic_motions
    clf = MLSTMFCNClassifier(**SMALL, epochs=3, **params).fit(X, y)
    path = tmp_path / "m.onnx"
    clf.export_onnx(path)
    _assert_parity(clf, X_test, path)
    _assert_parity(clf, X_test[:1], path)  # the batch is dynamic: one series too
    meta = _metadata(path)
    assert meta["n_channels"] == 6 and meta["n_timepoints"] == 100 and meta["equal_length"] is True
    assert meta["scaling"] == params.get("scaling") and meta["n_networks"] == params.get("n_estimators", 1)
    assert meta["classes"] == clf.classes_.tolist()
    # An equal-length model takes its fitted length only, as predict does.
    with pytest.raises(ValueError, match="length 99"):
        clf.predict_proba(X_test[:, :, :99])
    with pytest.raises(Exception, match="(?i)invalid dimensions"):
        _session(path).run(None, {"series": X_test[:, :, :99]})


@pytest.mark.parametrize("params", [
    {"scaling": "channel"},
    {"scaling": "instance", "attention": True, "lstm_orientation": "time"},
], ids=["channels-channel-scaling", "attention-time-instance-scaling"])
def test_unequal_length_model_exports_its_masking(japanese_vowels, params, tmp_path):
    X, y, X_test = japanese_vowels
    clf = MLSTMFCNClassifier(**SMALL, epochs=3, **params).fit(X, y)
    assert not clf.equal_length_ and clf.n_timepoints_ == 26 and X_test.shape[2] == 29
    path = tmp_path / "m.onnx"
    clf.export_onnx(path)
    # Test series up to 29 steps: predict cuts them to the fitted 26 (with a warning), and so does the graph.
    with pytest.warns(UserWarning, match="truncated"):
        _assert_parity(clf, X_test, path)
    short = X_test[:, :, :12]  # shorter than fitted: padded and masked
    _assert_parity(clf, short, path)
    lengths = (~np.isnan(X_test).all(axis=1)).sum(axis=1)
    i = int(np.argmin(lengths))
    _assert_parity(clf, X_test[i:i + 1, :, :lengths[i]], path)  # one series, without padding
    meta = _metadata(path)
    assert meta["equal_length"] is False and meta["n_timepoints"] == 26 and "NaN" in meta["padding"]


@pytest.fixture(scope="module")
def tiny_fitted(basic_motions):
    X, y, _ = basic_motions
    return MLSTMFCNClassifier(**SMALL, epochs=2).fit(X, y)


def test_unfitted_estimator_is_refused(tmp_path):
    with pytest.raises(NotFittedError, match="not fitted"):
        MLSTMFCNClassifier().export_onnx(tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_a_regressor_is_refused_by_the_module_function_before_any_work(tmp_path):
    from mlstm_fcn import MLSTMFCNRegressor
    from mlstm_fcn.io.onnx_export import export_onnx

    X = np.random.default_rng(0).normal(size=(8, 2, 10)).astype(np.float32)
    reg = MLSTMFCNRegressor(epochs=1, filters=(4, 4, 4), kernel_sizes=(3, 3, 3), se_reduction=2, lstm_units=2,
                            device="cpu", random_state=0).fit(X, np.arange(8.0))
    with pytest.raises(TypeError, match="MLSTMFCNRegressor is not one"):
        export_onnx(reg, tmp_path / "r.onnx")
    assert not (tmp_path / "r.onnx").exists()


def test_path_in_a_missing_folder_is_refused(tiny_fitted, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        tiny_fitted.export_onnx(tmp_path / "nowhere" / "m.onnx")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        tiny_fitted.export_onnx(tmp_path)


@pytest.mark.parametrize("opset, error, message", [
    ("18", TypeError, "integer"), (True, TypeError, "integer"), (0, ValueError, "positive"),
])
def test_opset_that_is_not_a_version_is_refused(tiny_fitted, tmp_path, opset, error, message):
    with pytest.raises(error, match=message):
        tiny_fitted.export_onnx(tmp_path / "m.onnx", opset=opset)


def test_opset_the_exporter_cannot_write_is_refused_not_replaced(tiny_fitted, tmp_path):
    # torch's exporter writes its own opset and converts to the one asked for; where conversion fails
    # it would silently keep its own. Opset 1 predates every operator here: no exporter writes it.
    path = tmp_path / "m.onnx"
    with pytest.raises(ValueError, match="cannot write this network at opset 1 "):
        tiny_fitted.export_onnx(path, opset=1)
    assert not path.exists()


def test_opset_it_can_write_is_the_one_written(tiny_fitted, basic_motions, tmp_path):
    path = tmp_path / "m.onnx"
    tiny_fitted.export_onnx(path, opset=20)
    versions = {o.domain: o.version for o in onnx.load(str(path)).opset_import}
    assert versions.get("", versions.get("ai.onnx")) == 20
    _assert_parity(tiny_fitted, basic_motions[2], path)


def test_missing_exporter_packages_name_the_extra(tiny_fitted, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxscript", None)  # import onnxscript now raises ImportError
    with pytest.raises(ImportError, match=r"mlstm-fcn\[export\]"):
        tiny_fitted.export_onnx(tmp_path / "m.onnx")


def test_estimator_network_stays_as_it_was(tiny_fitted, basic_motions, tmp_path):
    X_test = basic_motions[2]
    before = tiny_fitted.predict_proba(X_test)
    tiny_fitted.export_onnx(tmp_path / "m.onnx")
    assert not tiny_fitted.network_.training
    np.testing.assert_array_equal(tiny_fitted.predict_proba(X_test), before)


@pytest.mark.gpu
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_gpu_fitted_model_exports_what_it_predicts_on_a_cpu(basic_motions, tmp_path, precision):
    import torch

    X, y, X_test = basic_motions
    clf = MLSTMFCNClassifier(**{**SMALL, "device": "cuda"}, epochs=3, precision=precision).fit(X, y)
    path = tmp_path / "m.onnx"
    clf.export_onnx(path)
    assert next(clf.network_.parameters()).device.type == "cuda"  # the export copied it
    # The graph is float32 on a CPU: what the model predicts where there is no GPU.
    clf.network_.cpu()
    clf.device_ = torch.device("cpu")
    _assert_parity(clf, X_test, path)


# ------------------------------------------------------------------------ CLI
def test_cli_export(tmp_path, capsys):
    from mlstm_fcn import cli

    model, out = tmp_path / "bm.model", tmp_path / "bm.onnx"
    assert cli.main(["fit", "BasicMotions", "--epochs", "2", "--filters", "8,8,8", "--kernel-sizes", "3,3,3",
                     "--lstm-units", "4", "--se-reduction", "4", "--device", "cpu", "--quiet", "--out",
                     str(model)]) == 0
    capsys.readouterr()
    assert cli.main(["export", str(model), str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["onnx"] == str(out) and result["input_shape"] == ["batch", 6, 100]
    assert result["classes"] == ["badminton", "running", "standing", "walking"]
    X_test, _ = load_uea("BasicMotions", split="test")
    _assert_parity(MLSTMFCNClassifier.load(model), X_test, out)
    # Errors are one line, status 1.
    assert cli.main(["export", str(model), str(tmp_path / "missing" / "bm.onnx")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["export", str(tmp_path / "none.model"), str(out)]) == 1
    assert "model file not found" in capsys.readouterr().err


# ----------------------------------------------------------------- benchmark
def test_benchmark_runs_in_tiny_mode(tmp_path):
    import torch

    from benchmarks.speed import bench_onnx

    report = bench_onnx.main(["--tiny", "--out-dir", str(tmp_path)])
    saved = json.loads((tmp_path / "onnx-cpu.json").read_text())
    assert saved == json.loads(json.dumps(report))
    assert saved["device"].startswith("cpu") and saved["threads"] == torch.get_num_threads()
    rows = {(r["method"], r["batch"]) for r in saved["results"]}
    assert rows == {(m, b) for m in ("predict_proba", "onnxruntime") for b in (1, 1024)}
    assert all(r["max_abs_diff"] <= TOL and r["median_ms"] > 0 for r in saved["results"])


# --------------------------------------------------------------------- docs
def test_documented_deploy_lines_are_the_example_that_runs():
    # examples/deploy_onnx.py runs in the documentation's gallery; the deployment page's lines must be its lines.
    section = (ROOT / "docs" / "user_guide" / "onnx.md").read_text()
    blocks = section.split("```python\n")[1:]
    assert len(blocks) == 2
    example = (ROOT / "examples" / "deploy_onnx.py").read_text()
    lines = [line for line in blocks[1].split("```")[0].splitlines() if line.strip()]
    assert len(lines) >= 5
    for line in lines:
        assert line in example, line
