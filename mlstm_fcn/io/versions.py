"""The versions of what this package writes, and what a file of another version gets.

Two layouts have versions of their own:

- *the fitted state*, shared by model files (``format_version``) and pickles
  (``_format_version`` in the pickled state): :data:`FITTED_VERSION`;
- *a training run* (checkpoint files, and the runs an estimator keeps for
  ``warm_start`` and ``partial_fit``): :data:`RUN_VERSION`.

Files of these versions load. Development versions before 0.1.0 wrote
earlier layouts (epochs counted from 0, parameters missing); such files are
refused with a message to refit (and such checkpoints ignored, training
starting anew). A parameter added to the estimators after a file was written
takes the value that reproduces the file's training (:func:`fill_missing_params`).
"""

from __future__ import annotations

import inspect

#: The version of the fitted state (model files, pickles) that this package writes and reads.
FITTED_VERSION = 2
#: The version of a training run (checkpoints, kept runs) that this package writes and reads.
RUN_VERSION = 2


#: Parameters whose default changed after they were added, at the value they had when added: a file
#: that lacks one was written before it existed, when training behaved as this value does (the
#: classifier augments with cutmix by default now; no model written before ``augmentation`` did).
AS_ADDED = {"augmentation": None}


def fill_missing_params(params: dict, cls) -> None:
    """Parameters of ``cls`` that ``params`` lacks (added after the file was written).

    Each takes the value that reproduces how the file's model was trained: its value when
    added (:data:`AS_ADDED`), else its constructor default.
    """
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name != "self" and name not in params:
            params[name] = AS_ADDED.get(name, param.default)


def check_fitted_version(version, package_version: str) -> None:
    """Refuse a fitted state of another layout than :data:`FITTED_VERSION`.

    Raises
    ------
    ValueError
        Saying which version the file has, and what to do.
    """
    if version == FITTED_VERSION:
        return
    if isinstance(version, int) and not isinstance(version, bool) and version > FITTED_VERSION:
        raise ValueError(f"uses model format version {version}; this mlstm-fcn ({package_version}) reads version "
                         f"{FITTED_VERSION}. Upgrade mlstm-fcn.")
    raise ValueError(f"uses model format version {str(version)[:20]}, written by a development version before "
                     f"mlstm-fcn 0.1.0, which this mlstm-fcn ({package_version}) does not read; fit the model again.")


__all__ = ["FITTED_VERSION", "RUN_VERSION", "check_fitted_version", "fill_missing_params"]
