"""Bad input is caught early, with a message that says what is wrong and where.

Also: property-based tests (hypothesis) that any input either fits and
predicts validly or raises ValueError/TypeError, and that fitting leaves the
caller's global torch state (RNG, threads, default dtype) alone.
"""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from mlstm_fcn import MLSTMFCNClassifier

from .conftest import FAST

TINY = {**FAST, "epochs": 1, "filters": (4, 4, 4), "lstm_units": 2, "se_reduction": 2}


def _fit(X, y, **params):
    return MLSTMFCNClassifier(**{**TINY, **params}, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def fitted(tiny_data):
    X, y = tiny_data
    return _fit(X, y)


# ----------------------------------------------------------------------------- X
@pytest.mark.parametrize("shape, match", [
    ((12,), r"got an array of shape \(12,\)|Expected 2D"),
    ((4, 2, 3, 5), r"3D .*shape \(4, 2, 3, 5\)"),
])
def test_wrong_number_of_dimensions(shape, match):
    X = np.zeros(shape, dtype=np.float32)
    with pytest.raises(ValueError, match=match):
        _fit(X, np.arange(shape[0]) % 2)


@pytest.mark.parametrize("X", [np.zeros((0, 2, 5)), np.zeros((3, 0, 5)), np.zeros((3, 2, 0)), [], np.zeros((0, 5))])
def test_empty_X(X):
    with pytest.raises(ValueError, match="empty|0 sample|minimum"):
        _fit(X, np.arange(len(X)) % 2)


def test_X_and_y_of_different_lengths(tiny_data):
    X, y = tiny_data
    with pytest.raises(ValueError, match="36 series but y has 30 labels"):
        _fit(X, y[:30])


@pytest.mark.parametrize("value, where, match", [
    (np.nan, (3, 1, 4), r"NaN inside a series \(series 3, channel 1, step 4\)"),
    (np.inf, (5, 0, 19), r"infinity \(series 5, channel 0, step 19\)"),
    (-np.inf, (0, 2, 0), r"infinity \(series 0, channel 2, step 0\)"),
])
def test_nan_or_inf_outside_padding_says_where(tiny_data, value, where, match):
    X, y = tiny_data
    X = X.copy()
    X[where] = value
    with pytest.raises(ValueError, match=match):
        _fit(X, y)


def test_nan_in_one_channel_of_the_padding_is_not_padding(tiny_data):
    X, y = tiny_data
    X = X.copy()
    X[2, :, 15:] = np.nan  # proper padding: every channel, to the end
    X[4, 0, 15:] = np.nan  # one channel only: missing values
    with pytest.raises(ValueError, match=r"series 4, channel 0, step 15"):
        _fit(X, y)


def test_trailing_nan_padding_is_accepted(tiny_data):
    X, y = tiny_data
    X = X.copy()
    X[2, :, 15:] = np.nan
    clf = _fit(X, y)
    assert not clf.equal_length_ and clf.predict(X).shape == (36,)


@pytest.mark.parametrize("X, exc, match", [
    (np.array([[["a", "b", "c"]], [["d", "e", "f"]]]), ValueError, r"X .*non-numeric.*dtype <U1"),
    (np.array([[[1.0, "x", 2.0]], [[1.0, 2.0, 3.0]]], dtype=object), ValueError, r"X .*non-numeric.*'x'"),
    # None is a missing value, as NaN: refused inside a series, with its place.
    (np.array([[[1.0, None, 2.0]], [[1.0, 2.0, 3.0]]], dtype=object), ValueError,
     r"NaN inside a series \(series 0, channel 0, step 1\)"),
    (np.array([[[1.0, {}, 2.0]], [[1.0, 2.0, 3.0]]], dtype=object), TypeError,
     r"X holds non-numeric values: \{\} at index \(0, 0, 1\)"),
    ([[[1.0, 2.0]], [["a", 3.0]]], ValueError, r"X\[1\] holds non-numeric values: 'a' at index \(0, 0\)"),
    (np.ones((2, 1, 3)) * (1 + 1j), ValueError, r"X .*complex"),
    (torch.ones(2, 1, 3, dtype=torch.complex64), ValueError, r"X .*complex"),
    ("not an array", TypeError, "array-like"),
    ({"a": 1}, TypeError, "array-like"),
    (None, TypeError, "array-like"),
])
def test_non_numeric_or_complex_X(X, exc, match):
    with pytest.raises(exc, match=match):
        _fit(X, np.array([0, 1]))


def test_list_of_series_with_different_channel_counts():
    X = [np.zeros((2, 5)), np.zeros((3, 5)), np.zeros((2, 7))]
    with pytest.raises(ValueError, match=r"same number of channels; found \[2, 3\]"):
        _fit(X, np.array([0, 1, 0]))


def test_bad_series_in_a_list_is_named():
    X = [np.zeros((2, 5)), np.zeros((2, 6)), np.zeros((2, 3, 4))]
    with pytest.raises(ValueError, match=r"X\[2\]"):
        _fit(X, np.array([0, 1, 0]))


def test_predict_with_other_channels_or_length(fitted, tiny_data):
    X, _ = tiny_data
    with pytest.raises(ValueError, match="2 channels.*fitted on 3 channels"):
        fitted.predict(X[:, :2])
    with pytest.raises(ValueError, match="4 channels.*fitted on 3 channels"):
        fitted.predict_proba(np.concatenate([X, X[:, :1]], axis=1))
    with pytest.raises(ValueError, match="length 15.*length 20"):
        fitted.predict(X[:, :, :15])
    with pytest.raises(ValueError, match="length 25.*length 20"):
        fitted.predict(np.pad(X, ((0, 0), (0, 0), (0, 5))))


def test_series_of_one_step_are_the_shortest_and_work():
    # No minimum length: "same" convolutions and the channel-wise LSTM take T=1.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 2, 1)).astype(np.float32)
    y = np.arange(10) % 2
    clf = _fit(X, y)
    proba = clf.predict_proba(X[:3])
    assert proba.shape == (3, 2) and np.allclose(proba.sum(1), 1)
    # Unequal lengths down to one step, at fit and at predict.
    series = [rng.normal(size=(2, 1 + i % 4)) for i in range(10)]
    clf = _fit(series, y)
    assert clf.predict([np.ones((2, 1)), np.ones((2, 4))]).shape == (2,)


def test_predict_before_fit(tiny_data):
    X, _ = tiny_data
    for method in ("predict", "predict_proba"):
        with pytest.raises(NotFittedError):
            getattr(MLSTMFCNClassifier(), method)(X)


# ----------------------------------------------------------------------------- y
@pytest.mark.parametrize("y_bad, match", [
    (np.zeros(36), "single class"),
    (np.where(np.arange(36) == 7, np.nan, np.arange(36) % 2), "NaN"),
    (np.array([None] + ["a", "b"] * 17 + ["a"], dtype=object), "missing labels"),
    (np.zeros((36, 2)), "1D"),
    (np.arange(36) % 2 + 0j, "Complex"),
    (np.array(["a", 1] * 18, dtype=object), "mix"),
])
def test_bad_labels(tiny_data, y_bad, match):
    X, _ = tiny_data
    with pytest.raises((ValueError, TypeError), match=match):
        _fit(X, y_bad)


# ---------------------------------------------------------------------- params
@pytest.mark.parametrize("param, value", [
    ("epochs", -1), ("epochs", 0), ("epochs", 2.5), ("batch_size", 0), ("se_reduction", 0),
    ("device", "tpu"), ("device", 3), ("predict_batch_size", 0), ("lstm_units", -2),
    ("dropout", -0.1), ("learning_rate", -1.0), ("checkpoint_every", 0), ("verbose", -1),
    ("early_stopping", 0), ("validation_split", 0.0), ("random_state", "seed"),
    ("lstm_units", 0), ("dropout", 1.5), ("learning_rate", 0), ("validation_split", 1.0),
    ("filters", (8, 8)), ("class_weight", "unbalanced"),
    ("n_estimators", 0), ("n_estimators", 1.5), ("n_estimators", True),
    ("lstm_orientation", "rows"), ("lstm_orientation", None), ("scaling", "minmax"), ("scaling", True),
])
def test_invalid_parameters_are_named_at_fit(tiny_data, param, value):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**{**TINY, param: value})
    assert getattr(clf, param) == value  # __init__ stores it untouched
    with pytest.raises(ValueError, match=param):
        clf.fit(X, y)


def test_cuda_without_a_gpu_is_named_at_fit(tiny_data):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    X, y = tiny_data
    with pytest.raises(ValueError, match="device='cuda'.*CUDA is not available"):
        MLSTMFCNClassifier(**{**TINY, "device": "cuda"}).fit(X, y)


# ----------------------------------------------------- global state of the caller
def test_fit_leaves_threads_default_dtype_and_rng_alone(tiny_data):
    X, y = tiny_data
    threads = torch.get_num_threads()
    dtype = torch.get_default_dtype()
    try:
        torch.set_num_threads(1)
        torch.set_default_dtype(torch.float64)  # a caller working in float64
        torch.manual_seed(5)
        np.random.seed(5)
        state_torch, state_np = torch.get_rng_state(), np.random.get_state()[1].copy()
        clf = _fit(X, y)
        proba = clf.predict_proba(X)
        assert torch.get_num_threads() == 1
        assert torch.get_default_dtype() == torch.float64
        assert torch.equal(torch.get_rng_state(), state_torch)
        np.testing.assert_array_equal(np.random.get_state()[1], state_np)
        assert next(clf.network_.parameters()).dtype == torch.float32
        np.testing.assert_allclose(proba.sum(1), 1.0)
    finally:
        torch.set_num_threads(threads)
        torch.set_default_dtype(dtype)


# ------------------------------------------------------------------ properties
_DTYPES = st.sampled_from([np.float16, np.float32, np.float64, np.int8, np.int64, np.uint8, np.bool_])
_LABELS = st.sampled_from([
    np.array(["x", "y", "z"]), np.array([0, 1, 2]), np.array([-1.5, 0.0, 2.25]),
    np.array([True, False, True]), np.array(["x", "y", "z"], dtype=object), np.array([7, 7, 7]),
])


@st.composite
def datasets(draw):
    n = draw(st.integers(1, 10))
    c = draw(st.integers(1, 3))
    t = draw(st.integers(1, 6))
    dtype = draw(_DTYPES)
    if np.dtype(dtype).kind == "f":
        elements = st.floats(-1e3, 1e3, allow_nan=False, width=16 if dtype == np.float16 else 32)
    elif dtype == np.bool_:
        elements = st.booleans()
    else:
        info = np.iinfo(dtype)
        elements = st.integers(int(info.min), int(info.max))
    values = draw(st.lists(elements, min_size=n * c * t, max_size=n * c * t))
    X = np.array(values, dtype=dtype).reshape(n, c, t)
    labels = draw(_LABELS)
    idx = draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    if n > 1 and draw(st.booleans()):  # mostly two classes or more (shrinking favours one)
        idx[0], idx[-1] = 0, 1
    y = labels[np.array(idx, dtype=int)]
    form = draw(st.sampled_from(["array", "tensor", "list", "2d"]))
    if form == "tensor" and dtype not in (np.uint8,):
        X = torch.from_numpy(X)
    elif form == "list":
        X = list(X)
    elif form == "2d" and c == 1:
        X = X[:, 0, :]
    return X, y


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=datasets(), validation=st.sampled_from([None, None, None, 0.4]))
def test_any_input_fits_and_predicts_validly_or_raises_value_or_type_error(data, validation):
    X, y = data
    try:
        clf = _fit(X, y, validation_split=validation)
    except (ValueError, TypeError) as exc:
        event(f"refused: {type(exc).__name__}: {str(exc)[:40]}")
        if validation is not None and "validation_split" in str(exc):
            return
        return
    event("fitted")
    proba = clf.predict_proba(X)
    labels = clf.predict(X)
    assert proba.shape == (len(y), len(clf.classes_))
    assert np.isfinite(proba).all() and (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-6)
    assert set(labels.tolist()) <= set(clf.classes_.tolist())
    np.testing.assert_array_equal(np.unique(np.asarray(y)), clf.classes_)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 6), c=st.integers(1, 3), lengths=st.lists(st.integers(1, 7), min_size=2, max_size=6),
       c_pred=st.integers(1, 3), t_pred=st.integers(1, 9))
def test_unequal_lengths_and_predict_shapes(n, c, lengths, c_pred, t_pred):
    rng = np.random.default_rng(n * 100 + c)
    series = [rng.normal(size=(c, lengths[i % len(lengths)])) for i in range(n)]
    y = np.arange(n) % 2
    clf = _fit(series, y)
    X_pred = rng.normal(size=(3, c_pred, t_pred))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # longer than seen in fit: truncated, said
            proba = clf.predict_proba(X_pred)
    except ValueError as exc:
        if c_pred != c:
            assert "channels" in str(exc)
        else:  # all training series had one length: predict needs that length
            assert clf.equal_length_ and t_pred != clf.n_timepoints_ and "length" in str(exc)
        return
    assert c_pred == c
    assert proba.shape == (3, 2) and np.allclose(proba.sum(1), 1)


def test_sktime_pandas_panels_are_refused_with_a_pointer_to_the_adapter():
    from sktime.datasets import load_basic_motions
    from sktime.datatypes import convert_to

    X, y = load_basic_motions(split="train", return_X_y=True)  # nested_univ: cells are pd.Series
    for frame, kind in ((X, "nested_univ"), (convert_to(X, to_type="pd-multiindex"), "pd-multiindex")):
        with pytest.raises(TypeError) as info:
            MLSTMFCNClassifier(epochs=1).fit(frame, y)
        message = str(info.value)
        assert kind in message and "MLSTMFCNSktime" in message and "convert_to" in message
        assert len(message) < 600 and "dtype: float64" not in message  # not the whole Series printed


# ------------------------------------------------------------------ non-finite
def test_non_finite_network_outputs_raise_naming_the_rows_instead_of_giving_labels(fitted, tiny_data):
    X = tiny_data[0].copy()
    X[[3, 7]] = np.float32(3e38)  # finite float32, whose sums overflow in the network
    for method in (fitted.predict, fitted.predict_proba):
        with pytest.raises(ValueError, match=r"NaN or infinite for 2 series \(rows 3, 7\)"):
            method(X)
    assert fitted.predict(tiny_data[0]).shape == (len(X),)  # finite rows still predict


def test_regression_targets_whose_scale_overflows_are_refused():
    from mlstm_fcn import MLSTMFCNRegressor

    X = np.random.default_rng(0).normal(size=(8, 2, 10)).astype(np.float32)
    with pytest.raises(ValueError, match="cannot be standardised.*overflow float64"):
        MLSTMFCNRegressor(**TINY).fit(X, np.linspace(-1, 1, 8) * 1e200)


@pytest.mark.parametrize("class_weight, match", [
    ({"a": -1.0}, "class_weight of class 'a' is -1.0"), ({"b": float("nan")}, "class_weight of class 'b' is nan"),
    ({"a": float("inf")}, "finite, non-negative"), ({"a": "x"}, "finite, non-negative"),
    ({"a": 0.0, "b": 0.0, "c": 0}, "zero for every class"),
])
def test_class_weights_are_checked_as_sample_weights_are(tiny_data, class_weight, match):
    with pytest.raises(ValueError, match=match):
        _fit(*tiny_data, class_weight=class_weight)


def test_float64_beyond_float32_range_is_named_as_such_not_as_infinity(tiny_data):
    X = tiny_data[0].astype(np.float64)
    X[2, 1, 4] = 1e39
    with pytest.raises(ValueError, match=r"X holds 1e\+39 \(series 2, channel 1, step 4\), beyond float32's range"):
        _fit(X, tiny_data[1])


@pytest.mark.parametrize("container", ["tensor", "memmap"])
def test_float64_tensors_and_memmaps_beyond_float32_range_are_named_as_such(tiny_data, tmp_path, container):
    X = tiny_data[0].astype(np.float64)
    X[20, 2, 7] = -2e40
    if container == "tensor":
        X = torch.from_numpy(X)
    else:
        np.save(tmp_path / "X.npy", X)
        X = np.load(tmp_path / "X.npy", mmap_mode="r")
    with pytest.raises(ValueError, match=r"X holds -2e\+40 \(series 20, channel 2, step 7\), beyond float32"):
        _fit(X, tiny_data[1])


@pytest.mark.parametrize("param, value", [("learning_rate", True), ("dropout", False),
                                          ("validation_split", True),
                                          ("class_weight", np.array([1.0, 2.0, 3.0]))])
def test_booleans_and_arrays_are_not_taken_for_numbers_or_options(tiny_data, param, value):
    X, y = tiny_data
    with pytest.raises(ValueError, match=param):
        MLSTMFCNClassifier(**{**FAST, param: value}).fit(X, y)
