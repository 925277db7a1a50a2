"""GPU paths; skipped without CUDA (see conftest)."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

from mlstm_fcn import MLSTMFCNClassifier

pytestmark = pytest.mark.gpu


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
        f"np.testing.assert_allclose(p, np.load(r'{tmp_path / 'p.npy'}'), atol=1e-4)\n"
        "assert next(clf.network_.parameters()).device.type == 'cpu'\n"
        "print('ok')\n")
    env = {**__import__("os").environ, "CUDA_VISIBLE_DEVICES": ""}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "ok" in out.stdout


def test_cuda_index_and_attention(basic_motions):
    X_train, y_train, X_test, _ = basic_motions
    clf = MLSTMFCNClassifier(epochs=5, attention=True, device="cuda:0", random_state=0).fit(X_train, y_train)
    assert clf.predict(X_test).shape == (40,)
