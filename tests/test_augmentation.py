"""Augmentation: each transform on its own, and the estimators' ``augmentation`` parameter."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError

from mlstm_fcn import MLSTMFCNClassifier, MLSTMFCNRegressor, load_model
from mlstm_fcn.augmentation import (NAMES, Augmenter, CutMix, Jitter, MagnitudeWarp, Mixup, Scaling, TimeWarp,
                                    WindowSlice, check_augmentation)
from mlstm_fcn.augmentation.transforms import symmetric_beta
from mlstm_fcn.datasets import load_uea

from mlstm_fcn.training.objective import Classification

from .conftest import FAST
from .test_fused import _assert_fused_is_sequential


def _batch(b=8, c=3, t=24, seed=0, unequal=True):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, c, t, generator=g)
    lengths = torch.tensor([t, t // 2, 5, t, 1, 2, t - 3, 9][:b]) if unequal else None
    if lengths is not None:  # padding is zero, as the estimators hand it over
        x = x * (torch.arange(t)[None, None, :] < lengths[:, None, None])
    y = torch.arange(b) % 3
    return x, y, lengths, torch.rand(b, generator=g) + 0.5


def _apply(transform, batch, seed=1, n_classes=3):
    return Augmenter([transform], n_classes)(*batch, torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", NAMES)
def test_each_transform_keeps_shapes_padding_and_is_reproducible(name):
    x, y, lengths, w = _batch()
    transform = check_augmentation(name)[0]
    xa, ya, la, wa = _apply(transform, (x, y, lengths, w))
    assert xa.shape == x.shape and torch.isfinite(xa).all()
    assert not torch.equal(xa, x), "the transform changed nothing"
    steps = torch.arange(x.shape[2])[None, :]
    new_padding = (steps >= la[:, None])[:, None, :].expand_as(x)
    assert (xa[new_padding] == 0).all(), "values moved into the padding"
    again = _apply(transform, (x, y, lengths, w))
    for a, b in zip((xa, ya, la, wa), again):
        assert torch.equal(a, b)
    other_seed = _apply(transform, (x, y, lengths, w), seed=2)
    assert not torch.equal(other_seed[0], xa)


@pytest.mark.parametrize("transform", [Jitter(sigma=0.0), Scaling(sigma=0.0), MagnitudeWarp(sigma=0.0),
                                       TimeWarp(sigma=0.0), WindowSlice(ratio=1.0)])
def test_each_transform_at_zero_strength_is_the_identity(transform):
    x, y, lengths, w = _batch()
    xa, ya, la, wa = _apply(transform, (x, y, lengths, w))
    torch.testing.assert_close(xa, x, atol=1e-5, rtol=1e-5)
    assert torch.equal(ya, y) and torch.equal(la, lengths) and torch.equal(wa, w)


def test_window_slice_reads_a_window_stretched_to_the_series_length():
    x = torch.arange(101, dtype=torch.float32).view(1, 1, 101)  # a ramp: values are positions
    xa, *_ = _apply(WindowSlice(ratio=0.5), (x, torch.zeros(1, dtype=torch.long), None, torch.ones(1)))
    steps = xa[0, 0]
    torch.testing.assert_close(steps[-1] - steps[0], torch.tensor(50.0))  # half the series, stretched
    assert (steps.diff() > 0).all() and steps[0] >= 0 and steps[-1] <= 100


def test_time_warp_keeps_start_end_and_order():
    x = torch.arange(50, dtype=torch.float32).view(1, 1, 50).repeat(4, 2, 1)
    xa, *_ = _apply(TimeWarp(sigma=0.5), (x, torch.zeros(4, dtype=torch.long), None, torch.ones(4)))
    torch.testing.assert_close(xa[..., 0], x[..., 0])
    torch.testing.assert_close(xa[..., -1], x[..., -1])
    assert (xa.diff(dim=2) >= 0).all() and not torch.allclose(xa, x)


def test_mixup_mixes_series_targets_and_weights_with_one_share():
    x, y, lengths, w = _batch(unequal=False)
    xa, ya, la, wa = _apply(Mixup(alpha=1.0), (x, y, lengths, w))
    assert ya.shape == (8, 3) and torch.allclose(ya.sum(1), torch.ones(8))
    # Each mixed series is lam * own + (1 - lam) * partner, with its target and weight mixed alike.
    onehot = torch.nn.functional.one_hot(y, 3).float()
    for i in range(8):
        found = False
        for j in range(8):
            d = x[i] - x[j]
            lam = 1.0 if j == i else float(((xa[i] - x[j]) * d).sum() / (d * d).sum())
            if torch.allclose(xa[i], lam * x[i] + (1 - lam) * x[j], atol=1e-5):
                torch.testing.assert_close(ya[i], lam * onehot[i] + (1 - lam) * onehot[j])
                torch.testing.assert_close(wa[i], lam * w[i] + (1 - lam) * w[j])
                found = True
        assert found


def test_cutmix_target_share_is_the_share_of_steps_kept():
    x = torch.zeros(6, 1, 40)
    x[torch.arange(6), 0, :] = torch.arange(6, dtype=torch.float32)[:, None] + 1  # series i is all i + 1
    y = torch.arange(6)
    xa, ya, _, _ = _apply(CutMix(), (x, y, None, torch.ones(6)), n_classes=6)
    for i in range(6):
        kept = (xa[i, 0] == i + 1).float().mean().item()
        assert ya[i, i].item() == pytest.approx(kept, abs=1e-6) or kept == pytest.approx(1.0)


def test_symmetric_beta_draws_are_beta_distributed():
    from scipy import stats

    g = torch.Generator().manual_seed(0)
    like = torch.zeros(())
    for alpha in (0.2, 1.0, 2.0):
        draws = symmetric_beta(4000, alpha, like, g).numpy()
        assert ((draws >= 0) & (draws <= 1)).all()
        assert stats.kstest(draws, stats.beta(alpha, alpha).cdf).pvalue > 0.001


def test_soft_targets_give_the_hard_targets_loss():
    logits = torch.randn(5, 3)
    y = torch.tensor([0, 2, 1, 1, 0])
    objective = Classification()
    onehot = torch.nn.functional.one_hot(y, 3).float()
    torch.testing.assert_close(objective.per_series(logits, onehot), objective.per_series(logits, y))
    assert objective.correct(logits, onehot) == objective.correct(logits, y)


# ------------------------------------------------------------------ the estimators' parameter
@pytest.mark.parametrize("spec, match", [("shuffle", "not a transform.*jitter"), ([], "names no transform"),
                                         (["jitter", 3], "a name of mlstm_fcn.augmentation.NAMES or a callable")])
def test_a_wrong_augmentation_is_refused_before_training(tiny_data, spec, match):
    X, y = tiny_data
    with pytest.raises(InvalidParameterError, match=match):
        MLSTMFCNClassifier(augmentation=spec, **FAST).fit(X, y)


def test_an_augmented_fit_is_reproducible_and_differs_from_a_plain_one(tiny_data, one_torch_thread):
    X, y = tiny_data
    params = dict(FAST, batch_size=8, random_state=0)
    a = MLSTMFCNClassifier(augmentation=["time_warp", "mixup"], **params).fit(X, y)
    b = MLSTMFCNClassifier(augmentation=["time_warp", "mixup"], **params).fit(X, y)
    plain = MLSTMFCNClassifier(**params).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.history_["loss"] == b.history_["loss"]
    assert a.history_["loss"] != plain.history_["loss"]


def test_prediction_sees_the_series_unchanged(tiny_data, one_torch_thread):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(augmentation="jitter", random_state=0, **FAST).fit(X, y)
    before = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict_proba(X), before)  # no random draws at predict
    clf.set_params(augmentation="mixup")
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_a_callable_receives_every_training_batch(tiny_data, one_torch_thread):
    X, y = tiny_data
    seen = []

    def flip(x, y, lengths, w, generator):
        seen.append((tuple(x.shape), y.dtype, lengths, w.shape, isinstance(generator, torch.Generator)))
        return -x, y, lengths, w

    clf = MLSTMFCNClassifier(augmentation=flip, batch_size=12, random_state=0, **FAST).fit(X, y)
    assert len(seen) == clf.n_epochs_ * 3  # 36 series in batches of 12
    assert seen[0] == ((12, 3, 20), torch.int64, None, (12,), True)


def test_unequal_lengths_train_with_every_transform(one_torch_thread):
    X, y = load_uea("JapaneseVowels", split="train")  # unequal lengths: trailing NaN padding
    X, y = X[:40], y[:40]
    for name in NAMES:
        clf = MLSTMFCNClassifier(augmentation=name, random_state=0, **dict(FAST, epochs=2)).fit(X, y)
        assert np.isfinite(clf.history_["loss"]).all(), name
        assert clf.predict_proba(X).shape == (40, len(clf.classes_))


def test_the_regressor_mixes_its_targets(one_torch_thread):
    X, _ = load_uea("BasicMotions", split="train")
    target = X[:, 0].mean(axis=1).astype(np.float64)
    reg = MLSTMFCNRegressor(augmentation=["mixup", "scaling"], random_state=0, **FAST).fit(X, target)
    again = MLSTMFCNRegressor(augmentation=["mixup", "scaling"], random_state=0, **FAST).fit(X, target)
    np.testing.assert_array_equal(reg.predict(X), again.predict(X))
    assert np.isfinite(reg.history_["loss"]).all()


def test_streamed_augmented_fit_equals_the_resident_one(one_torch_thread):
    X, y = load_uea("JapaneseVowels", split="train")
    params = dict(FAST, batch_size=32, augmentation=["window_slice", "cutmix"], random_state=0)
    resident = MLSTMFCNClassifier(data_on_device=True, **params).fit(X, y)
    streamed = MLSTMFCNClassifier(data_on_device=False, **params).fit(X, y)
    assert not streamed.data_on_device_
    assert resident.history_["loss"] == streamed.history_["loss"]
    np.testing.assert_array_equal(resident.predict_proba(X), streamed.predict_proba(X))


@pytest.mark.parametrize("model", [MLSTMFCNClassifier, MLSTMFCNRegressor])
def test_fused_augmented_ensemble_is_the_sequential_one(model, one_torch_thread):
    X, y = load_uea("JapaneseVowels", split="train")  # unequal lengths
    X, y = X[:60], y[:60]
    target = y if model is MLSTMFCNClassifier else np.nanmean(X[:, 0], axis=1)
    params = dict(FAST, n_estimators=2, epochs=3, batch_size=16, augmentation=["magnitude_warp", "mixup"],
                  random_state=0)
    seq = model(fused=False, **params).fit(X, target)
    fused = model(fused=True, **params).fit(X, target)
    _assert_fused_is_sequential(fused, seq, X, predict="predict_proba" if model is MLSTMFCNClassifier else "predict")


def test_model_files_keep_names_and_drop_callables(tiny_data, tmp_path, one_torch_thread):
    X, y = tiny_data
    named = MLSTMFCNClassifier(augmentation=["jitter", "cutmix"], random_state=0, **FAST).fit(X, y)
    named.save(tmp_path / "named.model")
    assert load_model(tmp_path / "named.model").augmentation == ["jitter", "cutmix"]
    coded = MLSTMFCNClassifier(augmentation=lambda *batch: batch[:4], random_state=0, **FAST).fit(X, y)
    coded.save(tmp_path / "coded.model")
    loaded = load_model(tmp_path / "coded.model")
    assert loaded.augmentation is None
    np.testing.assert_array_equal(loaded.predict_proba(X), coded.predict_proba(X))
