"""Training a network: the loop, one epoch, the protocol, checkpoints and the passes after training.

- :mod:`~mlstm_fcn.training.protocol`: the paper's optimizer, schedule and defaults (:class:`TrainConfig`);
- :mod:`~mlstm_fcn.training.loop`: :func:`train`, which runs the epochs and keeps the best weights;
- :mod:`~mlstm_fcn.training.bookkeeping`: history records, stop rules and the interrupt warning of every loop;
- :mod:`~mlstm_fcn.training.handlers`: callbacks, checkpoint writes and progress as epoch-end handlers;
- :mod:`~mlstm_fcn.training.epoch`: one epoch of mini-batches, and :func:`evaluate`;
- :mod:`~mlstm_fcn.training.cuda_graph`: the epoch (or a fused block of epochs) captured in one CUDA graph;
- :mod:`~mlstm_fcn.training.fused`: k networks trained as one fused module (their epoch in
  :mod:`~mlstm_fcn.training.fused_epoch`, their optimizer in :mod:`~mlstm_fcn.training.member_adam`);
  :mod:`~mlstm_fcn.training.fused_block` and :mod:`~mlstm_fcn.training.device_rules`: blocks of epochs with
  the per-epoch decisions as tensor operations;
- :mod:`~mlstm_fcn.training.state` and :mod:`~mlstm_fcn.training.checkpoint`: where a run stands, saved whole;
- :mod:`~mlstm_fcn.training.weight_averaging`: the mean of the last epochs' weights, kept instead of the best;
- :mod:`~mlstm_fcn.training.batchnorm_statistics`: exact BatchNorm statistics for the kept weights;
- :mod:`~mlstm_fcn.training.streaming`: training sets kept on the host and streamed a batch at a time;
- :mod:`~mlstm_fcn.training.data_parallel`: one model trained on several processes (torch.distributed);
- :mod:`~mlstm_fcn.training.loss`, :mod:`~mlstm_fcn.training.data`, :mod:`~mlstm_fcn.training.progress`.
"""

from .batchnorm_statistics import recompute_batchnorm_statistics
from .bookkeeping import TrainResult
from .checkpoint import Checkpointer, run_id
from .data import SeriesOnDevice, TrainingSeries, batch_slices
from .epoch import EpochRunner, evaluate
from .handlers import EpochEnd, EpochHandler, epoch_handlers
from .loop import train
from .loss import class_weights, weighted_loss
from .protocol import TrainConfig
from .state import LoopState

__all__ = ["Checkpointer", "EpochEnd", "EpochHandler", "EpochRunner", "LoopState", "SeriesOnDevice", "TrainConfig", "TrainResult", "TrainingSeries",
           "batch_slices", "class_weights", "epoch_handlers", "evaluate", "recompute_batchnorm_statistics", "run_id", "train",
           "weighted_loss"]
