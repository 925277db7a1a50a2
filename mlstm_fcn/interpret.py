"""What a fitted MLSTM-FCN looks at: squeeze-and-excitation gates and class activation maps.

Squeeze-and-excitation (SE) blocks rescale every filter of a convolution
block by a gate in (0, 1) computed from the series itself, so the gates show
which filters the network turns up or down for a given input; their means
per class show how that recalibration differs between classes.

Class activation maps (Zhou et al. 2016; used for time series by Wang, Yan &
Oates 2017, the FCN paper) show *when* in a series the evidence for a class
lies. The network's head is linear over ``concat(lstm_features,
fcn_features)`` and the FCN features are the time means of the last block's
maps ``A_k(t)``, so with ``w_c`` the head weights of class ``c`` restricted
to the FCN features,

    CAM_c(t) = sum_k w_{c,k} A_k(t),

and the time mean of ``CAM_c`` is exactly the FCN branch's contribution to
the logit of class ``c`` (the LSTM branch and the bias add the rest).
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from .inference import prepare, run_batches
from .nn import MLSTMFCN, MLSTMFCNEnsemble
from .nn.masking import lengths_to_mask

__all__ = ["se_gates", "se_gates_by_class", "class_activation_maps", "member_probabilities"]


def _network(clf, member: int) -> MLSTMFCN:
    """The fitted network, or network ``member`` of an ensemble (SE gates and CAMs are per network)."""
    check_is_fitted(clf, "network_")
    network = clf.network_
    if isinstance(network, MLSTMFCNEnsemble):
        if (isinstance(member, (bool, np.bool_)) or not isinstance(member, numbers.Integral)
                or not 0 <= member < len(network.members)):
            raise ValueError(f"member must be an integer in [0, {len(network.members)}) for this ensemble, "
                             f"got {member!r}.")
        return network.members[int(member)]
    if member != 0:
        raise ValueError(f"member={member!r}, but the classifier holds a single network (member 0).")
    return network


@torch.inference_mode()
def se_gates(clf, X, member: int = 0) -> list[np.ndarray]:
    """Squeeze-and-excitation gates of every sample, for every SE block.

    Parameters
    ----------
    clf : MLSTMFCNClassifier
        A fitted classifier.
    X : array-like of shape (n_instances, n_channels, n_timepoints)
        Series as accepted by ``clf.predict`` (unequal lengths included).
    member : int, default=0
        Which network of an ensemble (``n_estimators > 1``) to look into.

    Returns
    -------
    gates : list of ndarray
        One array per SE block, in network order, of shape
        ``(n_instances, n_filters_of_that_block)``, values in (0, 1).
        Empty when the network has no SE block.
    """
    branch = _network(clf, member).fcn_branch
    blocks = branch.se_blocks()
    current: list[torch.Tensor | None] = [None] * len(blocks)

    # The SE block's gate depends on its *input* (the block's activations
    # before rescaling), which only exists inside the forward pass: a
    # pre-hook sees it and asks the block for its gate.
    def make_hook(i):
        def hook(module, args):
            current[i] = module.gate(*args).float().cpu()
        return hook

    def batch(xb: torch.Tensor, lb: torch.Tensor | None) -> list[torch.Tensor]:
        # The batch's own gates: a batch retried after running out of memory adds nothing twice.
        branch.feature_maps(xb, lengths_to_mask(lb, xb.shape[-1], xb.dtype))
        return list(current)

    series = prepare(clf, X)
    handles = [se.register_forward_pre_hook(make_hook(i)) for i, se in enumerate(blocks)]
    try:
        parts = run_batches(batch, series, "SE gates")
    finally:
        for h in handles:
            h.remove()
    return [torch.cat([p[i] for p in parts]).numpy() for i in range(len(blocks))]


def se_gates_by_class(clf, X, y, member: int = 0) -> tuple[np.ndarray, list[np.ndarray]]:
    """Mean SE gates of the samples of each class.

    Parameters
    ----------
    clf : MLSTMFCNClassifier
        A fitted classifier.
    X : array-like of shape (n_instances, n_channels, n_timepoints)
        Series as accepted by ``clf.predict``.
    y : array-like of shape (n_instances,)
        Labels used to group the samples: true labels, or
        ``clf.predict(X)`` to see what the model does per predicted class.
    member : int, default=0
        Which network of an ensemble to look into.

    Returns
    -------
    classes : ndarray of shape (n_groups,)
        The distinct labels of ``y``, sorted.
    means : list of ndarray
        One array per SE block, shape ``(n_groups, n_filters_of_that_block)``;
        row ``i`` is the mean gate over the samples labelled ``classes[i]``.
    """
    y = np.asarray(y)
    gates = se_gates(clf, X, member)
    if y.ndim != 1 or (gates and y.shape[0] != gates[0].shape[0]):
        raise ValueError(f"y must be 1D with one label per series, got shape {y.shape}.")
    classes, idx = np.unique(y, return_inverse=True)
    counts = np.bincount(idx, minlength=len(classes)).astype(np.float64)
    means = []
    for g in gates:
        sums = np.zeros((len(classes), g.shape[1]))
        np.add.at(sums, idx, g)
        means.append(sums / counts[:, None])
    return classes, means


@torch.inference_mode()
def class_activation_maps(clf, X, member: int = 0) -> np.ndarray:
    """Class activation maps over time from the last convolution block.

    Parameters
    ----------
    clf : MLSTMFCNClassifier
        A fitted classifier.
    X : array-like of shape (n_instances, n_channels, n_timepoints)
        Series as accepted by ``clf.predict`` (unequal lengths included).
    member : int, default=0
        Which network of an ensemble to look into (an ensemble's output is
        not linear in the maps, so maps are per network).

    Returns
    -------
    cam : ndarray of shape (n_instances, n_classes, n_timepoints)
        ``cam[i, c, t] = sum_k w[c, k] A_k(t)`` for series ``i``, with ``A``
        the last block's maps and ``w`` the head weights on the FCN features;
        classes in ``clf.classes_`` order, time up to the length seen in fit
        for unequal-length models. Steps past a series' end are NaN. The time
        mean over valid steps of ``cam[i, c]`` equals the FCN branch's part
        of the logit of class ``c``.
    """
    network = _network(clf, member)
    n_lstm = network.lstm_branch.out_features
    weight = network.head.weight[:, n_lstm:]  # (n_classes, last block's filters): lstm features come first

    def batch(xb: torch.Tensor, lb: torch.Tensor | None) -> torch.Tensor:
        mask = lengths_to_mask(lb, xb.shape[-1], xb.dtype)
        last = network.fcn_branch.feature_maps(xb, mask)[-1]
        cam = torch.einsum("ck,nkt->nct", weight.to(last.dtype), last).float()
        if mask is not None:
            cam = cam.masked_fill(mask == 0, float("nan"))
        return cam.cpu()

    return torch.cat(run_batches(batch, prepare(clf, X), "class activation maps")).numpy()


@torch.inference_mode()
def member_probabilities(clf, X) -> np.ndarray:
    """Class probabilities of every network of a fitted classifier, each on its own.

    For an ensemble (``n_estimators > 1``) ``predict_proba`` is the mean of
    these over the networks; this shows how much they agree.

    Parameters
    ----------
    clf : MLSTMFCNClassifier
        A fitted classifier.
    X : array-like of shape (n_instances, n_channels, n_timepoints)
        Series as accepted by ``clf.predict`` (unequal lengths included).

    Returns
    -------
    proba : ndarray of shape (n_networks, n_instances, n_classes)
        Columns in ``clf.classes_`` order; ``n_networks`` is 1 for a single network.
    """
    check_is_fitted(clf, "network_")
    network = clf.network_
    members = list(network.members) if isinstance(network, MLSTMFCNEnsemble) else [network]
    parts = run_batches(lambda xb, lb: torch.stack([m(xb, lb).float().softmax(dim=-1).cpu() for m in members]),
                        prepare(clf, X), "member probabilities")
    return torch.cat(parts, dim=1).numpy()
