"""Data augmentation for training: random, label-preserving (or label-mixing) changes of each batch.

The estimators' ``augmentation`` parameter takes a name of :data:`NAMES`, a
callable, or a list of them (applied in order). Each training batch is
changed on the training device as it is drawn, with the fit's own random
stream (so a fit is reproducible under ``random_state``); validation,
BatchNorm statistics, the final figures and prediction see the series as
they are.

A callable is called as ``f(x, y, lengths, w, generator)`` with the batch
``x`` ``(b, C, T)``, its targets ``y`` (class indices for a classifier, or
one-hot probabilities when a transform before it mixes targets; standardised
values ``(b, n_outputs)`` for a regressor), ``lengths`` ``(b,)`` or None,
loss weights ``w`` ``(b,)`` and a :class:`torch.Generator` on the batch's
device, and returns ``(x, y, lengths, w)``. A callable that mixes a
classifier's targets sets ``mixes_targets = True`` to receive one-hot
probabilities and returns probabilities.

Examples
--------
>>> from mlstm_fcn import MLSTMFCNClassifier
>>> from mlstm_fcn.augmentation import NAMES
>>> NAMES
('window_slice', 'jitter', 'scaling', 'magnitude_warp', 'time_warp', 'mixup', 'cutmix')
>>> clf = MLSTMFCNClassifier(augmentation=["window_slice", "jitter"], random_state=0)
"""

from .augmenter import Augmenter, check_augmentation, make_augmenter
from .transforms import TRANSFORMS, CutMix, Jitter, MagnitudeWarp, Mixup, Scaling, TimeWarp, Transform, WindowSlice

#: The names ``augmentation`` takes, each a transform of this module with its default settings.
NAMES: tuple[str, ...] = tuple(TRANSFORMS)

__all__ = ["NAMES", "Augmenter", "CutMix", "Jitter", "MagnitudeWarp", "Mixup", "Scaling", "TimeWarp", "Transform",
           "WindowSlice", "check_augmentation", "make_augmenter"]
