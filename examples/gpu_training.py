"""
Train on a GPU when there is one
================================

``device="auto"`` (the default) trains on a CUDA GPU when torch sees one and on the CPU otherwise;
``device="cuda"`` asks for a GPU (an error without one). The whole training set goes to the GPU once
and batches are indexed there, and each epoch is captured in a CUDA graph and replayed, so small UEA
datasets train much faster than on a CPU. A model trained on a GPU predicts on a CPU-only machine
after loading.

.. note::

   This example is not run when the documentation is built (the build machine has no GPU), so the
   page shows no output. Measured with ``benchmarks/speed/bench_speed.py`` (results committed in
   ``benchmarks/results/speed-gpu-h100.json`` and ``speed-cpu.json``), an epoch of BasicMotions with
   the default network takes about 1 ms on an NVIDIA H100 and about 150 ms on two CPU cores.
"""

# %%
import time

import torch

from mlstm_fcn import MLSTMFCNClassifier
from mlstm_fcn.datasets import load_uea

if torch.cuda.is_available():
    device = "cuda"
    print(f"GPU: {torch.cuda.get_device_name()}")
else:
    device = "cpu"
    print("No CUDA GPU available (torch.cuda.is_available() is False): training on the CPU instead.")

X_train, y_train = load_uea("ERing", split="train")
X_test, y_test = load_uea("ERing", split="test")
clf = MLSTMFCNClassifier(epochs=300, device=device, random_state=0, verbose=1)
start = time.perf_counter()
clf.fit(X_train, y_train)
if clf.device_.type == "cuda":
    torch.cuda.synchronize(clf.device_)  # CUDA runs asynchronously: wait for it before reading the clock
seconds = time.perf_counter() - start
print(f"ERing on {clf.device_}: {clf.n_epochs_} epochs in {seconds:.1f} s "
      f"({1000 * seconds / clf.n_epochs_:.0f} ms/epoch); test accuracy {clf.score(X_test, y_test):.4f}")
