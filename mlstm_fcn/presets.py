"""Named configurations of :class:`~mlstm_fcn.MLSTMFCNClassifier`.

A preset fixes every parameter that decides what is trained, so that it
keeps meaning the same thing if the estimator's defaults change: ``"paper"``
is the faithful reproduction of Karim et al. (2019), whatever the defaults
become. Parameters that only decide *where* or *how fast* training runs
(device, precision, CUDA graphs, verbosity, checkpoints) are left to the
caller.

>>> from mlstm_fcn import MLSTMFCNClassifier
>>> clf = MLSTMFCNClassifier.from_preset("paper", random_state=0)
>>> clf.lstm_units, clf.dropout, clf.n_estimators
(8, 0.8, 1)
"""

from __future__ import annotations

from typing import Any

from .nn import defaults as network
from .training import protocol

_PAPER: dict[str, Any] = dict(
    # The network of the paper (mlstm_fcn.nn.defaults): 128/256/128 filters of kernel 8/5/3, SE
    # with r = 16 after the first two blocks, an 8-cell LSTM over the channels, dropout 0.8.
    lstm_units=network.LSTM_UNITS, attention=False, lstm_orientation=network.LSTM_ORIENTATION,
    filters=network.FILTERS, kernel_sizes=network.KERNEL_SIZES, se_reduction=network.SE_REDUCTION,
    dropout=network.DROPOUT,
    # Its input: the series as given, one network.
    scaling=None, n_estimators=1,
    # Its training protocol (mlstm_fcn.training.protocol): Adam 1e-3, batch 128, reduce-on-plateau
    # by 1/cbrt(2) to 1e-4, balanced class weights, best epoch on the training loss, 500 epochs
    # (no more, however the loss falls).
    epochs=protocol.PAPER_EPOCHS, min_epochs=None, batch_size=protocol.BATCH_SIZE, learning_rate=protocol.LEARNING_RATE,
    min_learning_rate=protocol.MIN_LEARNING_RATE, lr_patience=protocol.LR_PATIENCE,
    class_weight="balanced", validation_split=None, early_stopping=None, stop_when_fitted=None,
    # Prediction with BatchNorm's running averages (Keras' momentum 0.99), as the Keras code did.
    bn_statistics="running",
    # The series as given in every epoch, and the best epoch's weights.
    augmentation=None, average_last_epochs=None,
)

#: Preset name -> estimator parameters.
PRESETS: dict[str, dict[str, Any]] = {
    "paper": _PAPER,
    # MALSTM-FCN: the same with the attention LSTM.
    "paper-attention": {**_PAPER, "attention": True},
}


def get_preset(name: str) -> dict[str, Any]:
    """The parameters of preset ``name`` (a copy).

    Parameters
    ----------
    name : str
        One of :data:`PRESETS`.

    Returns
    -------
    params : dict
        Keyword arguments of :class:`~mlstm_fcn.MLSTMFCNClassifier`.

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if not isinstance(name, str) or name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}; choose one of {sorted(PRESETS)}.")
    return dict(PRESETS[name])


__all__ = ["PRESETS", "get_preset"]
