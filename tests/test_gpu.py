"""GPU paths; skipped without CUDA (see conftest)."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

from mlstm_fcn import MLSTMFCNClassifier

pytestmark = pytest.mark.gpu

#: CUDA graphs replay epochs without augmentation (random draws would replay the same numbers), so the
#: tests of graph replay turn the classifier's default augmentation off.
NO_AUG = {"augmentation": None}


def test_fit_on_cuda_then_predict_on_cpu_only_machine(basic_motions, tmp_path):
    X_train, y_train, X_test, y_test = basic_motions
    clf = MLSTMFCNClassifier(epochs=100, random_state=0, device="cuda").fit(X_train, y_train)
    assert clf.device_.type == "cuda"
    assert next(clf.network_.parameters()).is_cuda
    assert clf.score(X_test, y_test) >= 0.9
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(clf))
    np.save(tmp_path / "X.npy", X_test)
    np.save(tmp_path / "p.npy", clf.predict_proba(X_test))
    code = (
        "import pickle, numpy as np, torch, sys\n"
        "assert not torch.cuda.is_available()\n"
        f"clf = pickle.loads(open(r'{path}', 'rb').read())\n"
        f"p = clf.predict_proba(np.load(r'{tmp_path / 'X.npy'}'))\n"
        # The GPU predicted in bf16, the CPU in float32: equal up to bf16 rounding.
        f"q = np.load(r'{tmp_path / 'p.npy'}')\n"
        "np.testing.assert_allclose(p, q, atol=0.05)\n"
        "assert (p.argmax(1) == q.argmax(1)).mean() >= 0.95\n"
        "assert next(clf.network_.parameters()).device.type == 'cpu'\n"
        "print('ok')\n")
    env = {**__import__("os").environ, "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "ok" in out.stdout


def test_auto_device_picks_the_gpu(basic_motions):
    X_train, y_train, X_test, _ = basic_motions
    clf = MLSTMFCNClassifier(epochs=2, random_state=0).fit(X_train, y_train)
    assert clf.device_.type == "cuda" and clf.device_.index is not None


def test_cuda_index_and_attention(basic_motions):
    X_train, y_train, X_test, _ = basic_motions
    clf = MLSTMFCNClassifier(epochs=5, attention=True, device="cuda:0", random_state=0).fit(X_train, y_train)
    assert clf.predict(X_test).shape == (40,)


def test_fast_path_is_default_and_matches_eager(basic_motions):
    import torch

    X_train, y_train, X_test, _ = basic_motions
    X = np.concatenate([X_train, X_test[:13]])  # 53 samples, batch 16: a short last batch
    y = np.concatenate([y_train, _[:13]])
    flag = torch.backends.cudnn.benchmark
    default = MLSTMFCNClassifier(epochs=3, random_state=0, device="cuda", **NO_AUG).fit(X, y)
    assert default.used_cuda_graph_ and default.autocast_dtype_ == torch.bfloat16
    assert torch.backends.cudnn.benchmark == flag
    # The default augmentation (cutmix) draws per batch: its epochs run eagerly, in bf16 still.
    augmented = MLSTMFCNClassifier(epochs=3, random_state=0, device="cuda").fit(X, y)
    assert augmented.augmentation == "cutmix" and not augmented.used_cuda_graph_
    assert augmented.autocast_dtype_ == torch.bfloat16
    common = dict(epochs=15, batch_size=16, dropout=0.0, precision="fp32", cudnn_benchmark=False,
                  random_state=0, device="cuda", **NO_AUG)
    graphed = MLSTMFCNClassifier(**common).fit(X, y)
    eager = MLSTMFCNClassifier(**common, cuda_graph=False).fit(X, y)
    assert graphed.used_cuda_graph_ and not eager.used_cuda_graph_
    # Same permutations, same arithmetic: the replayed epochs train the same model.
    # (up to float rounding, which cuDNN/cuBLAS kernels choices let drift a little over epochs).
    assert graphed.history_["loss"][0] == pytest.approx(eager.history_["loss"][0], rel=1e-5)
    np.testing.assert_allclose(graphed.history_["loss"], eager.history_["loss"], rtol=2e-2)
    np.testing.assert_allclose(graphed.predict_proba(X_test), eager.predict_proba(X_test), atol=2e-2)


def test_fast_path_unequal_length_and_learning_rate_schedule():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(3, n)).astype(np.float32) for n in rng.integers(5, 30, size=60)]
    y = np.array([int(x[0].mean() > 0) for x in X])
    clf = MLSTMFCNClassifier(epochs=40, lr_patience=2, batch_size=16, random_state=0,
                             device="cuda", **NO_AUG).fit(X, y)
    assert clf.used_cuda_graph_ and not clf.equal_length_
    lrs = clf.history_["learning_rate"]
    assert min(lrs) < lrs[0]  # the schedule reaches the graphed optimizer (tensor learning rate)
    assert clf.predict_proba(X).shape == (60, 2)


def test_bf16_accuracy_close_to_fp32(basic_motions):
    X_train, y_train, X_test, y_test = basic_motions
    accs = {p: MLSTMFCNClassifier(epochs=150, precision=p, random_state=0, device="cuda")
            .fit(X_train, y_train).score(X_test, y_test) for p in ("fp32", "bf16")}
    assert accs["bf16"] >= 0.9 and abs(accs["bf16"] - accs["fp32"]) <= 0.05


def test_real_out_of_memory_in_predict_retries_with_smaller_batches(basic_motions):
    import warnings

    import torch

    X_train, y_train, X_test, _ = basic_motions
    clf = MLSTMFCNClassifier(epochs=2, random_state=0, device="cuda").fit(X_train, y_train)
    expected = clf.predict_proba(X_test)
    X_big = np.tile(X_test, (1000, 1, 1))  # 40,000 series: activations of ~40 GB in one batch
    torch.cuda.empty_cache()
    free, _ = torch.cuda.mem_get_info()
    blocker = torch.empty(max(free - 3 * 2**29, 0), dtype=torch.uint8, device="cuda")  # leave ~1.5 GB
    try:
        clf.set_params(predict_batch_size=len(X_big))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            proba = clf.predict_proba(X_big)
    finally:
        del blocker
        torch.cuda.empty_cache()
    assert any("memory" in str(w.message).lower() for w in caught)
    np.testing.assert_allclose(proba[:40], expected, atol=1e-3)
    assert proba.shape == (40_000, 4)


def test_ensemble_of_time_lstms_on_unequal_series_is_graph_captured():
    # Time-wise LSTMs of two members on masked series, trained as one captured CUDA graph.
    from mlstm_fcn.datasets import load_uea

    X, y = load_uea("JapaneseVowels", split="train")  # 7-29 steps: masking and the last-step gather
    params = dict(epochs=20, n_estimators=2, lstm_orientation="time", scaling="instance", device="cuda",
                  precision="fp32", random_state=0, **NO_AUG)
    graphed = MLSTMFCNClassifier(**params).fit(X, y)
    eager = MLSTMFCNClassifier(**params, cuda_graph=False).fit(X, y)
    assert graphed.used_cuda_graph_ and not eager.used_cuda_graph_
    assert len(graphed.network_.members) == 2
    # The same computation replayed from a graph: equal losses up to float reassociation.
    np.testing.assert_allclose(graphed.histories_[1]["loss"], eager.histories_[1]["loss"], rtol=1e-3)
    assert (graphed.predict(X) == eager.predict(X)).mean() >= 0.95


def test_weight_averaging_in_a_graphed_fit_averages_the_replayed_epochs(basic_motions):
    import torch

    X_train, y_train, _, _ = basic_motions
    seen = []

    def record(event):
        seen.append({k: v.detach().clone() for k, v in event.network.state_dict().items()})

    clf = MLSTMFCNClassifier(epochs=8, stop_when_fitted=None, precision="fp32", average_last_epochs=3,
                             bn_statistics="running", random_state=0, device="cuda", **NO_AUG,
                             callbacks=[record]).fit(X_train, y_train)
    assert clf.used_cuda_graph_ and len(seen) == 8
    for name, value in clf.network_.state_dict().items():
        if value.is_floating_point():
            expected = torch.stack([s[name].double() for s in seen[-3:]]).mean(0).to(value.dtype)
            torch.testing.assert_close(value, expected, rtol=1e-6, atol=1e-7, msg=name)
