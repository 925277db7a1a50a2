"""An estimator's ``augmentation`` parameter, checked, and the pipeline the training loop applies per batch."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor

from .transforms import TRANSFORMS

#: What ``augmentation`` may hold: a name, a callable, or a list of them.
Spec = str | Callable | Sequence


def _entries(spec) -> list:
    if spec is None:
        return []
    if isinstance(spec, str) or callable(spec):
        return [spec]
    if isinstance(spec, (list, tuple)):
        return list(spec)
    raise TypeError(f"augmentation must be None, a name of mlstm_fcn.augmentation.NAMES, a callable or a list of "
                    f"them, got {type(spec).__name__}.")


def check_augmentation(spec: Spec | None) -> list[Callable]:
    """The transforms ``spec`` names, built (names) or as given (callables), in order.

    Raises
    ------
    ValueError
        An unknown name, naming the known ones; an empty list.
    TypeError
        An entry that is neither a name nor a callable.
    """
    entries = _entries(spec)
    if spec is not None and not entries:
        raise ValueError("augmentation=[] names no transform; pass None for no augmentation.")
    transforms = []
    for entry in entries:
        if isinstance(entry, str):
            if entry not in TRANSFORMS:
                raise ValueError(f"augmentation {entry!r} is not a transform of mlstm_fcn.augmentation.NAMES: "
                                 f"{', '.join(TRANSFORMS)}.")
            transforms.append(TRANSFORMS[entry]())
        elif callable(entry):
            transforms.append(entry)
        else:
            raise TypeError(f"an augmentation entry must be a name of mlstm_fcn.augmentation.NAMES or a callable, "
                            f"got {entry!r}.")
    return transforms


def storable(spec):
    """``spec`` as a model file keeps it: names as they are; None where it holds code (callables)."""
    entries = _entries(spec)
    return spec if all(isinstance(e, str) for e in entries) else None


class Augmenter:
    """The transforms of one fit, applied in order to every training batch.

    A classifier's class indices become one-hot float targets when a
    transform mixes targets (:class:`~mlstm_fcn.augmentation.Mixup`,
    :class:`~mlstm_fcn.augmentation.CutMix`, or a callable with
    ``mixes_targets = True``); the loss takes them as class probabilities.

    Parameters
    ----------
    transforms : list of callable
        As :func:`check_augmentation` returns them.
    n_classes : int or None
        A classifier's number of classes; None for a regressor.
    """

    def __init__(self, transforms: list[Callable], n_classes: int | None) -> None:
        self.transforms = transforms
        self.n_classes = n_classes
        self.soft_targets = n_classes is not None and any(getattr(t, "mixes_targets", False) for t in transforms)

    def __call__(self, x: Tensor, y: Tensor, lengths: Tensor | None, w: Tensor,
                 generator: torch.Generator) -> tuple[Tensor, Tensor, Tensor | None, Tensor]:
        if self.soft_targets and not y.is_floating_point():
            y = torch.nn.functional.one_hot(y, self.n_classes).to(x.dtype)
        for transform in self.transforms:
            x, y, lengths, w = transform(x, y, lengths, w, generator)
        return x, y, lengths, w


def make_augmenter(spec: Spec | None, n_classes: int | None) -> Augmenter | None:
    """The :class:`Augmenter` of an estimator's ``augmentation`` (None: no augmentation)."""
    return None if spec is None else Augmenter(check_augmentation(spec), n_classes)


__all__ = ["Augmenter", "check_augmentation", "make_augmenter"]
