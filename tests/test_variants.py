"""Variants beyond the paper: LSTM orientation, input scaling, ensembles, presets."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from torch import nn

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn._data.scaling import apply_scaling, fit_scaling
from mlstm_fcn.interpret import class_activation_maps, member_probabilities, se_gates
from mlstm_fcn.nn import MLSTMFCN, ConvBlock, MLSTMFCNEnsemble, build_network
from mlstm_fcn.nn.lstm import AttentionLSTMBranch, LSTMBranch
from mlstm_fcn.presets import PRESETS, get_preset

from .conftest import FAST


# ------------------------------------------------------------------ padding
@pytest.mark.parametrize("k", [2, 3, 4, 5, 8])
def test_conv_block_pads_like_same_without_warning(k):
    torch.manual_seed(0)
    block = ConvBlock(3, 6, k, None)
    ref = nn.Conv1d(3, 6, k, padding="same")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns about its own even-kernel copy
        ref.load_state_dict(block.conv.state_dict())
        x = torch.randn(4, 3, 13)
        expected = ref(x)
        block.eval()
        expected = block.bn(expected).relu()  # the block: conv -> BN -> ReLU
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # ours does not warn
        got = block(x)
    assert got.shape == expected.shape == (4, 6, 13)
    torch.testing.assert_close(got, expected)


# -------------------------------------------------------------- orientation
@pytest.mark.parametrize("branch_cls", [LSTMBranch, AttentionLSTMBranch])
def test_time_orientation_ignores_padding(branch_cls):
    torch.manual_seed(0)
    branch = branch_cls(3, 5, dropout=0.0, orientation="time").eval()
    x = torch.randn(2, 3, 9)
    lengths = torch.tensor([9, 6])
    padded = x.clone()
    padded[1, :, 6:] = 0.0
    out = branch(padded, lengths)
    alone = branch(x[1:, :, :6])  # the short series by itself, no padding at all
    torch.testing.assert_close(out[1], alone[0])
    # Without lengths, the padding would be read as data.
    assert not torch.allclose(branch(padded)[1], alone[0])


def test_orientation_sets_what_the_lstm_steps_over():
    seen = {}
    for orientation, steps in (("channels", 4), ("time", 30)):
        model = MLSTMFCN(4, 30, 3, lstm_orientation=orientation)
        model.lstm_branch.lstm.register_forward_hook(
            lambda m, args, out, o=orientation: seen.update({o: args[0].shape}))
        model(torch.randn(2, 4, 30))
        assert seen[orientation][1] == steps
    assert MLSTMFCN(4, 30, 3, lstm_orientation="time").lstm_branch.lstm.input_size == 4
    with pytest.raises(ValueError, match="orientation"):
        LSTMBranch(4, 8, orientation="diagonal")


def test_time_orientation_fits_unequal_length_series(tiny_data):
    X, y = tiny_data
    X = X.copy()
    X[::3, :, 14:] = np.nan  # every third series shorter
    clf = MLSTMFCNClassifier(**{**FAST, "lstm_orientation": "time", "epochs": 30, "learning_rate": 0.02,
                                "random_state": 0}).fit(X, y)
    assert not clf.equal_length_
    assert (clf.predict(X) == y).mean() > 0.8


# ------------------------------------------------------------------ scaling
def test_channel_scaling_statistics_skip_padding():
    X = np.zeros((2, 2, 4), dtype=np.float32)
    X[0] = [[1, 2, 3, 4], [5, 5, 5, 5]]
    X[1, :, :2] = [[5, 7], [5, 5]]  # length 2: the zeros after are padding
    lengths = np.array([4, 2])
    stats = fit_scaling(X, lengths, "channel")
    np.testing.assert_allclose(stats["mean"], [22 / 6, 5.0])
    assert stats["scale"][1] == 1.0  # a constant channel is not blown up
    out = apply_scaling(X, lengths, "channel", stats)
    assert out.dtype == np.float32 and np.all(out[1, :, 2:] == 0.0)  # padding stays zero
    np.testing.assert_allclose(out[0, 0], (X[0, 0] - 22 / 6) / stats["scale"][0], rtol=1e-6)


def test_instance_scaling_standardises_each_series_over_its_valid_steps():
    rng = np.random.default_rng(0)
    X = rng.normal(3, 2, size=(3, 2, 10)).astype(np.float32)
    lengths = np.array([10, 7, 4])
    for i, n in enumerate(lengths):
        X[i, :, n:] = 0.0
    out = apply_scaling(X, lengths, "instance", {})
    for i, n in enumerate(lengths):
        np.testing.assert_allclose(out[i, :, :n].mean(axis=1), 0.0, atol=1e-5)
        np.testing.assert_allclose(out[i, :, :n].std(axis=1), 1.0, rtol=1e-4)
        assert np.all(out[i, :, n:] == 0.0)
    assert apply_scaling(X, lengths, None, {}) is X


def test_instance_scaling_makes_predictions_invariant_to_offset_and_gain(tiny_data):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**{**FAST, "scaling": "instance", "random_state": 0}).fit(X, y)
    assert clf.input_mean_ is None and clf.input_scale_ is None
    moved = X * 7.5 - 40.0
    np.testing.assert_allclose(clf.predict_proba(moved), clf.predict_proba(X), atol=1e-4)
    raw = MLSTMFCNClassifier(**{**FAST, "random_state": 0}).fit(X, y)
    assert not np.allclose(raw.predict_proba(moved), raw.predict_proba(X), atol=1e-4)


def test_channel_scaling_learns_training_statistics(tiny_data):
    X, y = tiny_data
    gain = np.array([1.0, 10.0, 0.1], dtype=np.float32)[None, :, None]
    clf = MLSTMFCNClassifier(**{**FAST, "scaling": "channel", "random_state": 0}).fit(X, y)
    shifted = MLSTMFCNClassifier(**{**FAST, "scaling": "channel", "random_state": 0}).fit(X * gain + 5.0, y)
    np.testing.assert_allclose(clf.input_mean_, X.mean(axis=(0, 2)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(shifted.input_mean_, (X * gain + 5.0).mean(axis=(0, 2)), rtol=1e-5)
    # Same seed, data differing by a per-channel affine map: the same model after scaling.
    np.testing.assert_allclose(shifted.predict_proba(X * gain + 5.0), clf.predict_proba(X), atol=1e-3)


# ----------------------------------------------------------------- ensembles
def test_ensemble_output_is_the_log_of_the_mean_probability():
    torch.manual_seed(0)
    members = [MLSTMFCN(3, 20, 4, filters=(8, 8), kernel_sizes=(3, 3), se_reduction=4).eval()
               for _ in range(3)]
    ens = MLSTMFCNEnsemble(members).eval()
    x = torch.randn(5, 3, 20)
    expected = torch.stack([m(x).softmax(-1) for m in members]).mean(0)
    torch.testing.assert_close(ens(x).softmax(-1), expected)
    torch.testing.assert_close(ens(x).exp().sum(-1), torch.ones(5))
    rebuilt = build_network(ens.config)
    assert isinstance(rebuilt, MLSTMFCNEnsemble) and len(rebuilt.members) == 3
    rebuilt.load_state_dict(ens.state_dict())
    torch.testing.assert_close(rebuilt.eval()(x), ens(x))
    with pytest.raises(ValueError, match="share one configuration"):
        MLSTMFCNEnsemble([MLSTMFCN(3, 20, 4), MLSTMFCN(3, 20, 5)])


@pytest.fixture(scope="module")
def ensemble(tiny_data):
    X, y = tiny_data
    return MLSTMFCNClassifier(**{**FAST, "n_estimators": 3, "random_state": 0}).fit(X, y)


def test_ensemble_trains_distinct_networks_and_averages_them(tiny_data, ensemble):
    X, y = tiny_data
    net = ensemble.network_
    assert isinstance(net, MLSTMFCNEnsemble) and len(net.members) == 3
    assert len(ensemble.histories_) == 3 and len(ensemble.best_epochs_) == 3
    assert ensemble.history_ is ensemble.histories_[0] and ensemble.best_epoch_ == ensemble.best_epochs_[0]
    w = [m.head.weight.detach() for m in net.members]
    assert not torch.allclose(w[0], w[1]) and not torch.allclose(w[1], w[2])
    x = torch.from_numpy(X)
    with torch.no_grad():
        mean = torch.stack([m(x).softmax(-1) for m in net.members]).mean(0).numpy()
    np.testing.assert_allclose(ensemble.predict_proba(X), mean, atol=1e-5)


def test_first_ensemble_member_is_the_single_network_of_that_seed(tiny_data, ensemble):
    X, y = tiny_data
    single = MLSTMFCNClassifier(**{**FAST, "random_state": 0}).fit(X, y)
    assert isinstance(single.network_, MLSTMFCN)
    with torch.no_grad():
        first = ensemble.network_.members[0](torch.from_numpy(X)).softmax(-1).numpy()
    np.testing.assert_allclose(first, single.predict_proba(X), atol=1e-6)
    assert ensemble.histories_[0]["loss"] == single.history_["loss"]  # "time" differs, the run does not


def test_ensemble_is_reproducible_and_survives_save_and_pickle(tiny_data, ensemble, tmp_path):
    X, y = tiny_data
    again = MLSTMFCNClassifier(**{**FAST, "n_estimators": 3, "random_state": 0}).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), ensemble.predict_proba(X))
    ensemble.save(tmp_path / "ens.safetensors")
    loaded = MLSTMFCNClassifier.load(tmp_path / "ens.safetensors")
    np.testing.assert_allclose(loaded.predict_proba(X), ensemble.predict_proba(X), atol=1e-6)
    assert loaded.best_epochs_ == ensemble.best_epochs_ and len(loaded.histories_) == 3
    unpickled = pickle.loads(pickle.dumps(ensemble))
    np.testing.assert_allclose(unpickled.predict_proba(X), ensemble.predict_proba(X), atol=1e-6)


def test_interpretation_looks_into_one_member(tiny_data, ensemble):
    X, _ = tiny_data
    gates = [se_gates(ensemble, X[:4], member=i)[0] for i in range(3)]
    assert gates[0].shape == (4, 8) and not np.allclose(gates[0], gates[1])
    assert class_activation_maps(ensemble, X[:4], member=2).shape == (4, 3, 20)
    with pytest.raises(ValueError, match="member"):
        se_gates(ensemble, X[:4], member=3)


def test_ensemble_checkpoints_resume_each_member(tiny_data, tmp_path):
    X, y = tiny_data
    params = {**FAST, "n_estimators": 2, "random_state": 0, "checkpoint_dir": tmp_path, "epochs": 4}
    first = MLSTMFCNClassifier(**params).fit(X, y)
    assert len(list(tmp_path.glob("*.ckpt"))) == 2  # one per member
    resumed = MLSTMFCNClassifier(**params).fit(X, y)  # both finished: restored, not retrained
    np.testing.assert_array_equal(resumed.predict_proba(X), first.predict_proba(X))
    assert resumed.histories_ == first.histories_


# ------------------------------------------------------------------- presets
def test_paper_preset_is_the_papers_configuration():
    paper = get_preset("paper")
    assert paper["lstm_units"] == 8 and paper["attention"] is False
    assert paper["lstm_orientation"] == "channels"
    assert paper["filters"] == (128, 256, 128) and paper["kernel_sizes"] == (8, 5, 3)
    assert paper["se_reduction"] == 16 and paper["dropout"] == 0.8
    assert paper["batch_size"] == 128 and paper["learning_rate"] == 1e-3 and paper["min_learning_rate"] == 1e-4
    assert paper["class_weight"] == "balanced" and paper["validation_split"] is None
    assert paper["scaling"] is None and paper["n_estimators"] == 1
    assert get_preset("paper-attention")["attention"] is True
    get_preset("paper")["lstm_units"] = 99  # a copy: the preset itself is unchanged
    assert PRESETS["paper"]["lstm_units"] == 8


def test_presets_hold_estimator_parameters_only():
    names = set(MLSTMFCNClassifier().get_params())
    for name, params in PRESETS.items():
        assert set(params) <= names, name


def test_from_preset_applies_overrides():
    clf = MLSTMFCNClassifier.from_preset("paper-attention", epochs=7, random_state=3)
    assert clf.attention is True and clf.epochs == 7 and clf.random_state == 3
    assert clf.get_params()["n_estimators"] == 1
    with pytest.raises(ValueError, match="Unknown preset 'fast'"):
        MLSTMFCNClassifier.from_preset("fast")


def test_scaling_statistics_survive_save_and_load(tiny_data, tmp_path):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**{**FAST, "scaling": "channel", "random_state": 0}).fit(X * 3.0 + 1.0, y)
    clf.save(tmp_path / "scaled.safetensors")
    loaded = MLSTMFCNClassifier.load(tmp_path / "scaled.safetensors")
    np.testing.assert_array_equal(loaded.input_mean_, clf.input_mean_)
    np.testing.assert_array_equal(loaded.input_scale_, clf.input_scale_)
    np.testing.assert_allclose(loaded.predict_proba(X * 3.0 + 1.0), clf.predict_proba(X * 3.0 + 1.0), atol=1e-6)


def test_member_probabilities_average_to_predict_proba(tiny_data, ensemble):
    X, _ = tiny_data
    per_member = member_probabilities(ensemble, X)
    assert per_member.shape == (3, 36, 3)
    np.testing.assert_allclose(per_member.mean(axis=0), ensemble.predict_proba(X), atol=1e-5)
    single = MLSTMFCNClassifier(**{**FAST, "random_state": 0}).fit(*tiny_data)
    np.testing.assert_allclose(member_probabilities(single, X)[0], single.predict_proba(X), atol=1e-6)
    assert se_gates(ensemble, X[:2], member=np.int64(1))[0].shape == (2, 8)  # numpy integers are fine


@pytest.mark.filterwarnings("ignore:Training interrupted after:RuntimeWarning")  # the network's own notice
def test_interrupted_ensemble_keeps_the_networks_that_finished(tiny_data, monkeypatch):
    from mlstm_fcn.training import epoch as training

    X, y = tiny_data
    real_run, calls = training.EpochRunner.run, []

    def run(self, perm):
        calls.append(1)
        if len(calls) == FAST["epochs"] + 2:  # the second epoch of the second network
            raise KeyboardInterrupt
        return real_run(self, perm)

    monkeypatch.setattr(training.EpochRunner, "run", run)
    with pytest.warns(RuntimeWarning, match="keeping the 1 of 3 networks that finished"):
        clf = MLSTMFCNClassifier(**{**FAST, "n_estimators": 3, "random_state": 0}).fit(X, y)
    assert len(clf.network_.members) == 1 and len(clf.histories_) == 1
    assert len(calls) == FAST["epochs"] + 2  # the third network was never started
    assert clf.predict_proba(X).shape == (36, 3)


def test_killed_ensemble_resumes_at_the_unfinished_network(tiny_data, tmp_path):
    X, y = tiny_data
    params = {**FAST, "n_estimators": 2, "random_state": 0, "checkpoint_dir": tmp_path, "epochs": 4}
    whole = MLSTMFCNClassifier(**{**params, "checkpoint_dir": None}).fit(X, y)
    MLSTMFCNClassifier(**params).fit(X, y)
    second = sorted(tmp_path.glob("*-1.ckpt"))
    assert len(second) == 1
    second[0].unlink()  # as if killed before the second network wrote anything
    resumed = MLSTMFCNClassifier(**params).fit(X, y)  # first restored, second trained afresh
    np.testing.assert_array_equal(resumed.predict_proba(X), whole.predict_proba(X))


def test_predict_uses_the_scaling_of_fit(tiny_data):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**{**FAST, "random_state": 0}).fit(X * 5.0, y)
    before = clf.predict_proba(X * 5.0)
    for scaling in ("instance", "channel"):
        clf.set_params(scaling=scaling)  # a parameter change without a refit changes nothing
        np.testing.assert_array_equal(clf.predict_proba(X * 5.0), before)
    assert clf.scaling_ is None


def test_failed_refit_leaves_the_fitted_model_as_it_was(tiny_data):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(**{**FAST, "scaling": "channel", "random_state": 0}).fit(X, y)
    proba, mean = clf.predict_proba(X), clf.input_mean_.copy()
    clf.set_params(validation_split=0.01)  # too small to hold out every class: fit fails
    with pytest.raises(ValueError, match="validation_split"):
        clf.fit(X * 3.0 + 7.0, y)
    np.testing.assert_array_equal(clf.input_mean_, mean)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


@pytest.mark.parametrize("mode", ["channel", "instance"])
def test_scaling_in_blocks_equals_scaling_at_once(mode, monkeypatch):
    from mlstm_fcn._data import scaling

    rng = np.random.default_rng(1)
    X = rng.normal(2, 4, size=(23, 3, 12)).astype(np.float32)
    lengths = rng.integers(3, 13, size=23)
    for i, n in enumerate(lengths):
        X[i, :, n:] = 0.0
    whole_stats = fit_scaling(X, lengths, mode)
    whole = apply_scaling(X, lengths, mode, whole_stats)
    # 23 series: blocks of 5 (of float64 bytes), the last of 3
    monkeypatch.setattr("mlstm_fcn._data.host_series.BLOCK_BYTES", 8 * 3 * 12 * 5)
    assert scaling.block_rows(3, 12) == 5
    stats = fit_scaling(X, lengths, mode)
    for key in whole_stats:
        np.testing.assert_allclose(stats[key], whole_stats[key], rtol=1e-12)
    np.testing.assert_allclose(apply_scaling(X, lengths, mode, stats), whole, rtol=1e-6)
