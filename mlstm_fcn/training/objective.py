"""What a network is trained to do: the per-series loss, and whether accuracy is counted.

A classifier's network outputs class logits and is trained with
cross-entropy; a regressor's outputs its (standardised) targets and is
trained with the squared error. Everything else in training, the weighting
of each series' loss included (:func:`mlstm_fcn.training.loss.weighted_loss`),
is the same for both.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor, nn


@dataclass(frozen=True)
class Classification:
    """Cross-entropy on class indices; accuracy is counted."""

    #: Whether an epoch records ``accuracy`` (and the fitted stop rule can read it).
    counts_accuracy: bool = True

    def per_series(self, output: Tensor, target: Tensor) -> Tensor:
        """Cross-entropy of each series' logits against its class index, or its class probabilities.

        Float targets ``(n, n_classes)`` are probabilities: those of series
        that augmentation mixed (:class:`mlstm_fcn.augmentation.Mixup`).
        """
        return nn.functional.cross_entropy(output.float(), target, reduction="none")

    def correct(self, output: Tensor, target: Tensor) -> Tensor:
        """Number of series whose highest logit is their class (of mixed series: their likeliest class)."""
        if target.is_floating_point():
            target = target.argmax(1)
        return (output.detach().argmax(1) == target).sum()


@dataclass(frozen=True)
class Regression:
    """Squared error on targets of shape ``(n, n_outputs)``, averaged over the outputs."""

    counts_accuracy: bool = False

    def per_series(self, output: Tensor, target: Tensor) -> Tensor:
        """Mean over the outputs of each series' squared error."""
        return (output.float() - target).square().mean(dim=1)

    def correct(self, output: Tensor, target: Tensor) -> Tensor:
        """Zero: regression has no accuracy (the count keeps one code path for both)."""
        return output.new_zeros((), dtype=output.dtype).detach()


Objective = Classification | Regression

__all__ = ["Classification", "Objective", "Regression"]
