"""What the MLSTM-FCN classifier and regressor share: fitting, continued training, BatchNorm statistics.

:class:`MLSTMFCNBase` orchestrates a fit along one path and hands each job to
its home: parameter checks (:mod:`mlstm_fcn._estimator.param_checks`), input checks
(:mod:`mlstm_fcn._data.inputs`, :mod:`mlstm_fcn._data.targets`), the plan of the runs
and the strategies that train them (:mod:`mlstm_fcn._estimator`), pickling and
files (:mod:`mlstm_fcn._estimator.persistence`, :mod:`mlstm_fcn.io`), device,
precision and seeds (:mod:`mlstm_fcn._runtime`), input scaling
(:mod:`mlstm_fcn._data.scaling`), the network (:mod:`mlstm_fcn.nn`), training and
checkpoints (:mod:`mlstm_fcn.training`) and prediction
(:mod:`mlstm_fcn.inference`). What differs between the tasks (the targets,
the loss, how an ensemble averages, what ``predict`` returns) is the handful
of hooks that the class declares and the subclasses define.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from .. import inference
from .._data.host_series import HostSeries
from .._data.inputs import check_X, warn_if_long_table, warn_if_transposed
from .._data.scaling import apply_scaling, fit_scaling
from .._data.targets import check_sample_weight
from .._data.trained_length import is_2d, to_trained_length
from .._runtime.batch_halving import BatchSizer
from .._runtime.device import autocast_dtype, cudnn_benchmark, resolve_device
from .._runtime.seeds import forked_rng
from .._runtime.threads import cpu_threads
from .._warnings import warn
from ..augmentation import make_augmenter
from ..nn import MLSTMFCN, MLSTMFCNEnsemble
from ..training import TrainConfig, evaluate, recompute_batchnorm_statistics
from ..training import convergence, protocol
from ..training.data import TrainingSeries
from ..training.handlers import epoch_handlers
from ..training.member_setup import set_up_member
from ..training.objective import Classification
from ..training.streaming import keep_on_device, training_series
from .continuation import check_continuation
from .fitted_state import fitted_attributes, restore_fitted_attributes
from .param_checks import check_params
from .persistence import PersistenceMixin
from .plan import RunPlan, checkpointers, kept_starts, network_runs
from .strategies import Trained, run_fused, run_sequential
from .task_hooks import TaskHooks


class MLSTMFCNBase(TaskHooks, PersistenceMixin, BaseEstimator):
    """The shared machinery of :class:`~mlstm_fcn.MLSTMFCNClassifier` and :class:`~mlstm_fcn.MLSTMFCNRegressor`.

    Not an estimator on its own: a subclass states its parameters
    (``__init__`` and ``_parameter_constraints``) and defines the task's
    hooks, declared with their contract in ``mlstm_fcn._estimator.task_hooks.TaskHooks``.

    A fit runs one path (:meth:`_fit_estimators`): check and plan each
    estimator's fit (:meth:`_plan`, a :class:`~mlstm_fcn._estimator.plan.RunPlan`),
    train the plans' networks with one strategy of
    :mod:`mlstm_fcn._estimator.strategies`, and attach the results
    (:meth:`_finish`); a failure leaves every estimator as it was.
    """

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        """The parameters' checks (:func:`mlstm_fcn._estimator.param_checks.check_params`), this machine's device included."""
        check_params(self)

    def _is_fitted(self) -> bool:
        return hasattr(self, "network_")

    # ------------------------------------------------------------------- fit
    def _fit_keeping_state(self, X, y, sample_weight, *, partial: bool, classes=None):
        """``fit`` and ``partial_fit``: this estimator alone through the one fit path."""
        return self._fit_estimators([self], [X], [y], [sample_weight], partial=partial, classes=classes)[0]

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
        same = {k: v for k, v in estimators[0].get_params(deep=False).items() if k != "random_state"}
        for est in estimators:
            if {k: v for k, v in est.get_params(deep=False).items() if k != "random_state"} != same:
                raise ValueError("fit_many fits estimators whose parameters differ only in random_state")
            if est.checkpoint_dir is not None or est.callbacks or est.warm_start:
                raise ValueError("fit_many trains fresh fits without checkpoints, callbacks or warm_start")
        return cls._fit_estimators(estimators, Xs, ys, [None] * len(Xs), partial=False, fused=True)

    @classmethod
    def _fit_estimators(cls, estimators: Sequence, Xs: Sequence, ys: Sequence, sample_weights: Sequence, *,
                        partial: bool, classes=None, fused: bool | None = None) -> list:
        """The one fit path: plan each estimator's fit, train the plans with one strategy, attach the results.

        ``fused``: train every network of every plan as one fused module (True),
        or as each plan says (None: the ``fused`` parameter). A failure leaves every
        estimator as it was (a refit must not mix new statistics or classes with
        the old network).
        """
        befores = [fitted_attributes(est) for est in estimators]
        try:
            for est in estimators:
                est._check_params()
            first = estimators[0]
            with cpu_threads(first.n_jobs):  # the whole fit, the passes after training included
                plans = [est._plan(X, y, w, partial=partial, classes=classes)
                         for est, X, y, w in zip(estimators, Xs, ys, sample_weights)]
                device = first.device_
                with forked_rng(device), cudnn_benchmark(device.type == "cuda" and first.cudnn_benchmark):
                    if plans[0].fused if fused is None else fused:
                        trained = run_fused(plans)
                    else:
                        trained = [run_sequential(plan) for plan in plans]
                for est, plan, networks in zip(estimators, plans, trained):
                    est._finish(plan, networks)
            return list(estimators)
        except BaseException:
            for est, before in zip(estimators, befores):
                restore_fitted_attributes(est, before)
            raise

    def _fuses(self, partial: bool) -> bool:
        """Whether this fit trains its networks fused (see the ``fused`` parameter)."""
        if not (self.fused is True or self.fused == "auto" and self.device_.type == "cuda" and self.n_estimators > 1):
            return False
        blockers = [name for name, present in (
            ("checkpoint_dir", self.checkpoint_dir is not None), ("callbacks", bool(self.callbacks)),
            ("streamed data", not self.data_on_device_), ("distributed", bool(self.distributed)),
            ("warm_start", bool(self.warm_start)), ("partial_fit", partial),
            ("average_last_epochs", self.average_last_epochs is not None)) if present]
        if blockers:
            if self.fused is True:
                raise ValueError(f"fused=True trains fresh fits without {', '.join(blockers)}; leave those out, "
                                 "or set fused='auto' (which then trains the networks one after the other).")
            return False
        return True

    def _plan(self, X, y, sample_weight, *, partial: bool, classes=None) -> RunPlan:
        """Check the data (the parameters are checked), set the data's attributes, and plan the networks' runs."""
        continuing = self._is_fitted() and (partial or self.warm_start)
        if not continuing:
            warn_if_long_table(X)  # before check_X: a DataFrame's column names are gone after it
        X_arr, lengths = check_X(X, out_of_core=True)  # a memmap stays on disk, checked block by block
        if continuing:
            check_continuation(self)
            # The same rule as predict: the channels of fit, and its length (or shorter, masked).
            X_arr, lengths = to_trained_length(X, X_arr, lengths, n_channels=self.n_channels_,
                                               n_timepoints=self.n_timepoints_, equal_length=self.equal_length_,
                                               estimator=type(self).__name__)
        n = X_arr.shape[0]
        targets = self._encode_targets(y, n, continuing=continuing, partial=partial, classes=classes)
        sample_weight = check_sample_weight(sample_weight, n)
        if partial:
            self._count_seen(targets, sample_weight, first=not continuing)
        if not continuing:
            _, c, t = X_arr.shape
            warn_if_transposed(c, t)
            self.n_channels_, self.n_timepoints_ = c, t
            self.n_features_in_ = t if is_2d(X) else c  # X.shape[1], whatever container X came in
            self.equal_length_ = lengths is None
            stats = fit_scaling(X_arr, lengths, self.scaling)
            self.scaling_ = self.scaling  # what predict applies, whatever set_params does later
            self.input_mean_, self.input_scale_ = stats.get("mean"), stats.get("scale")
            self._fit_targets(targets, sample_weight)
        X_arr = apply_scaling(X_arr, lengths, self.scaling_, {"mean": self.input_mean_, "scale": self.input_scale_})
        targets = self._training_targets(targets)
        self.device_ = resolve_device(self.device)
        self.autocast_dtype_ = autocast_dtype(self.precision, self.device_)
        _, c, t = X_arr.shape
        self.data_on_device_ = keep_on_device(self.data_on_device, 4 * n * c * t, self.device_,
                                              isinstance(X_arr, HostSeries))
        starts = kept_starts(self.network_ if continuing else None, getattr(self, "_runs", None), self.n_estimators,
                             continuing)
        if partial:  # one epoch a call: no checkpoints
            ckpts, saved_seed = [None] * len(starts), None
        else:
            arrays = self._run_arrays(X_arr, lengths, targets)
            if sample_weight is not None:
                arrays = arrays + [sample_weight]
            ckpts, saved_seed = checkpointers(self.checkpoint_dir, self.checkpoint_every, self.get_params(deep=False),
                                              self.device_, arrays, starts, continuing)
        # The passes after training (statistics, final figures) halve batches on OOM once for all.
        post_sizer = BatchSizer(self.predict_batch_size)
        device = self.device_
        return RunPlan(
            X=X_arr, lengths=lengths, targets=targets, sample_weight=sample_weight, partial=partial,
            continuing=continuing, networks=network_runs(starts, self.random_state, ckpts, saved_seed),
            device=device, objective=self._objective,
            set_up=lambda seed: set_up_member(seed, device, lambda s: self._split(targets, s, partial),
                                              self._build_network),
            series=lambda idx, weight_idx: self._training_series(X_arr, lengths, targets, sample_weight, idx,
                                                                 weight_idx, partial),
            series_weights=lambda idx, weight_idx: self._series_weights(targets, sample_weight, idx, weight_idx,
                                                                        partial),
            config=lambda done: self._train_config(done, partial),
            handlers=lambda ckpt: epoch_handlers(verbose=self.verbose, callbacks=self.callbacks or (),
                                                 checkpointer=ckpt),
            finish_network=lambda network, data: self._recompute_statistics(network, data, post_sizer),
            keep_run=partial or bool(self.warm_start), data_parallel=bool(self.distributed),
            fused=self._fuses(partial), n_outputs=self._n_outputs(), post_sizer=post_sizer)

    def _finish(self, plan: RunPlan, trained: list[Trained]):
        """Attach the trained networks, their histories and the runs that continue them, and the final figures."""
        networks = [t.network for t in trained]
        results = [t.result for t in trained]
        k = len(plan.networks)
        # Attached only now: a fit that fails mid-training leaves no untrained network behind.
        self.network_ = networks[0] if k == 1 else MLSTMFCNEnsemble(networks, self._ensemble_combine).eval()
        complete = len(results) == k and all(r.run is not None for r in results)
        self._runs = ([{"seed": run.seed, "run": r.run} for run, r in zip(plan.networks, results)]
                      if (plan.partial or self.warm_start) and complete else None)
        self.histories_ = [r.history for r in results]
        self.best_epochs_ = [r.best_epoch for r in results]
        if plan.partial:  # partial_fit returns the latest weights, whose epoch is the last
            self.best_epochs_ = [h["epoch"][-1] for h in self.histories_]
        self.history_ = self.histories_[0]
        self.used_cuda_graph_ = any(r.used_cuda_graph for r in results)
        self.best_epoch_ = self.best_epochs_[0]
        self.n_epochs_ = len(self.history_["epoch"])
        # The figures of the model the caller gets, beside the history of how it was trained.
        idx = trained[0].train_idx if len(networks) == 1 else np.arange(plan.X.shape[0])
        data = self._training_series(plan.X, plan.lengths, plan.targets, plan.sample_weight, idx, idx, plan.partial)
        loss, accuracy = evaluate(self.network_, data, plan.post_sizer, self.autocast_dtype_, "the final figures",
                                  objective=self._objective)
        self._final_figures(loss, accuracy)
        self._diagnose_convergence(plan, results, loss, accuracy)
        return self

    def _diagnose_convergence(self, p: RunPlan, results: list, loss: float, accuracy: float) -> None:
        """Set ``converged_``, and warn when the epoch cap ended a run whose training loss was still falling."""
        if p.partial:  # one epoch a call: the caller decides how long it trains
            self.converged_ = None
            return
        done = [run.done for run in p.networks]
        runs = [convergence.diagnose(r.history["loss"], len(r.history["epoch"]) - d, self.epochs)
                for r, d in zip(results, done)]
        # A classifier whose returned model classifies every training series right has fitted, even
        # if its loss (margins) still falls.
        fitted = accuracy is not None and accuracy == 1.0
        still_learning = not fitted and not all(c.converged for c in runs)
        too_short = not fitted and not all(c.judged for c in runs)  # no claim: neither converged nor not
        if any(r.interrupted for r in results) or still_learning:
            self.converged_ = False
        else:
            self.converged_ = None if too_short else True
        if still_learning:
            figures = f"the returned model's training loss is {loss:.4g}" + (
                "" if accuracy is None or np.isnan(accuracy) else f" and its training accuracy {accuracy:.3f}")
            warn(convergence.message(type(self).__name__, self.epochs, runs, figures), ConvergenceWarning)

    def _split(self, targets: np.ndarray, seed: int, partial: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Indices trained on and held out (``validation_split``; None: nothing held out) for ``seed``."""
        n = len(targets)
        if self.validation_split is None or partial:
            return np.arange(n), None
        stratify = self._stratify(targets)
        try:
            train_idx, val_idx = train_test_split(np.arange(n), test_size=self.validation_split,
                                                  stratify=stratify, random_state=seed)
        except ValueError as exc:
            kind = "a part" if stratify is None else "a stratified part"
            raise ValueError(f"validation_split={self.validation_split!r} cannot hold out {kind} "
                             f"of these {n} series: {exc}") from None
        return train_idx, val_idx

    def _train_config(self, done: int = 0, partial: bool = False) -> TrainConfig:
        """The training protocol of this estimator's parameters for a call after ``done`` epochs.

        ``epochs`` more (the stop rules, ``min_epochs`` among them, count from ``done``);
        ``partial_fit``'s call trains one.
        """
        return TrainConfig(epochs=done + (1 if partial else self.epochs),
                           min_epochs=None if partial or self.min_epochs is None else done + self.min_epochs,
                           batch_size=self.batch_size,
                           learning_rate=self.learning_rate, min_learning_rate=self.min_learning_rate,
                           lr_factor=protocol.LR_FACTOR, lr_patience=self.lr_patience,
                           early_stopping=self.early_stopping,
                           # A parameter of the classifier only: the regressor has no "fitted" state.
                           stop_when_fitted=self.get_params(deep=False).get("stop_when_fitted"),
                           autocast_dtype=self.autocast_dtype_,
                           # The graph replays batches gathered on the device: resident data, one process.
                           cuda_graph=(bool(self.cuda_graph) and self.device_.type == "cuda"
                                       and self.data_on_device_ and not self.distributed),
                           augment=make_augmenter(self.augmentation,
                                                  self._n_outputs() if isinstance(self._objective, Classification) else None),
                           average_last=self.average_last_epochs)

    def _training_series(self, X_arr, lengths, targets, sample_weight, idx, weight_idx,
                         partial: bool) -> TrainingSeries:
        """The series at ``idx`` for a pass on the fit's device (resident or streamed), with their loss weights.

        Class weights come from the series at ``weight_idx`` (the training part).
        """
        weight = self._series_weights(targets, sample_weight, idx, weight_idx, partial)
        return training_series(X_arr, targets, lengths, idx, self.device_, self.data_on_device_, weight)

    def _recompute_statistics(self, network, train_data, post_sizer: BatchSizer) -> None:
        """A trained network's BatchNorm statistics as ``bn_statistics`` says, on the series it trained on."""
        if self.bn_statistics == "recompute":
            recompute_batchnorm_statistics(network, train_data, batch_size=post_sizer,
                                           autocast_dtype=self.autocast_dtype_)

    def _build_network(self) -> MLSTMFCN:
        return MLSTMFCN(self.n_channels_, self.n_timepoints_, self._n_outputs(),
                        lstm_units=self.lstm_units, attention=bool(self.attention),
                        filters=tuple(self.filters), kernel_sizes=tuple(self.kernel_sizes),
                        se_reduction=self.se_reduction, dropout=self.dropout,
                        lstm_orientation=self.lstm_orientation)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # 2D X is read as univariate series; the native input is 3D (n, channels, time).
        tags.input_tags.three_d_array = True
        return tags

    # -------------------------------------------------------- after training
    def recompute_bn_statistics(self, X):
        """Set the fitted network's BatchNorm statistics to their exact values on ``X``.

        What ``fit`` does with ``bn_statistics="recompute"``, for a model
        fitted (or saved by an earlier version) with running statistics, or
        after ``partial_fit``: pass it the training series. Every network of
        an ensemble gets the statistics of all of ``X``. The weights are not
        changed, nor are the parameters (``bn_statistics`` still says how the
        model was fitted).

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)
            Series as ``predict`` takes them (scaled as in fit, padding masked).

        Returns
        -------
        self : estimator
        """
        series = inference.prepare(self, X)
        members = self.network_.members if isinstance(self.network_, MLSTMFCNEnsemble) else [self.network_]
        n = len(series)
        # Out-of-core series are streamed, block by block, as in fit.
        data = training_series(series.X, np.zeros(n, dtype=np.int64), series.lengths, np.arange(n), series.device,
                               isinstance(series.X, np.ndarray))
        sizer = BatchSizer(series.batch_size)
        with cpu_threads(series.n_jobs):
            for member in members:
                recompute_batchnorm_statistics(member, data, batch_size=sizer, autocast_dtype=series.autocast_dtype)
        return self
