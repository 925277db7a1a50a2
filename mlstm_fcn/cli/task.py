"""Which task ``fit`` trains for: the rule of ``--task``, stated once for its help and its refusal.

The command line never chooses regression from the numbers alone: only a
``.ts`` file that declares numeric targets (``@targetLabel true``) is read as
regression without ``--task``. Labels that are text, integers or
integer-valued floats (``0.0``, ``1.0``) are classes, as
:class:`~mlstm_fcn.MLSTMFCNClassifier` reads them in Python; other numbers
are refused until ``--task`` says which they are.
"""

from __future__ import annotations

import numpy as np

from .common import CLIError

#: fit's --task help: the rule.
TASK_HELP = ("classification or regression. auto (the default): regression for a .ts file that declares numeric "
             "targets (@targetLabel true); classification for labels that are text, integers or integer-valued "
             "numbers (0.0, 1.0), as MLSTMFCNClassifier reads them in Python; other numbers (0.37) are refused "
             "until --task says which they are (with --task classification each distinct value is a class)")


def _integer_valued(y: np.ndarray) -> bool:
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.isfinite(y) & (np.mod(y, 1) == 0)))


def choose_task(requested: str, y: np.ndarray, declared_targets: bool, what: str) -> str:
    """The task fit trains for: ``requested`` unless "auto", else the rule of :data:`TASK_HELP`.

    ``declared_targets``: the labels were read from a file that says whether
    they are numeric targets (a ``.ts`` file; its class labels read as text).

    Raises
    ------
    CLIError
        "auto" for numbers that are neither declared targets nor integer-valued.
    """
    if requested != "auto":
        return requested
    if y.dtype.kind != "f":
        return "classification"
    if declared_targets:
        return "regression"
    if _integer_valued(y):
        return "classification"
    example = next((v for v in y if np.isfinite(v) and v % 1 != 0), y[0])
    raise CLIError(f"{what}: the labels are numbers that are not all integers (e.g. {float(example):g}); are they "
                   "regression targets or classes? Say which: --task regression (numeric targets) or --task "
                   "classification (each distinct value a class)")


def numbers_as_classes(y: np.ndarray) -> np.ndarray:
    """Numeric labels as the text classes of a model fitted with ``--task classification`` ("0.5")."""
    return y.astype(str)


def class_labels(y: np.ndarray) -> np.ndarray:
    """Labels for ``--task classification``: numbers that are not all integers as text (each value a class).

    The classifier takes integer-valued numbers as they are (as in Python); it
    refuses other floats as continuous, so the command line, told they are
    classes, passes them as text ("0.5").
    """
    if y.dtype.kind == "f" and not _integer_valued(y):
        return numbers_as_classes(y)
    return y
