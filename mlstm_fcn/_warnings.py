"""Warnings that point at the caller's line, however deep inside the package they are raised.

A fixed ``stacklevel`` is right for one call path only: the same warning
reached through :mod:`mlstm_fcn.interpret` rather than ``predict`` would name
a line of the package. :func:`warn` counts the frames instead.
"""

from __future__ import annotations

import sys
import warnings

#: Modules whose frames are not the user's: this package, the wrappers that torch's
#: decorators (inference_mode, no_grad) and contextlib put between a call and its function, and
#: scikit-learn and joblib, through which ``clf.score(...)`` or ``GridSearchCV(...).fit(...)`` call
#: the estimator (the warning then names the user's ``score`` or ``fit`` line, not sklearn/base.py).
_INTERNAL = ("mlstm_fcn", "torch", "contextlib", "sklearn", "joblib")


def _internal(frame) -> bool:
    name = frame.f_globals.get("__name__", "")
    return any(name == m or name.startswith(m + ".") for m in _INTERNAL)


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn(message, category)`` attributed to the first frame outside the package."""
    frame, level = sys._getframe(1), 1
    while frame is not None and _internal(frame):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level + 1 if frame is not None else 2)


class LayoutWarning(UserWarning):
    """Input whose shape looks like ``(n, time, channels)`` where ``(n, channels, time)`` is expected.

    Raised by ``fit`` when a series has many more channels than time steps:
    at least 16 channels and twice as many channels as steps.
    When the layout is intended, silence it with
    ``warnings.filterwarnings("ignore", category=mlstm_fcn.LayoutWarning)``.
    """


class LongTableWarning(UserWarning):
    """A 2D ``X`` that looks like a long table: one row per series and time step, a column per channel.

    Raised by ``fit`` when ``X`` is a pandas DataFrame with a column named
    like a series id or a time (``id``, ``series_id``, ``time``, ...), or a 2D
    array of a few columns (very short univariate series) and many times as
    many rows. Such a table is series only after
    :func:`mlstm_fcn.datasets.from_long_table`. When each row really is one
    series, silence it with
    ``warnings.filterwarnings("ignore", category=mlstm_fcn.LongTableWarning)``.
    """
