"""The paper's training protocol, stated once: optimizer, schedule and their defaults.

Karim et al. (2019) train with Adam at 1e-3 on batches of 128, multiply the
learning rate by ``1 / cbrt(2)`` after 100 epochs without improvement of the
monitored loss, down to 1e-4, and train 250 to 2000 epochs per dataset. The
estimator's defaults, the presets, the command line's help and
:class:`TrainConfig` read these names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

#: Initial learning rate of Adam.
LEARNING_RATE = 1e-3
#: Floor of the reduce-on-plateau schedule.
MIN_LEARNING_RATE = 1e-4
#: Factor of each reduction: 1 / cbrt(2), three reductions halve the rate.
LR_FACTOR = 1.0 / 2 ** (1.0 / 3.0)
#: Epochs without improvement before a reduction.
LR_PATIENCE = 100
#: Mini-batch size.
BATCH_SIZE = 128
#: Epochs of the paper preset: this library's choice inside the paper's 250-2000.
PAPER_EPOCHS = 500


@dataclass
class TrainConfig:
    """Hyper-parameters of one training run (see :class:`~mlstm_fcn.MLSTMFCNClassifier`)."""

    epochs: int = PAPER_EPOCHS
    #: Epochs in all after which a run stops once it is no longer learning (None: never; see
    #: :func:`~mlstm_fcn.training.convergence.levelled_off`).
    min_epochs: int | None = None
    batch_size: int = BATCH_SIZE
    learning_rate: float = LEARNING_RATE
    min_learning_rate: float = MIN_LEARNING_RATE
    lr_factor: float = LR_FACTOR
    lr_patience: int = LR_PATIENCE
    early_stopping: int | None = None
    #: Stop after this many epochs in a row at training accuracy 1 (None: never).
    stop_when_fitted: int | None = None
    #: dtype of autocast (torch.bfloat16) or None for full float32.
    autocast_dtype: torch.dtype | None = None
    #: Capture each epoch in a CUDA graph (CUDA only; falls back to eager on failure).
    cuda_graph: bool = False
    #: Applied to every training batch, ``augment(x, y, lengths, w, generator)`` (see
    #: :class:`mlstm_fcn.augmentation.Augmenter`); None: the batches as they are.
    augment: Callable | None = None
    #: End with the mean of the weights after each of the last this many epochs instead of the
    #: best epoch's (None: the best epoch's; see :mod:`mlstm_fcn.training.weight_averaging`).
    average_last: int | None = None


def make_optimizer(network: torch.nn.Module, config: TrainConfig, device: torch.device) -> torch.optim.Optimizer:
    """Adam at ``config.learning_rate``; on CUDA fused, capturable and with a tensor rate."""
    if device.type == "cuda":
        # A tensor learning rate and capturable state let a CUDA graph replay
        # the optimizer step while the schedule changes the rate between epochs.
        lr = torch.tensor(config.learning_rate, device=device)
        return torch.optim.Adam(network.parameters(), lr=lr, fused=True, capturable=True)
    return torch.optim.Adam(network.parameters(), lr=config.learning_rate)


def make_schedule(optimizer: torch.optim.Optimizer, config: TrainConfig):
    """The paper's reduce-on-plateau schedule of ``optimizer``."""
    return torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="min", factor=config.lr_factor, patience=config.lr_patience,
        min_lr=config.min_learning_rate)
