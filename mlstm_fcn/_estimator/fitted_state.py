"""An estimator's learned state, kept before a fit and put back when the fit fails."""

from __future__ import annotations


def fitted_attributes(estimator) -> dict:
    """The learned state of ``estimator``: public ``name_`` attributes and the runs that continue training."""
    return {k: v for k, v in vars(estimator).items()
            if (k.endswith("_") and not k.startswith("_")) or k == "_runs"}


def restore_fitted_attributes(estimator, before: dict) -> None:
    """Put back the learned state ``before`` (of :func:`fitted_attributes`): what a failed fit does."""
    for k in fitted_attributes(estimator):
        delattr(estimator, k)
    estimator.__dict__.update(before)


__all__ = ["fitted_attributes", "restore_fitted_attributes"]
