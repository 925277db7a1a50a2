"""Fuzzing the readers of untrusted files: model files, ``.ts`` files and numpy's ``.npy`` / ``.npz`` files.

Random and structured mutations of a valid file must load (when they still
describe a valid model or dataset) or end in a ``ValueError`` / ``OSError``
with a message, within a time bound (hypothesis' ``deadline``: a hang
detector, far above what a load takes), never in another exception.
"""

import io
import json
import struct
import warnings
import zipfile

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import load_arrays, load_ts
from mlstm_fcn.io import model_file

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: Seconds one load may take before hypothesis calls it a hang (a tiny model loads in a few ms).
HANG_MS = 5000
FUZZ = settings(max_examples=100, deadline=HANG_MS, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

TAGS = ["__tuple__", "__dict__", "__device__", "__torch_dtype__", "__array__", "dtype", "values"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True) | st.text(max_size=12)
    | st.sampled_from(TAGS + ["cpu", "cuda:7", "meta", "<U3", "V4", "object", "float32", "channel"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(TAGS) | st.text(max_size=8),
                                                                inner, max_size=3),
    max_leaves=10)


@pytest.fixture(scope="module")
def model_blob(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2, 8)).astype(np.float32)
    y = np.array(["a", "b", "c"])[np.arange(12) % 3]
    path = tmp_path_factory.mktemp("fuzz") / "m.safetensors"
    MLSTMFCNClassifier(epochs=1, filters=(2, 2), kernel_sizes=(3, 3), se_reduction=2, lstm_units=2, device="cpu",
                       n_estimators=2, random_state=0).fit(X, y).save(path)
    return path.read_bytes()


def _signed(meta_json: str, tensors: dict) -> bytes:
    blob = st_save(tensors, metadata={"mlstm_fcn": meta_json})
    (n,) = struct.unpack("<Q", blob[:8])
    return st_save(tensors, metadata={"mlstm_fcn": meta_json,
                                      "sha256": model_file._digest(meta_json, blob[8 + n:])})


def _paths(value, prefix=()):
    """Every place in a JSON value, as a tuple of keys and indices."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


def _loads_or_refuses(tmp_path, blob: bytes) -> str:
    """"loaded" (a fitted model) or "refused" (a ValueError/OSError with a message); anything else fails."""
    path = tmp_path / "fuzzed.safetensors"
    path.write_bytes(blob)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = MLSTMFCNClassifier.load(path)
        except (ValueError, OSError) as exc:
            assert str(exc), "an error without a message"
            return "refused"
    assert hasattr(model, "network_") and hasattr(model, "classes_")
    return "loaded"


@FUZZ
@given(data=st.data())
def test_structured_mutations_of_the_description_load_or_are_refused(model_blob, tmp_path, data):
    (n,) = struct.unpack("<Q", model_blob[:8])
    meta = json.loads(json.loads(model_blob[8:8 + n])["__metadata__"]["mlstm_fcn"])
    tensors = st_load(model_blob)
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        place = data.draw(st.sampled_from(sorted(_paths(meta), key=repr)), label="place")
        action = data.draw(st.sampled_from(["replace", "delete", "add"]), label="action")
        if not place:
            meta = data.draw(json_values, label="whole") if action == "replace" else meta
            continue
        *parent_keys, key = place
        parent = meta
        for k in parent_keys:
            parent = parent[k]
        if action == "replace":
            parent[key] = data.draw(json_values, label="value")
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(TAGS) | st.text(max_size=8), label="new key")] = \
                data.draw(json_values, label="new value")
        else:
            parent.append(data.draw(json_values, label="new item"))
    assert _loads_or_refuses(tmp_path, _signed(json.dumps(meta), tensors)) in ("loaded", "refused")


@FUZZ
@given(data=st.data())
def test_mutated_weights_load_or_are_refused(model_blob, tmp_path, data):
    (n,) = struct.unpack("<Q", model_blob[:8])
    meta_json = json.loads(model_blob[8:8 + n])["__metadata__"]["mlstm_fcn"]
    tensors = dict(st_load(model_blob))
    name = data.draw(st.sampled_from(sorted(tensors)), label="tensor")
    action = data.draw(st.sampled_from(["drop", "reshape", "retype", "rename"]), label="action")
    if action == "drop":
        del tensors[name]
    elif action == "reshape":
        shape = data.draw(st.lists(st.integers(0, 5), max_size=3), label="shape")
        tensors[name] = torch.zeros(shape)
    elif action == "retype":
        tensors[name] = tensors[name].to(data.draw(st.sampled_from([torch.float16, torch.float64, torch.int32])))
    else:
        tensors[data.draw(st.text(min_size=1, max_size=20), label="new name")] = tensors.pop(name)
    assert _loads_or_refuses(tmp_path, _signed(meta_json, tensors)) in ("loaded", "refused")


@FUZZ
@given(data=st.data())
def test_random_byte_mutations_are_refused(model_blob, tmp_path, data):
    blob = bytearray(model_blob)
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        at = data.draw(st.integers(0, len(blob) - 1), label="at")
        kind = data.draw(st.sampled_from(["flip", "cut", "insert"]), label="kind")
        if kind == "flip":
            blob[at] ^= data.draw(st.integers(1, 255), label="bits")
        elif kind == "cut":
            del blob[at:at + data.draw(st.integers(1, 64), label="length")]
        else:
            blob[at:at] = data.draw(st.binary(min_size=1, max_size=16), label="bytes")
    assert _loads_or_refuses(tmp_path, bytes(blob)) in ("loaded", "refused")


TS = """@problemName Fuzz
@timeStamps false
@missing true
@univariate false
@dimensions 2
@equalLength true
@seriesLength 4
@classLabel true a b
@data
1,2,3,4:5,6,7,8:a
0.5,?,1,2:3,4,5,6:b
1,1,1,1:2,2,2,2:a
"""
TS_TOKENS = ["@data", "@dimensions 3", "@seriesLength 2", "@equalLength false", "@classLabel false",
              "@univariate true", "@targetLabel true", ":", ",", "?", "NaN", "inf", "1e999", "a", "#", "\n", " ",
              "\x00", "é"]


@FUZZ
@given(data=st.data())
def test_mutated_ts_files_load_or_are_refused(tmp_path, data):
    lines = TS.splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        kind = data.draw(st.sampled_from(["delete", "duplicate", "insert", "replace"]), label="kind")
        token = data.draw(st.sampled_from(TS_TOKENS) | st.text(max_size=6), label="token")
        if kind == "delete" and len(lines) > 1:
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "insert":
            at = data.draw(st.integers(0, len(lines[i])), label="at")
            lines[i] = lines[i][:at] + token + lines[i][at:]
        else:
            lines[i] = token + "\n"
    path = tmp_path / "Fuzz_TRAIN.ts"
    path.write_text("".join(lines), encoding="utf-8", errors="surrogatepass")
    try:
        X, y = load_ts(path, require_labels=False)
    except (ValueError, OSError) as exc:
        assert str(exc), "an error without a message"
        return
    assert X.ndim == 3 and X.dtype == np.float32 and (y is None or len(y) == len(X))


# ------------------------------------------------------------------------- .npy and .npz files
def _npy_bytes(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


_X = np.arange(24, dtype=np.float32).reshape(3, 2, 4)
_Y = np.array(["a", "b", "a"])
NPY = _npy_bytes(_X)
HEADER_TOKENS = ["'shape': (", "(2147483647, 2147483647, 8)", "(0,)", "(-1, 2)", "'descr': '", "<f8", "|O", "<U9",
                 "V8", "True", "9" * 30, "}", "{", "\x00", "\n", "'fortran_order': True"]


def _mutate(data, blob: bytes, header_end: int) -> bytes:
    """A few edits, mostly in the header (where a reader is tempted to trust what it is told)."""
    blob = bytearray(blob)
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        kind = data.draw(st.sampled_from(["token", "byte", "truncate", "extend"]), label="kind")
        if kind == "token":
            at = data.draw(st.integers(0, header_end), label="at")
            token = data.draw(st.sampled_from(HEADER_TOKENS), label="token").encode("latin-1")
            blob[at:at + len(token)] = token
        elif kind == "byte" and blob:
            at = data.draw(st.integers(0, len(blob) - 1), label="at")
            blob[at] = data.draw(st.integers(0, 255), label="value")
        elif kind == "truncate":
            del blob[data.draw(st.integers(0, len(blob)), label="cut"):]
        else:
            blob += data.draw(st.binary(max_size=16), label="tail")
    return bytes(blob)


def _loads_arrays_or_refuses(path) -> None:
    """(X, y) of the promised form, or a ValueError / OSError with a message; never another exception."""
    try:
        X, y = load_arrays(path)
    except (ValueError, OSError) as exc:
        assert str(exc), "an error without a message"
        return
    assert X.ndim in (2, 3) and X.shape[0] > 0 and X.dtype.kind in "biuf"
    assert y is None or (y.ndim == 1 and len(y) == X.shape[0])


@FUZZ
@given(data=st.data())
def test_mutated_npy_files_load_or_are_refused(tmp_path, data):
    header_end = NPY.index(b"\n") + 1
    path = tmp_path / "X.npy"
    path.write_bytes(_mutate(data, NPY, header_end))
    _loads_arrays_or_refuses(path)


@FUZZ
@given(data=st.data())
def test_mutated_npz_members_load_or_are_refused(tmp_path, data):
    members = {"X.npy": _npy_bytes(_X), "y.npy": _npy_bytes(_Y)}
    name = data.draw(st.sampled_from(sorted(members)), label="member")
    members[name] = _mutate(data, members[name], members[name].index(b"\n") + 1)
    compressed = data.draw(st.booleans(), label="compressed")
    path = tmp_path / "d.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED) as zf:
        for member, blob in members.items():
            zf.writestr(member, blob)
    _loads_arrays_or_refuses(path)


@FUZZ
@given(blob=st.binary(max_size=64) | st.text(max_size=64).map(lambda t: t.encode("utf-8", "surrogatepass")),
       suffix=st.sampled_from([".npy", ".npz"]))
def test_arbitrary_bytes_under_a_numpy_name_are_refused_without_pickle_advice(tmp_path, blob, suffix):
    path = tmp_path / f"f{suffix}"
    path.write_bytes(blob)
    try:
        load_arrays(path)
    except (ValueError, OSError) as exc:
        assert str(exc) and "allow_pickle" not in str(exc)
