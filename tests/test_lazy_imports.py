"""Importing the package and building the CLI's parser are cheap: torch and scikit-learn load on first use."""

import subprocess
import sys


def test_start_up_imports_neither_torch_nor_scikit_learn():
    # What would make `mlstm-fcn --help` and `import mlstm_fcn` take seconds.
    code = ("import sys, mlstm_fcn; from mlstm_fcn.cli import build_parser; build_parser(); "
            "print(*[m in sys.modules for m in ('torch', 'sklearn', 'scipy', 'sktime')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["False"] * 4
    code = "import sys, mlstm_fcn; mlstm_fcn.MLSTMFCNClassifier; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["True"]  # the estimator, loaded on first use
