"""save/load: a safe single-file format (safetensors + JSON), versioned and checksummed."""

import json
import os
import pickle
import struct

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn._runtime.device import usable_device
from mlstm_fcn.io import model_file as persistence

from .conftest import FAST

ONE_EPOCH = {**FAST, "epochs": 1}


@pytest.fixture(scope="module")
def fitted(tiny_data):
    X, y = tiny_data
    return MLSTMFCNClassifier(**{**FAST, "epochs": 2}, random_state=0).fit(X, y)


def _meta_and_tensors(path):
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    return blob, n, json.loads(blob[8:8 + n])


class _Payload:
    """Unpickling this creates ``marker``: proof that the loader ran code from the file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_round_trip_predicts_identically(fitted, tiny_data, tmp_path):
    X, _ = tiny_data
    path = tmp_path / "model.safetensors"
    fitted.save(path)
    loaded = MLSTMFCNClassifier.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))
    assert loaded.get_params() == fitted.get_params()
    assert loaded.filters == (8, 8, 8)  # tuples come back as tuples
    assert loaded.history_ == fitted.history_
    for attr in ("n_channels_", "n_timepoints_", "n_features_in_", "equal_length_", "best_epoch_",
                 "n_epochs_", "device_"):
        assert getattr(loaded, attr) == getattr(fitted, attr), attr
    assert not loaded.network_.training
    # No temporary file is left behind.
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_file_is_a_standard_safetensors_file_with_versions(fitted, tmp_path):
    from safetensors.torch import load_file

    path = tmp_path / "m.safetensors"
    fitted.save(path)
    tensors = load_file(path)
    state = fitted.network_.state_dict()
    assert set(tensors) == set(state)
    for k, v in state.items():
        assert torch.equal(tensors[k], v.cpu())
    _, _, header = _meta_and_tensors(path)
    meta = json.loads(header["__metadata__"]["mlstm_fcn"])
    assert meta["format_version"] == persistence.FORMAT_VERSION
    import mlstm_fcn

    assert meta["package_version"] == mlstm_fcn.__version__
    assert len(header["__metadata__"]["sha256"]) == 64


@pytest.mark.parametrize("labels", [
    np.array(["walk", "run", "sit"]),
    np.array(["a", "b", "c"], dtype=object),
    np.array([3, -7, 2**40]),
    np.array([1, 2, 3], dtype=np.uint8),
    # Float labels must be whole numbers (scikit-learn refuses continuous targets).
    np.array([1.0, 2.0**52 + 1, -3.0]),
    np.array([4.0, 2.0, -3.0], dtype=np.float32),
    np.array([True, False, True]),
])
def test_classes_of_any_dtype_round_trip_exactly(tiny_data, tmp_path, labels):
    X, y = tiny_data
    y_new = labels[np.searchsorted(["a", "b", "c"], y) % len(labels)]
    clf = MLSTMFCNClassifier(**ONE_EPOCH, random_state=0).fit(X[:12], y_new[:12])
    clf.save(tmp_path / "m.safetensors")
    loaded = MLSTMFCNClassifier.load(tmp_path / "m.safetensors")
    assert loaded.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert [type(v) for v in loaded.classes_] == [type(v) for v in clf.classes_]
    np.testing.assert_array_equal(loaded.predict(X[:12]), clf.predict(X[:12]))


def test_unequal_length_model_and_dict_params_round_trip(tiny_data, tmp_path):
    X, y = tiny_data
    y_int = np.searchsorted(["a", "b", "c"], y)
    series = [x[:, : 10 + i % 10] for i, x in enumerate(X)]
    clf = MLSTMFCNClassifier(**ONE_EPOCH, class_weight={0: 2.0, 1: 1.0, 2: 0.5},
                             random_state=np.random.default_rng(0)).fit(series, y_int)
    clf.save(tmp_path / "m.safetensors")
    loaded = MLSTMFCNClassifier.load(tmp_path / "m.safetensors")
    assert loaded.equal_length_ is False
    assert loaded.class_weight == {0: 2.0, 1: 1.0, 2: 0.5}
    assert loaded.random_state is None  # a Generator object is not saved
    np.testing.assert_array_equal(loaded.predict_proba(series), clf.predict_proba(series))


def test_model_saved_from_gpu_loads_on_cpu(fitted, tiny_data, tmp_path, monkeypatch):
    X, _ = tiny_data
    # As if fitted on a GPU: the device is recorded, the weights are written from CPU copies.
    monkeypatch.setattr(fitted, "device_", torch.device("cuda", 0))
    fitted.save(tmp_path / "m.safetensors")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = MLSTMFCNClassifier.load(tmp_path / "m.safetensors")
    assert loaded.device_ == torch.device("cuda", 0)
    assert next(loaded.network_.parameters()).device.type == "cpu"
    monkeypatch.undo()
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


@pytest.mark.gpu
def test_gpu_fitted_model_saves_and_loads(tiny_data, tmp_path):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**{**ONE_EPOCH, "device": "cuda"}, random_state=0).fit(X, y)
    clf.save(tmp_path / "m.safetensors")
    from safetensors.torch import load_file

    assert all(t.device.type == "cpu" for t in load_file(tmp_path / "m.safetensors").values())
    loaded = MLSTMFCNClassifier.load(tmp_path / "m.safetensors")
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-5, atol=1e-6)


def test_save_before_fit_raises():
    with pytest.raises(NotFittedError):
        MLSTMFCNClassifier().save("never-written.safetensors")


def test_tampered_weights_fail_the_integrity_check(fitted, tmp_path):
    path = tmp_path / "m.safetensors"
    fitted.save(path)
    blob = bytearray(open(path, "rb").read())
    blob[-3] ^= 0x01  # one bit of one weight
    open(path, "wb").write(bytes(blob))
    with pytest.raises(ValueError, match="integrity check"):
        MLSTMFCNClassifier.load(path)


def test_tampered_metadata_fails_the_integrity_check(fitted, tmp_path):
    path = tmp_path / "m.safetensors"
    fitted.save(path)
    blob = open(path, "rb").read()
    # Same length, so the header still parses: swap two class labels.
    assert b'\\"a\\", \\"b\\"' in blob
    open(path, "wb").write(blob.replace(b'\\"a\\", \\"b\\"', b'\\"b\\", \\"a\\"'))
    with pytest.raises(ValueError, match="integrity check"):
        MLSTMFCNClassifier.load(path)


@pytest.mark.parametrize("keep", [0, 5, 8, 100, -1])
def test_truncated_file_is_a_clear_value_error(fitted, tmp_path, keep):
    path = tmp_path / "m.safetensors"
    fitted.save(path)
    blob = open(path, "rb").read()
    open(path, "wb").write(blob[:keep] if keep >= 0 else blob[:-10])
    with pytest.raises(ValueError, match="truncated|not an mlstm-fcn|integrity"):
        MLSTMFCNClassifier.load(path)


def test_plain_safetensors_file_without_model_metadata_is_refused(tmp_path):
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(3)}, tmp_path / "other.safetensors")
    with pytest.raises(ValueError, match="not an mlstm-fcn model file"):
        MLSTMFCNClassifier.load(tmp_path / "other.safetensors")


def _rewritten(path, edit):
    """The model file at ``path`` with its description changed by ``edit(meta)``, checksum and all."""
    from safetensors.torch import load, save

    blob, _, header = _meta_and_tensors(path)
    meta = json.loads(header["__metadata__"]["mlstm_fcn"])
    edit(meta)
    meta_json = json.dumps(meta)
    tensors = load(blob)  # from bytes: the file is rewritten below, so no memory map of it
    blob = save(tensors, metadata={"mlstm_fcn": meta_json})
    (n,) = struct.unpack("<Q", blob[:8])
    digest = persistence._digest(meta_json, blob[8 + n:])
    open(path, "wb").write(save(tensors, metadata={"mlstm_fcn": meta_json, "sha256": digest}))


def test_a_file_of_a_development_version_before_0_1_is_refused_with_what_to_do(fitted, tmp_path):
    path = tmp_path / "m.safetensors"
    fitted.save(path)
    _rewritten(path, lambda meta: meta.update(format_version=1))
    with pytest.raises(ValueError, match="development version before mlstm-fcn 0.1.0.*fit the model again"):
        MLSTMFCNClassifier.load(path)
    state = fitted.__getstate__()
    state.pop("_format_version")  # pickles of those versions recorded none
    with pytest.raises(ValueError, match="fit the model again"):
        MLSTMFCNClassifier.__new__(MLSTMFCNClassifier).__setstate__(state)


def test_parameters_added_after_a_file_was_written_take_the_values_that_trained_it(fitted, tiny_data, tmp_path):
    # augmentation defaults to "cutmix" now, but a file written before the parameter existed was
    # trained without augmentation: it loads with None (continued training goes on as it began).
    assert MLSTMFCNClassifier().augmentation == "cutmix"
    X, _ = tiny_data
    path = tmp_path / "m.safetensors"
    fitted.save(path)
    _rewritten(path, lambda meta: [meta["params"].pop(k) for k in ("augmentation", "n_jobs")])
    loaded = MLSTMFCNClassifier.load(path)
    assert loaded.augmentation is None and loaded.n_jobs is None
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


def test_newer_format_version_is_refused(fitted, tmp_path):
    from safetensors.torch import load, save

    path = tmp_path / "m.safetensors"
    fitted.save(path)
    blob, _, header = _meta_and_tensors(path)
    meta = json.loads(header["__metadata__"]["mlstm_fcn"])
    meta["format_version"] = persistence.FORMAT_VERSION + 1
    meta_json = json.dumps(meta)
    tensors = load(blob)  # from bytes: the file is rewritten below, so no memory map of it
    blob = save(tensors, metadata={"mlstm_fcn": meta_json})
    (n,) = struct.unpack("<Q", blob[:8])
    digest = persistence._digest(meta_json, blob[8 + n:])  # a well-formed file, checksum and all
    open(path, "wb").write(save(tensors, metadata={"mlstm_fcn": meta_json, "sha256": digest}))
    with pytest.raises(ValueError, match="format version .*Upgrade"):
        MLSTMFCNClassifier.load(path)


@pytest.mark.parametrize("writer", ["pickle", "torch.save"])
def test_malicious_file_is_refused_without_running_its_code(tmp_path, writer):
    marker = tmp_path / "pwned"
    # The payload is live: plain unpickling runs it.
    pickle.loads(pickle.dumps(_Payload(marker)))
    assert marker.exists()
    marker.unlink()

    path = tmp_path / "model.safetensors"
    if writer == "pickle":
        path.write_bytes(pickle.dumps({"network_": _Payload(marker)}))
    else:
        torch.save({"network_": _Payload(marker)}, path)
    with pytest.raises(ValueError):
        MLSTMFCNClassifier.load(path)
    assert not marker.exists()


def test_pickle_still_works_for_scikit_learn_users(fitted, tiny_data):
    X, _ = tiny_data
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))


def test_mixed_precision_model_round_trip(tiny_data, tmp_path):
    # A model fitted in bf16 (the default on GPUs) keeps its torch dtype through save/load.
    # bf16 fits need a GPU; the attribute is set as such a fit leaves it.
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**ONE_EPOCH, random_state=0).fit(X, y)
    clf.autocast_dtype_ = torch.bfloat16  # used on CUDA only: CPU predictions stay float32
    clf.save(tmp_path / "m.safetensors")
    loaded = MLSTMFCNClassifier.load(tmp_path / "m.safetensors")
    assert loaded.autocast_dtype_ == torch.bfloat16
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_a_valid_file_name_of_253_characters_can_be_saved(fitted, tiny_data, tmp_path):
    # The temporary name beside it (".<name>.<pid>.tmp") would exceed the 255 bytes a name may have.
    path = tmp_path / ("m" * 241 + ".safetensors")
    assert len(path.name) == 253
    fitted.save(path)
    np.testing.assert_array_equal(MLSTMFCNClassifier.load(path).predict_proba(tiny_data[0]),
                                  fitted.predict_proba(tiny_data[0]))
    assert os.listdir(tmp_path) == [path.name]


def test_gpu_index_missing_here_falls_back_to_the_current_gpu(tiny_data, monkeypatch):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**FAST, random_state=0).fit(X, y)
    clf.device_ = torch.device("cuda", 1)  # as fitted on a machine with two GPUs
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    assert usable_device(clf.device_) == torch.device("cuda", 0)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert usable_device(clf.device_) == torch.device("cpu")
