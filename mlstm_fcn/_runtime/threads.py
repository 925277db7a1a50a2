"""torch's CPU threads during a call of an estimator: the ``n_jobs`` rule, stated once.

A fit, ``partial_fit``, a prediction and every other pass of the network run
on ``n_jobs`` CPU threads in scikit-learn's sense (:func:`resolve_threads`),
set with :func:`torch.set_num_threads` for the duration of the call and put
back afterwards (:func:`cpu_threads`), on a GPU too (the host side of the
pass).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from numbers import Integral

import numpy as np
import torch
from joblib import cpu_count, effective_n_jobs


def check_n_jobs(n_jobs) -> None:
    """Refuse an ``n_jobs`` that is not None or a non-zero integer (``set_params`` does not check it).

    Raises
    ------
    ValueError
        For 0, a bool, or anything but None and an integer.
    """
    if n_jobs is not None and (isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, Integral)
                               or n_jobs == 0):
        raise ValueError(f"n_jobs must be None, a positive integer or a negative one (-1: every core), "
                         f"got {n_jobs!r}.")


def resolve_threads(n_jobs) -> int:
    """The CPU threads a call with ``n_jobs`` runs torch on.

    ``joblib.effective_n_jobs(n_jobs)``, capped at ``joblib.cpu_count()`` and
    at ``torch.get_num_threads()`` as the call begins: the rule that the
    ``n_jobs`` parameter's documentation states.
    """
    check_n_jobs(n_jobs)
    return max(1, min(effective_n_jobs(n_jobs), cpu_count(), torch.get_num_threads()))


@contextlib.contextmanager
def cpu_threads(n_jobs) -> Iterator[int]:
    """Run the body on :func:`resolve_threads` ``(n_jobs)`` torch threads, then restore the caller's count.

    Restored on an error too. Yields the number of threads.
    """
    before = torch.get_num_threads()
    threads = resolve_threads(n_jobs)
    if threads != before:
        torch.set_num_threads(threads)
    try:
        yield threads
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


__all__ = ["check_n_jobs", "cpu_threads", "resolve_threads"]
