"""A model file is checked in full before anything is built from it: crafted files end in a ValueError."""

import copy
import json
import pickle
import struct
import time
import warnings

import numpy as np
import pytest
import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from mlstm_fcn import MLSTMFCNClassifier, MLSTMFCNRegressor, load_model
from mlstm_fcn._runtime.batch_halving import BatchSizer
from mlstm_fcn.io import model_file

TINY = dict(epochs=2, filters=(4, 4, 4), kernel_sizes=(3, 3, 3), se_reduction=2, lstm_units=2, device="cpu",
            random_state=0)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def saved(tiny_data, tmp_path_factory):
    X, y = tiny_data
    path = tmp_path_factory.mktemp("model") / "m.safetensors"
    MLSTMFCNClassifier(**TINY, n_estimators=2).fit(X, y).save(path)
    return path.read_bytes()


def signed(meta, tensors):
    """A well-formed model file (checksum and all) of ``meta`` (a JSON value or text) and ``tensors``."""
    meta_json = meta if isinstance(meta, str) else json.dumps(meta)
    blob = st_save(tensors, metadata={"mlstm_fcn": meta_json})
    (n,) = struct.unpack("<Q", blob[:8])
    return st_save(tensors, metadata={"mlstm_fcn": meta_json, "sha256": model_file._digest(meta_json, blob[8 + n:])})


def parts(blob):
    (n,) = struct.unpack("<Q", blob[:8])
    return json.loads(json.loads(blob[8:8 + n])["__metadata__"]["mlstm_fcn"]), st_load(blob)


def _load_refused(tmp_path, blob, match):
    path = tmp_path / "crafted.safetensors"
    path.write_bytes(blob)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(ValueError, match=match):
            MLSTMFCNClassifier.load(path)
    return time.perf_counter() - start


def _edit(key, value):
    def edit(meta):
        meta[key] = value
        return meta
    return edit


def _edit_config(key, value):
    def edit(meta):
        meta["network_config"]["__dict__"] = [[k, value if k == key else v]
                                              for k, v in meta["network_config"]["__dict__"]]
        if key not in [k for k, _ in meta["network_config"]["__dict__"]]:
            meta["network_config"]["__dict__"].append([key, value])
        return meta
    return edit


def _edit_fitted(key, value):
    def edit(meta):
        meta["fitted"][key] = value
        return meta
    return edit


def _drop(key):
    def edit(meta):
        del meta[key]
        return meta
    return edit


def _classes(values, dtype="<U1"):
    return _edit("classes", {"dtype": dtype, "values": values})


CRAFTED = {
    "meta-is-a-list": (lambda meta: [meta], "not an mlstm-fcn model file"),
    "params-a-list": (_edit("params", [1, 2]), "'params' must be an object"),
    "no-params": (_drop("params"), r"lacks \['params'\]"),
    "no-fitted": (_drop("fitted"), r"lacks \['fitted'\]"),
    "no-network-config": (_drop("network_config"), r"lacks \['network_config'\]"),
    "unknown-network-keyword": (_edit_config("wings", 2), "unknown keys"),
    "n-members-huge": (_edit_config("n_members", 10**7), "n_members=10000000"),
    "filters-huge": (_edit_config("filters", {"__tuple__": [10**9, 4, 4]}), "weight .* needs"),
    "nonsense-device": (_edit_fitted("device_", {"__device__": "toaster:9"}), "Unknown device"),
    "meta-device": (_edit_fitted("device_", {"__device__": "meta"}), "device_"),
    "class-dtype-nonsense": (_classes(["a", "b", "c"], "V12"), "not allowed"),
    "class-dtype-huge": (_classes(["a", "b", "c"], "<U999999999"), "dtype"),
    "classes-wrong-length": (_classes(["a", "b"]), "2 classes but the network has 3 outputs"),
    "classes-unsorted": (_classes(["b", "a", "c"]), "unique and sorted"),
    "fitted-sets-a-method": (_edit_fitted("predict", 1), "unknown fitted attributes"),
    "fitted-wrong-type": (_edit_fitted("n_channels_", "3"), "n_channels_"),
    "channels-disagree": (_edit_fitted("n_channels_", 4), "n_channels_=4 but"),
    "predict-batch-size-0": (lambda m: _edit("params", {**m["params"], "predict_batch_size": 0})(m),
                             "predict_batch_size"),
    "unknown-parameter": (lambda m: _edit("params", {**m["params"], "wings": 2})(m), "does not accept"),
    "bad-dict-tag": (_edit_fitted("history_", {"__dict__": 5}), "__dict__"),
    "nonsense-device-parameter": (lambda m: _edit("params", {**m["params"], "device": "toaster"})(m),
                                  "holds invalid parameters: device must be"),
    "deep-but-parsable-nesting": (_edit_fitted("history_", json.loads("[" * 900 + "]" * 900)),
                                  "nested too deeply|history_"),
    "deep-nesting": (lambda meta: "[" * 100000 + "]" * 100000, "unreadable model metadata|not an mlstm-fcn"),
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_a_crafted_model_file_is_refused_with_a_value_error_before_anything_is_built(saved, tmp_path, name):
    edit, match = CRAFTED[name]
    meta, tensors = parts(saved)
    seconds = _load_refused(tmp_path, signed(edit(meta), tensors), match)
    assert seconds < 5  # checked, not built: 10**7 members took hours


def test_the_metadata_must_be_text_and_signed(saved, tmp_path):
    (n,) = struct.unpack("<Q", saved[:8])
    header = json.loads(saved[8:8 + n])
    header["__metadata__"] = {"mlstm_fcn": ["x"], "sha256": 5}
    text = json.dumps(header).encode()
    seconds = _load_refused(tmp_path, struct.pack("<Q", len(text)) + text + saved[8 + n:], "no model metadata")
    assert seconds < 5


def test_a_huge_version_string_is_not_echoed_whole(saved, tmp_path):
    meta, tensors = parts(saved)
    meta["package_version"] = "9" * 2_000_000
    path = tmp_path / "m.safetensors"
    path.write_bytes(signed(meta, tensors))
    with pytest.warns(UserWarning, match="saved with mlstm-fcn") as record:
        MLSTMFCNClassifier.load(path)
    assert max(len(str(w.message)) for w in record) < 300


def test_a_zero_or_negative_predict_batch_size_is_refused_not_looped_on(saved, tmp_path, tiny_data):
    path = tmp_path / "m.safetensors"
    path.write_bytes(saved)
    clf = MLSTMFCNClassifier.load(path)
    for size in (0, -3):
        clf.set_params(predict_batch_size=size)  # set_params does not check: predict does
        with pytest.raises(ValueError, match="predict_batch_size must be an integer >= 1"):
            clf.predict(tiny_data[0])
        with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
            BatchSizer(size)


def test_a_valid_file_still_loads_and_predicts_as_saved(saved, tmp_path, tiny_data):
    path = tmp_path / "m.safetensors"
    path.write_bytes(saved)
    meta, tensors = parts(saved)
    path2 = tmp_path / "resigned.safetensors"
    path2.write_bytes(signed(meta, tensors))  # the test's own re-signing changes nothing
    a, b = MLSTMFCNClassifier.load(path), MLSTMFCNClassifier.load(path2)
    np.testing.assert_array_equal(a.predict_proba(tiny_data[0]), b.predict_proba(tiny_data[0]))


def test_loading_unpickling_and_copying_leave_the_global_rng_alone(saved, tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(saved)
    reg = MLSTMFCNRegressor(**TINY).fit(np.random.default_rng(0).normal(size=(8, 2, 10)).astype(np.float32),
                                        np.arange(8.0))
    reg.save(tmp_path / "r.safetensors")
    before = torch.get_rng_state()
    clf = MLSTMFCNClassifier.load(path)
    load_model(tmp_path / "r.safetensors")
    pickle.loads(pickle.dumps(clf))
    copy.deepcopy(reg)
    assert torch.equal(torch.get_rng_state(), before)


def test_many_claimed_members_with_few_weights_are_refused_without_building_them(saved, tmp_path):
    # 20,000 "members" of one tiny tensor each: the check builds one network, not 20,000.
    meta, _ = parts(saved)
    n = 20_000
    meta = _edit_config("n_members", n)(meta)
    tensors = {f"members.{i}.w": torch.zeros(1) for i in range(n)}
    seconds = _load_refused(tmp_path, signed(meta, tensors), "weights do not match the network description")
    assert seconds < 5
