"""The 3D transformers: statistics from training data, NaN padding, lengths."""

import numpy as np
import pytest

from mlstm_fcn import ChannelStandardScaler, MLSTMFCNClassifier, PadTruncate, Resampler
from mlstm_fcn.datasets import load_uea, series_lengths

from .conftest import FAST


@pytest.fixture(scope="module")
def vowels():
    X, y = load_uea("JapaneseVowels", split="train")  # NaN-padded, 12 channels
    return X[::5], y[::5]


def test_scaler_standardises_each_channel_with_training_statistics():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[[5.0], [-3.0]], scale=[[2.0], [0.5]], size=(30, 2, 40))
    scaler = ChannelStandardScaler().fit(X)
    Z = scaler.transform(X)
    np.testing.assert_allclose(Z.mean(axis=(0, 2)), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=(0, 2)), 1.0, rtol=1e-12)
    # New data are scaled with the training statistics, not their own.
    X_new = X[:3] + 10.0
    np.testing.assert_allclose(scaler.transform(X_new), (X_new - scaler.mean_[:, None]) / scaler.scale_[:, None])
    np.testing.assert_allclose(scaler.inverse_transform(Z), X)
    assert Z.dtype == np.float64 and scaler.transform(X.astype(np.float32)).dtype == np.float32


def test_scaler_ignores_and_keeps_nan_padding(vowels):
    X, _ = vowels
    lengths = series_lengths(X)
    assert len(set(lengths)) > 1
    scaler = ChannelStandardScaler().fit(X)
    valid = np.concatenate([x[:, :n] for x, n in zip(X, lengths)], axis=1).astype(np.float64)
    np.testing.assert_allclose(scaler.mean_, valid.mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(scaler.scale_, valid.std(axis=1), rtol=1e-5)
    Z = scaler.transform(X)
    np.testing.assert_array_equal(np.isnan(Z), np.isnan(X))
    np.testing.assert_array_equal(series_lengths(Z), lengths)
    # A list of (C, T_i) arrays gives the same, NaN-padded.
    Z_list = scaler.transform([x[:, :n] for x, n in zip(X, lengths)])
    np.testing.assert_allclose(Z_list, Z[:, :, : lengths.max()], rtol=1e-6, equal_nan=True)


def test_scaler_constant_channel_and_options():
    X = np.ones((4, 2, 5))
    X[:, 1] = np.arange(4)[:, None]
    Z = ChannelStandardScaler().fit_transform(X)
    np.testing.assert_array_equal(Z[:, 0], 0.0)  # divided by 1, not by 0
    np.testing.assert_array_equal(ChannelStandardScaler(with_mean=False, with_std=False).fit_transform(X), X)


def test_scaler_2d_is_univariate_and_channels_must_match():
    X = np.arange(12.0).reshape(3, 4)
    Z = ChannelStandardScaler().fit_transform(X)
    assert Z.shape == (3, 4)
    np.testing.assert_allclose(Z, (X - X.mean()) / X.std())
    scaler = ChannelStandardScaler().fit(np.zeros((3, 2, 4)))
    with pytest.raises(ValueError, match="3 channels.*fitted on 2"):
        scaler.transform(np.zeros((3, 3, 4)))
    # 3D data of another length is fine: statistics are per channel.
    assert scaler.transform(np.zeros((2, 2, 9))).shape == (2, 2, 9)


def test_pad_truncate(vowels):
    X, y = vowels
    lengths = series_lengths(X)
    out = PadTruncate(length=15).fit_transform(X)
    assert out.shape == (len(X), 12, 15)
    np.testing.assert_array_equal(series_lengths(out), np.minimum(lengths, 15))
    np.testing.assert_array_equal(out[:, :, :10], X[:, :, :10])
    zero = PadTruncate(length=30, fill_value=0.0).fit_transform(X)
    assert not np.isnan(zero).any() and zero.shape[2] == 30
    # length=None: the longest training series; the NaN padding feeds the classifier's masking.
    series = [x[:, :n] for x, n in zip(X, lengths)]
    padded = PadTruncate().fit(series).transform(series)
    assert padded.shape[2] == lengths.max()
    np.testing.assert_array_equal(padded, X[:, :, : lengths.max()])
    clf = MLSTMFCNClassifier(**FAST, random_state=0).fit(padded, y)
    assert not clf.equal_length_
    with pytest.raises(ValueError, match="length"):
        PadTruncate(length=0).fit(X)


def test_resampler_interpolates_over_valid_steps():
    ramp = np.linspace(0.0, 1.0, 11)
    X = np.full((2, 1, 11), np.nan)
    X[0, 0] = ramp
    X[1, 0, :6] = 2 * ramp[:6] * 2  # 6 valid steps from 0 to 2
    out = Resampler(length=21).fit_transform(X)
    assert out.shape == (2, 1, 21) and not np.isnan(out).any()
    np.testing.assert_allclose(out[0, 0], np.linspace(0, 1, 21), atol=1e-12)
    np.testing.assert_allclose(out[1, 0], np.linspace(0, 2, 21), atol=1e-12)
    # Down-sampling keeps end points; a one-step series becomes constant.
    np.testing.assert_allclose(Resampler(length=3).fit_transform(ramp[None])[0], [0.0, 0.5, 1.0])
    one = Resampler(length=4).fit_transform([np.array([[7.0]]), np.array([[1.0, 2.0]])])
    np.testing.assert_allclose(one[0, 0], 7.0)
    assert Resampler().fit(X).length_ == 11


@pytest.mark.parametrize("transformer", [ChannelStandardScaler(), PadTruncate(), Resampler()])
def test_transformers_refuse_inner_nan_and_infinity(transformer):
    X = np.ones((3, 2, 6))
    X[1, 0, 2] = np.nan
    with pytest.raises(ValueError, match="NaN inside a series"):
        transformer.fit(X)
    X[1, 0, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        transformer.fit(X)


def test_scaler_learns_the_classifiers_channel_statistics():
    from mlstm_fcn._data.scaling import fit_scaling

    rng = np.random.default_rng(0)
    # float32 values (as the classifier holds them) in a float64 array, NaN-padded to unequal lengths.
    X = rng.normal(loc=[[2.0], [-1.0], [0.0]], scale=[[3.0], [0.1], [1.0]], size=(9, 3, 20))
    X[:, 2] = 7.3  # a constant channel
    X = X.astype(np.float32).astype(np.float64)
    lengths = rng.integers(4, 21, size=9)
    for i, n in enumerate(lengths):
        X[i, :, n:] = np.nan
    scaler = ChannelStandardScaler().fit(X)
    X_padded = np.nan_to_num(X, nan=0.0).astype(np.float32)  # what the classifier scales: zeros past lengths
    stats = fit_scaling(X_padded, series_lengths(X), "channel")
    np.testing.assert_array_equal(scaler.mean_, stats["mean"])
    np.testing.assert_array_equal(scaler.scale_, stats["scale"])
    assert scaler.scale_[2] == 1.0 and scaler.scale_[1] != 1.0


def test_scaler_keeps_a_float64_constant_channel_constant():
    # 1234.5678 has no exact float64 mean over many steps: the rounding must not be blown up to +-1.
    X = np.full((40, 2, 30), 1234.5678)
    X[:, 1] = np.random.default_rng(0).normal(size=(40, 30)) * 1e-6  # a small signal is still a signal
    scaler = ChannelStandardScaler().fit(X)
    Z = scaler.transform(X)
    assert scaler.scale_[0] == 1.0 and np.abs(Z[:, 0]).max() < 1e-9
    np.testing.assert_allclose(Z[:, 1].std(), 1.0, rtol=1e-9)
