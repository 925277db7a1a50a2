"""Fits whose networks train as one fused module: ``fused=True`` ensembles and ``fit_many``.

A mixin of :class:`~mlstm_fcn._base.MLSTMFCNBase`, so that the classifier and
the regressor fuse by the same rules. Each network is set up exactly as its
own fit sets it up (:meth:`MLSTMFCNBase._set_up_member`), weighs each series
as its own fit does (``_series_weights``), and trains in
:func:`~mlstm_fcn.training.fused_members.train_members_fused` under the
estimator's :class:`~mlstm_fcn.training.objective.Objective`; BatchNorm
statistics and the final figures are then what a fit alone computes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._batch_halving import BatchSizer
from ._runtime import cudnn_benchmark, forked_rng
from ._threads import cpu_threads
from .training import SeriesOnDevice
from .training.fused_members import train_members_fused


def fitted_attributes(estimator) -> dict:
    """The learned state of ``estimator``: public ``name_`` attributes and the runs that continue training."""
    return {k: v for k, v in vars(estimator).items()
            if (k.endswith("_") and not k.startswith("_")) or k == "_runs"}


def restore_fitted_attributes(estimator, before: dict) -> None:
    """Put back the learned state ``before`` (of :func:`fitted_attributes`): what a failed fit does."""
    for k in fitted_attributes(estimator):
        delattr(estimator, k)
    estimator.__dict__.update(before)


class FusedFitMixin:
    """``fused`` fits and :meth:`fit_many` for an estimator of :class:`~mlstm_fcn._base.MLSTMFCNBase`."""

    def _fuses(self, prepared) -> bool:
        """Whether this fit trains its networks fused (see the ``fused`` parameter)."""
        if not (self.fused is True or self.fused == "auto" and self.device_.type == "cuda" and self.n_estimators > 1):
            return False
        blockers = [name for name, present in (
            ("checkpoint_dir", self.checkpoint_dir is not None), ("callbacks", bool(self.callbacks)),
            ("streamed data", not self.data_on_device_), ("distributed", bool(self.distributed)),
            ("warm_start", bool(self.warm_start)), ("partial_fit", prepared.partial)) if present]
        if blockers:
            if self.fused is True:
                raise ValueError(f"fused=True trains fresh fits without {', '.join(blockers)}; leave those out, "
                                 "or set fused='auto' (which then trains the networks one after the other).")
            return False
        return True

    @classmethod
    def fit_many(cls, estimators: Sequence, Xs: Sequence, ys: Sequence) -> list:
        """Fit several estimators of one configuration, each on its own data, as one fused run.

        Every network of every estimator trains what it would train in its
        own ``fit`` (same seeds, same batch order: :mod:`mlstm_fcn.training.fused`),
        all in one fused module: cross-validation folds and seeds of one
        configuration in one GPU pass.

        Parameters
        ----------
        estimators : sequence of estimators of this class
            Unfitted or not; parameters equal but for ``random_state``, with
            ``checkpoint_dir`` and ``callbacks`` None.
        Xs, ys : sequences
            Each estimator's training series and targets; after
            ``validation_split``, every network must train on the same number
            of series with the same shape and number of outputs (classes).

        Returns
        -------
        estimators : list
            The same objects, fitted.
        """
        if not estimators or len(estimators) != len(Xs) or len(Xs) != len(ys):
            raise ValueError("fit_many needs one X and one y per estimator")
        befores = [fitted_attributes(est) for est in estimators]
        try:
            return cls._fit_many(estimators, Xs, ys)
        except BaseException:  # every estimator as it was, as a failed fit leaves it
            for est, before in zip(estimators, befores):
                restore_fitted_attributes(est, before)
            raise

    @classmethod
    def _fit_many(cls, estimators: Sequence, Xs: Sequence, ys: Sequence) -> list:
        first = estimators[0]
        same = {k: v for k, v in first.get_params(deep=False).items() if k != "random_state"}
        groups = []
        for est, X, y in zip(estimators, Xs, ys):
            if {k: v for k, v in est.get_params(deep=False).items() if k != "random_state"} != same:
                raise ValueError("fit_many fits estimators whose parameters differ only in random_state")
            if est.checkpoint_dir is not None or est.callbacks or est.warm_start:
                raise ValueError("fit_many trains fresh fits without checkpoints, callbacks or warm_start")
            est._check_params()
            groups.append((est, est._prepare(X, y, None, partial=False)))
        shapes = {(p.X.shape[1:], est._n_outputs(), str(est.device_)) for est, p in groups}
        if len(shapes) != 1:
            raise ValueError(f"fit_many needs one series shape, number of classes (outputs) and device, got "
                             f"{sorted(shapes)}")
        post_sizer = BatchSizer(first.predict_batch_size)
        device = first.device_
        with cpu_threads(first.n_jobs):
            with forked_rng(device), cudnn_benchmark(device.type == "cuda" and first.cudnn_benchmark):
                trained = cls._train_fused(groups, post_sizer)
            for (est, prepared), (networks, results, rows) in zip(groups, trained):
                est._finish(prepared, networks, results, rows, post_sizer)
        return list(estimators)

    @classmethod
    def _train_fused(cls, groups: list, post_sizer: BatchSizer) -> list[tuple[list, list, list]]:
        """Train the networks of ``groups`` ``(estimator, Prepared)`` as one fused module.

        Returns per group its networks (best weights, BatchNorm statistics as
        ``bn_statistics`` says), training results and trained indices.
        """
        first = groups[0][0]
        n_all = sum(p.X.shape[0] for _, p in groups)
        members, offsets, weights, owners = [], [], [], []
        offset = 0
        for g, (est, p) in enumerate(groups):
            n = p.X.shape[0]
            for seed in p.seeds:
                member = est._set_up_member(p.targets, seed, partial=False)
                # Every series of its fit, weighed as that fit weighs it (class weights of its training rows).
                w = np.zeros(n_all, dtype=np.float32)
                w[offset:offset + n] = est._series_weights(p.targets, p.sample_weight, np.arange(n),
                                                           member.train_idx, False)
                members.append(member)
                offsets.append(offset)
                weights.append(w)
                owners.append(g)
            offset += n
        t = groups[0][1].X.shape[-1]
        lengths = None
        if any(p.lengths is not None for _, p in groups):
            lengths = np.concatenate([p.lengths if p.lengths is not None
                                      else np.full(p.X.shape[0], t, dtype=np.int64) for _, p in groups])
        series = SeriesOnDevice.from_numpy(np.concatenate([p.X for _, p in groups]),
                                           np.concatenate([p.targets for _, p in groups]), lengths, first.device_)
        result = train_members_fused(members, offsets, series, np.stack(weights), first._train_config(),
                                     first._objective)
        out = [([], [], []) for _ in groups]
        for network, res, member, g in zip(result.members, result.results, members, owners):
            res.used_cuda_graph = result.used_cuda_graph
            est, p = groups[g]
            est._recompute_statistics(network, est._training_series(p.X, p.lengths, p.targets, p.sample_weight,
                                                                    member.train_idx, member.train_idx, False),
                                      post_sizer)
            for part, value in zip(out[g], (network, res, member.train_idx)):
                part.append(value)
        return out


__all__ = ["FusedFitMixin", "fitted_attributes", "restore_fitted_attributes"]
