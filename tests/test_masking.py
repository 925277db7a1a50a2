"""Padding of unequal-length series is masked, not learned from."""

import numpy as np
import torch

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.nn import FCNBranch, MaskedBatchNorm1d

from .conftest import FAST


def test_fcn_branch_ignores_padding_in_eval_mode():
    torch.manual_seed(0)
    branch = FCNBranch(3, filters=(16, 32, 16), se_reduction=4).eval()
    x = torch.randn(1, 3, 11)
    alone = branch(x)
    padded = torch.cat([x, torch.randn(1, 3, 9) * 100], dim=-1)  # garbage beyond length is zeroed first
    padded[..., 11:] = 0
    masked = branch(padded, torch.tensor([[[1.0] * 11 + [0.0] * 9]]))
    torch.testing.assert_close(masked, alone, rtol=1e-5, atol=1e-5)


def test_masked_batchnorm_statistics_use_valid_steps_only():
    bn = MaskedBatchNorm1d(2, momentum=1.0)
    x = torch.randn(3, 2, 8)
    mask = torch.ones(3, 1, 8)
    mask[0, :, 5:] = 0
    mask[2, :, 2:] = 0
    bn(x * mask, mask)
    valid = x.permute(1, 0, 2)[:, mask[:, 0].bool()]
    torch.testing.assert_close(bn.running_mean, valid.mean(1))
    torch.testing.assert_close(bn.running_var, valid.var(1, unbiased=True))


def test_prediction_is_the_same_alone_padded_or_in_a_batch():
    rng = np.random.default_rng(0)
    lengths = [12, 7, 20, 15, 9, 20, 5, 18] * 3
    X = [rng.normal(size=(3, n)).astype(np.float32) for n in lengths]
    y = np.arange(len(X)) % 2
    clf = MLSTMFCNClassifier(**{**FAST, "epochs": 2}, random_state=0).fit(X, y)
    assert not clf.equal_length_ and clf.n_timepoints_ == 20
    series = X[1]  # 7 steps
    alone = clf.predict_proba([series])
    nan_padded = np.full((1, 3, 16), np.nan, dtype=np.float32)
    nan_padded[0, :, :7] = series
    in_batch = clf.predict_proba([X[2], series, X[0]])[1]
    np.testing.assert_allclose(clf.predict_proba(nan_padded)[0], alone[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(in_batch, alone[0], rtol=1e-5, atol=1e-6)
