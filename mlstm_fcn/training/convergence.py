"""Whether a run ended because it had learned what it could, or because its epochs ran out.

scikit-learn's iterative estimators (``MLPClassifier``, ``LogisticRegression``)
give a :class:`~sklearn.exceptions.ConvergenceWarning` when they stop at
``max_iter``. A network is never "converged" in their strict sense, so the
rule here asks the question a user has: when the epoch cap ended the run,
was the training loss still falling clearly? A run that a stop rule ended
(fitted, early stopping) has converged by definition, and so has a
classifier whose returned model classifies every training series right
(the estimator checks that). A run that the cap ended before it had the two
windows to compare is too short to judge (:attr:`Convergence.judged`): the
estimator's ``converged_`` is then None, no claim either way.

The training loss of an epoch is noisy (dropout, mini-batches), so the rule
compares the mean of the last :func:`window` epochs with the mean of the
window before: the loss is still falling when the later mean is lower by
more than :data:`MIN_RELATIVE_FALL` of it and by more than
:data:`NOISE_MULTIPLE` standard errors of the difference (so that a noisy
plateau does not count, and a slow, steady fall does).

The same test, asked at ``min_epochs``, decides whether a run goes on towards
its cap (:func:`levelled_off`, and its tensor form in
:class:`~mlstm_fcn.training.device_rules.DeviceRules`): a network still
learning trains on, until its training loss has made no new low for
:func:`patience` epochs; one that has levelled off stops there.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

#: Epochs of each compared window, as a fraction of the epochs of the call ...
WINDOW_FRACTION = 0.1
#: ... and at most this many.
MAX_WINDOW = 20
#: A fall of the windowed mean training loss by more than this (relative) can count as still learning ...
MIN_RELATIVE_FALL = 0.002
#: ... when it is also more than this many standard errors of the difference of the two means.
NOISE_MULTIPLE = 2.0
#: A run past ``min_epochs`` stops after this many windows without a new lowest training loss.
PATIENCE_WINDOWS = 5


def window(epochs: int) -> int:
    """Epochs in each of the two windows compared at the end of a run of ``epochs`` epochs."""
    return max(1, min(MAX_WINDOW, int(epochs * WINDOW_FRACTION)))


def clearly_falling(loss_before, loss_last, noise):
    """Whether a windowed mean training loss fell from ``loss_before`` to ``loss_last`` by more than noise.

    By more than :data:`MIN_RELATIVE_FALL` of ``loss_before`` and more than
    :data:`NOISE_MULTIPLE` times ``noise`` (the standard error of the
    difference). Floats give a bool; tensors (one value per run) give a
    bool tensor, so that the host and device rules read one formula.
    """
    fall = loss_before - loss_last
    return (fall > MIN_RELATIVE_FALL * abs(loss_before)) & (fall > NOISE_MULTIPLE * noise)


@dataclass(frozen=True)
class Convergence:
    """How one run ended (see :func:`diagnose`)."""

    #: Whether the run ended at its epoch cap (no stop rule ended it first).
    at_cap: bool
    #: Mean training loss of the window before the last, and of the last (None: too short to say).
    loss_before: float | None
    loss_last: float | None
    #: Epochs in each window.
    window: int
    #: Standard error of the difference of the two means (0 for windows of one epoch).
    noise: float = 0.0

    @property
    def still_falling(self) -> bool:
        """Whether the windowed training loss fell by more than :data:`MIN_RELATIVE_FALL` at the end."""
        if self.loss_before is None or self.loss_last is None:
            return False
        return bool(clearly_falling(self.loss_before, self.loss_last, self.noise))

    @property
    def converged(self) -> bool:
        """Ended by a stop rule, or at the cap with a training loss that had stopped falling."""
        return not (self.at_cap and self.still_falling)

    @property
    def judged(self) -> bool:
        """Whether the run says how it ended: a stop rule ended it, or it is long enough for the two windows.

        A run the cap ended before its history held two windows (``epochs=1``)
        is too short to judge: it has neither converged nor failed to.
        """
        return not self.at_cap or self.loss_before is not None


def diagnose(losses: list[float], epochs_in_call: int, cap: int) -> Convergence:
    """How a run whose history has training ``losses`` ended.

    Parameters
    ----------
    losses : list of float
        Mean training loss per epoch, the whole history (a continued run's earlier calls included).
    epochs_in_call : int
        Epochs the last call trained.
    cap : int
        Epochs the last call was allowed (the estimator's ``epochs``).
    """
    w = window(cap)
    at_cap = epochs_in_call >= cap
    if len(losses) < 2 * w:
        return Convergence(at_cap, None, None, w)
    a, b = losses[-2 * w:-w], losses[-w:]
    noise = math.sqrt((statistics.variance(a) + statistics.variance(b)) / w) if w > 1 else 0.0
    return Convergence(at_cap, sum(a) / w, sum(b) / w, w, noise)


def patience(min_epochs: int) -> int:
    """Epochs without a new lowest training loss that end a run past ``min_epochs`` (:func:`levelled_off`)."""
    return PATIENCE_WINDOWS * window(min_epochs)


def fitted_in_window(accuracy: list[float] | None, min_epochs: int) -> bool:
    """Whether an epoch of the last ``window(min_epochs)`` classified every training series (``accuracy`` 1)."""
    return accuracy is not None and max(accuracy[-window(min_epochs):], default=0.0) == 1.0


def levelled_off(losses: list[float], accuracy: list[float] | None, epochs_in_call: int, min_epochs: int) -> bool:
    """Whether a run that may stop once it is no longer learning stops after ``epochs_in_call`` epochs.

    Before ``min_epochs``: no. At ``min_epochs``, yes unless its training
    loss is still falling (the test of :func:`diagnose`, with windows of
    ``window(min_epochs)`` epochs: the warning a cap there would give).
    Past them, once :func:`patience` epochs have brought no new lowest
    training loss: one noisy window must not end a run whose loss still
    trends down. For a classifier (``accuracy``, per epoch), an epoch of the
    last window at training accuracy 1 ends it too, at or past
    ``min_epochs``: a network that classifies every series has fitted,
    however its margins still grow. The epoch cap is the loop's.
    """
    if epochs_in_call < min_epochs:
        return False
    if fitted_in_window(accuracy, min_epochs):
        return True
    if epochs_in_call == min_epochs:
        return not diagnose(losses, epochs_in_call, min_epochs).still_falling
    call = losses[-epochs_in_call:]
    since_lowest = len(call) - 1 - call.index(min(call))
    return since_lowest >= patience(min_epochs)


def message(estimator: str, cap: int, runs: list[Convergence], train_score: str) -> str:
    """The warning for runs that the cap ended while their training loss was still falling."""
    falling = [(i, c) for i, c in enumerate(runs) if not c.converged]
    i, c = falling[0]
    who = "" if len(runs) == 1 else f" ({len(falling)} of its {len(runs)} networks; network {i + 1}:)"
    fall = 100.0 * (1.0 - c.loss_last / c.loss_before)
    span = "epoch" if c.window == 1 else f"{c.window} epochs"
    return (f"{estimator} stopped at its epoch cap (epochs={cap}) while the training loss was still "
            f"falling{who}: mean {c.loss_before:.4g} over the {span} before the last {span}, "
            f"{c.loss_last:.4g} over those ({fall:.1f}% lower); {train_score}. More epochs would "
            f"probably fit the training data better: raise epochs (e.g. epochs={2 * cap}), or continue this model with "
            "warm_start=True.")


__all__ = ["Convergence", "MAX_WINDOW", "MIN_RELATIVE_FALL", "NOISE_MULTIPLE", "PATIENCE_WINDOWS", "WINDOW_FRACTION",
           "clearly_falling", "diagnose", "fitted_in_window", "levelled_off", "message", "patience", "window"]
