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

_PAPER: dict[str, Any] = dict(
    # The network of the paper: 128/256/128 filters of kernel 8/5/3, SE with r = 16 after
    # the first two blocks, an 8-cell LSTM over the channels (dimension shuffle), dropout 0.8.
    lstm_units=8, attention=False, lstm_orientation="channels", filters=(128, 256, 128),
    kernel_sizes=(8, 5, 3), se_reduction=16, dropout=0.8,
    # Its input: the series as given, one network.
    scaling=None, n_estimators=1,
    # Its training protocol: Adam 1e-3, batch 128, reduce-on-plateau by 1/cbrt(2) to 1e-4,
    # balanced class weights, best epoch on the training loss. The paper trained 250-2000
    # epochs per dataset; 500 is this library's choice inside that range.
    epochs=500, batch_size=128, learning_rate=1e-3, min_learning_rate=1e-4, lr_patience=100,
    class_weight="balanced", validation_split=None, early_stopping=None,
    # Prediction with BatchNorm's running averages (Keras' momentum 0.99), as the Keras code did.
    bn_statistics="running",
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
