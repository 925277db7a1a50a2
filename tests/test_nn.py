"""The torch modules: SE semantics, the dimension shuffle, shapes, parameter count."""

import pytest
import torch

from mlstm_fcn.nn import MLSTMFCN, AttentionLSTM, FCNBranch, SqueezeExcite1d


def test_se_gate_is_computed_from_time_mean_and_rescales_channels():
    torch.manual_seed(0)
    se = SqueezeExcite1d(32, reduction=16)
    x = torch.randn(4, 32, 10)
    gate = se.gate(x)
    assert gate.shape == (4, 32)
    assert ((gate > 0) & (gate < 1)).all()
    expected = torch.sigmoid(se.excite_fc.weight @ torch.relu(se.squeeze_fc.weight @ x.mean(-1).T)).T
    torch.testing.assert_close(gate, expected)
    torch.testing.assert_close(se(x), x * gate.unsqueeze(-1))
    # Reordering time steps leaves the squeeze (a mean) and so the gate unchanged.
    torch.testing.assert_close(se.gate(x[..., torch.randperm(10)]), gate)


@pytest.mark.parametrize("channels, reduction, hidden", [(128, 16, 8), (256, 16, 16), (8, 16, 1), (6, 4, 1)])
def test_se_bottleneck_width(channels, reduction, hidden):
    se = SqueezeExcite1d(channels, reduction)
    assert se.squeeze_fc.weight.shape == (hidden, channels)
    assert se.excite_fc.weight.shape == (channels, hidden)
    assert se.squeeze_fc.bias is None and se.excite_fc.bias is None


def test_fcn_branch_has_se_after_first_two_blocks_only():
    branch = FCNBranch(6)
    assert [b.se is not None for b in branch.blocks] == [True, True, False]
    assert [b.conv.kernel_size[0] for b in branch.blocks] == [8, 5, 3]
    assert [b.conv.out_channels for b in branch.blocks] == [128, 256, 128]


def test_parameter_count_basic_motions():
    # 6 channels, 100 steps, 4 classes, 8 cells; PyTorch's LSTM has two bias vectors.
    model = MLSTMFCN(6, 100, 4)
    assert sum(p.numel() for p in model.parameters()) == 284_132


def test_lstm_steps_over_channels_with_whole_series_as_features():
    model = MLSTMFCN(n_channels=5, n_timepoints=37, n_classes=3)
    seen = {}
    model.lstm_branch.lstm.register_forward_hook(lambda m, args, out: seen.update(shape=args[0].shape))
    x = torch.randn(2, 5, 37)
    model(x)
    assert seen["shape"] == (2, 5, 37)  # batch, sequence = channels, features = time
    assert model.lstm_branch.lstm.input_size == 37
    # The step order is the channel order: permuting channels changes the LSTM's output.
    model.eval()
    out1 = model.lstm_branch(x)
    out2 = model.lstm_branch(x[:, [4, 3, 2, 1, 0]])
    assert not torch.allclose(out1, out2)


@pytest.mark.parametrize("c, t", [(1, 50), (40, 10), (3, 5), (2, 1), (6, 100)])
@pytest.mark.parametrize("attention", [False, True])
def test_output_shapes(c, t, attention):
    model = MLSTMFCN(c, t, 7, attention=attention)
    model.eval()
    assert model(torch.randn(3, c, t)).shape == (3, 7)


def test_attention_lstm_weights_are_distributions_over_channels():
    torch.manual_seed(0)
    lstm = AttentionLSTM(input_size=12, hidden_size=4)
    h, alpha = lstm(torch.randn(3, 5, 12), return_attention=True)
    assert h.shape == (3, 4)
    assert alpha.shape == (3, 5, 5)
    torch.testing.assert_close(alpha.sum(-1), torch.ones(3, 5))


def test_attention_variant_trains():
    torch.manual_seed(0)
    model = MLSTMFCN(3, 16, 2, attention=True, filters=(8, 8, 8), se_reduction=4, dropout=0.0)
    x = torch.randn(16, 3, 16)
    y = (x[:, 0].mean(-1) > 0).long()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert model.lstm_branch.lstm.weight_ch.grad is not None
