"""What a continued fit (``warm_start``, ``partial_fit``) cannot change: the model it continues.

A continuation trains the fitted networks further, on series scaled as in the
first fit. Parameters that describe those networks (their shape, how many of
them) or that scaling cannot take new values then: the model would stay as it
was while ``get_params`` and a saved file said otherwise, or the weights would
not fit the network. Such changes are refused, naming each one.
"""

from __future__ import annotations

from typing import Any

#: Parameters that a network's config records under the same name, compared as the network stores them.
_NETWORK_PARAMS = ("lstm_units", "attention", "lstm_orientation", "filters", "kernel_sizes", "se_reduction")


def _as_config(name: str, value: Any) -> Any:
    if name in ("filters", "kernel_sizes"):
        return tuple(int(v) for v in value)
    if name == "attention":
        return bool(value)
    return value


def fitted_values(estimator) -> dict[str, Any]:
    """The values of the parameters a continuation cannot change, as the fitted model has them."""
    config = dict(estimator.network_.config)
    values = {p: config[p] for p in _NETWORK_PARAMS if p in config}
    values["n_estimators"] = int(config.get("n_members", 1))
    values["scaling"] = estimator.scaling_
    return values


def check_continuation(estimator) -> None:
    """Refuse a continued fit whose parameters differ from the fitted model's where it cannot follow them.

    Raises
    ------
    ValueError
        Naming each parameter changed since the model was fitted, its fitted
        value and its value now.
    """
    changed = []
    for name, fitted in fitted_values(estimator).items():
        now = _as_config(name, getattr(estimator, name))
        if now != fitted:
            changed.append(f"{name}={now!r} (fitted with {fitted!r})")
    if changed:
        raise ValueError(f"{type(estimator).__name__} cannot continue training with parameters changed since "
                         f"it was fitted: {', '.join(changed)}. Set them back, or fit anew with "
                         "warm_start=False.")
