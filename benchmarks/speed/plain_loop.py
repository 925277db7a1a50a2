"""The baseline: MLSTM-FCN trained the way a user writes it by hand.

Same network (:class:`mlstm_fcn.nn.MLSTMFCN`), Adam and cross-entropy, with a
``DataLoader`` that shuffles CPU tensors, a host-to-device copy per batch and
``loss.item()`` per batch for the running loss. No mixed precision, no graphs.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from mlstm_fcn.nn import MLSTMFCN


def train_plain(X: np.ndarray, y: np.ndarray, epochs: int, device: str, batch_size: int = 128,
                seed: int = 0) -> dict:
    """Train for ``epochs``; return per-epoch seconds and the trained model."""
    torch.manual_seed(seed)
    dev = torch.device(device)
    classes, y_idx = np.unique(y, return_inverse=True)
    model = MLSTMFCN(X.shape[1], X.shape[2], len(classes)).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(y_idx.astype(np.int64))),
                        batch_size=batch_size, shuffle=True)
    epoch_seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        running = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(dev), yb.to(dev)
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            running += loss.item()
        epoch_seconds.append(time.perf_counter() - start)
    return {"epoch_seconds": epoch_seconds, "model": model}


@torch.no_grad()
def predict_plain(model: torch.nn.Module, X: np.ndarray, device: str, batch_size: int = 128) -> np.ndarray:
    """Class probabilities, batch by batch, as a user would write it."""
    model.eval()
    out = []
    for start in range(0, len(X), batch_size):
        xb = torch.from_numpy(X[start:start + batch_size]).to(device)
        out.append(torch.softmax(model(xb), dim=1).cpu())
    return torch.cat(out).numpy()
