"""What the MLSTM-FCN classifier and regressor share: fitting, continued training, BatchNorm statistics.

:class:`MLSTMFCNBase` orchestrates a fit and hands each job to its home:
parameter checks (:mod:`mlstm_fcn._param_checks`), the plan of the runs
(:mod:`mlstm_fcn._run_plan`), fused fits (:mod:`mlstm_fcn._fused_fit`),
pickling and files (:mod:`mlstm_fcn._persistence`, :mod:`mlstm_fcn.io`), input checks (:mod:`mlstm_fcn._inputs`, :mod:`mlstm_fcn._targets`), device,
precision and seeds (:mod:`mlstm_fcn._runtime`), input scaling
(:mod:`mlstm_fcn._scaling`), the network (:mod:`mlstm_fcn.nn`), training and
checkpoints (:mod:`mlstm_fcn.training`), prediction
(:mod:`mlstm_fcn.inference`) and files (:mod:`mlstm_fcn.io`). What differs
between the tasks (the targets, the loss, how an ensemble averages, what
``predict`` returns) is a handful of methods that the subclasses define.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from . import inference
from ._batch_halving import BatchSizer
from ._continuation import check_continuation
from ._host_series import HostSeries
from ._inputs import check_X, warn_if_long_table, warn_if_transposed
from ._param_checks import check_params
from ._persistence import PersistenceMixin
from ._run_plan import Prepared, RunPlanMixin
from ._runtime import autocast_dtype, cudnn_benchmark, forked_rng, member_seeds, resolve_device, seed_from
from ._scaling import apply_scaling, fit_scaling
from ._targets import check_sample_weight
from ._trained_length import is_2d, to_trained_length
from ._fused_fit import FusedFitMixin, fitted_attributes, restore_fitted_attributes
from ._warnings import warn
from .nn import MLSTMFCN, MLSTMFCNEnsemble
from .training import Checkpointer, TrainConfig, evaluate, recompute_batchnorm_statistics, train
from .training import convergence, protocol
from .training.data import TrainingSeries
from .training.data_parallel import train_data_parallel
from .training.handlers import epoch_handlers
from .training.objective import Objective
from .training.plan import MemberSetUp, set_up_member
from .training.streaming import keep_on_device, training_series


class MLSTMFCNBase(FusedFitMixin, RunPlanMixin, PersistenceMixin, BaseEstimator):
    """The shared machinery of :class:`~mlstm_fcn.MLSTMFCNClassifier` and :class:`~mlstm_fcn.MLSTMFCNRegressor`.

    Not an estimator on its own: a subclass states its parameters
    (``__init__`` and ``_parameter_constraints``) and the task's methods
    (``_objective``, ``_ensemble_combine``, ``_encode_targets``,
    ``_series_weights``, ``_stratify``, ``_n_outputs``, ``_run_arrays``,
    ``_final_figures``).
    """

    _objective: Objective
    #: How an ensemble averages its members (see :class:`~mlstm_fcn.nn.MLSTMFCNEnsemble`).
    _ensemble_combine: str

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        """The parameters' checks (:func:`mlstm_fcn._param_checks.check_params`), this machine's device included."""
        check_params(self)

    def _is_fitted(self) -> bool:
        return hasattr(self, "network_")

    # ------------------------------------------------------------------- fit
    def _fit_keeping_state(self, X, y, sample_weight, *, partial: bool, classes=None):
        # A fit that fails leaves the estimator as it was (a refit must not mix new
        # statistics or classes with the old network).
        before = fitted_attributes(self)
        try:
            return self._fit(X, y, sample_weight, partial=partial, classes=classes)
        except BaseException:
            restore_fitted_attributes(self, before)
            raise

    def _fit(self, X, y, sample_weight, *, partial: bool, classes=None):
        self._check_params()
        prepared = self._prepare(X, y, sample_weight, partial=partial, classes=classes)
        # The passes after training (statistics, final figures) halve batches on OOM once for all.
        post_sizer = BatchSizer(self.predict_batch_size)
        device = self.device_
        with forked_rng(device), cudnn_benchmark(device.type == "cuda" and self.cudnn_benchmark):
            if self._fuses(prepared):
                networks, results, trained = self._train_fused([(self, prepared)], post_sizer)[0]
            else:
                networks, results, trained = self._train_sequential(prepared, post_sizer)
        return self._finish(prepared, networks, results, trained, post_sizer)

    def _prepare(self, X, y, sample_weight, *, partial: bool, classes=None) -> Prepared:
        """Check and scale the training data, set the data's attributes, and plan the networks' runs."""
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
        starts = self._starts(continuing)
        if partial:
            checkpointers = [None] * len(starts)
            seeds = [s["seed"] for s in starts] if starts[0] is not None else \
                member_seeds(seed_from(self.random_state), self.n_estimators)
        else:
            arrays = self._run_arrays(X_arr, lengths, targets)
            if sample_weight is not None:
                arrays = arrays + [sample_weight]
            checkpointers, seed = self._checkpointers(arrays, starts if continuing else None)
            seeds = [s["seed"] for s in starts] if starts[0] is not None else member_seeds(seed, len(starts))
        return Prepared(X_arr, lengths, targets, sample_weight, partial, continuing, starts, seeds, checkpointers)

    def _train_sequential(self, p: Prepared, post_sizer: BatchSizer) -> tuple[list, list, list]:
        """Train the networks one after the other: networks, results, trained indices."""
        networks, results, trained = [], [], []
        for i, (member_seed, checkpointer, start) in enumerate(zip(p.seeds, p.checkpointers, p.starts)):
            label = "fit" if len(p.starts) == 1 else f"fit {i + 1}/{len(p.starts)}"
            network, result, trained_idx = self._fit_network(
                p.X, p.lengths, p.targets, p.sample_weight, member_seed, checkpointer, label, post_sizer,
                start=start, partial=p.partial)
            if result.interrupted and networks:
                # An ensemble keeps the networks that finished; a part-trained one would
                # weigh as much as they do in the average.
                warn(f"Ensemble training interrupted: keeping the {len(networks)} of {len(p.starts)} "
                     "networks that finished training.", RuntimeWarning)
                break
            networks.append(network)
            results.append(result)
            trained.append(trained_idx)
            if result.interrupted:
                break
        return networks, results, trained

    def _finish(self, p: Prepared, networks: list, results: list, trained: list, post_sizer: BatchSizer):
        """Attach the trained networks, their histories and the runs that continue them, and the final figures."""
        # Attached only now: a fit that fails mid-training leaves no untrained network behind.
        self.network_ = (networks[0] if len(p.starts) == 1
                         else MLSTMFCNEnsemble(networks, self._ensemble_combine).eval())
        complete = len(results) == len(p.starts) and all(r.run is not None for r in results)
        self._runs = ([{"seed": s, "run": r.run} for s, r in zip(p.seeds, results)]
                      if (p.partial or self.warm_start) and complete else None)
        self.histories_ = [r.history for r in results]
        self.best_epochs_ = [r.best_epoch for r in results]
        if p.partial:  # partial_fit returns the latest weights, whose epoch is the last
            self.best_epochs_ = [h["epoch"][-1] for h in self.histories_]
        self.history_ = self.histories_[0]
        self.used_cuda_graph_ = any(r.used_cuda_graph for r in results)
        self.best_epoch_ = self.best_epochs_[0]
        self.n_epochs_ = len(self.history_["epoch"])
        # The figures of the model the caller gets, beside the history of how it was trained.
        idx = trained[0] if len(networks) == 1 else np.arange(p.X.shape[0])
        data = self._training_series(p.X, p.lengths, p.targets, p.sample_weight, idx, idx, p.partial)
        loss, accuracy = evaluate(self.network_, data, post_sizer, self.autocast_dtype_, "the final figures",
                                  objective=self._objective)
        self._final_figures(loss, accuracy)
        self._diagnose_convergence(p, results, loss, accuracy)
        return self

    def _diagnose_convergence(self, p: Prepared, results: list, loss: float, accuracy: float) -> None:
        """Set ``converged_``, and warn when the epoch cap ended a run whose training loss was still falling."""
        if p.partial:  # one epoch a call: the caller decides how long it trains
            self.converged_ = None
            return
        done = [0 if s is None or s.get("run") is None else int(s["run"]["epoch"]) for s in p.starts]
        runs = [convergence.diagnose(r.history["loss"], len(r.history["epoch"]) - d, self.epochs)
                for r, d in zip(results, done)]
        # A classifier whose returned model classifies every training series right has fitted, even
        # if its loss (margins) still falls.
        fitted = accuracy is not None and accuracy == 1.0
        still_learning = not fitted and not all(c.converged for c in runs)
        self.converged_ = not still_learning and not any(r.interrupted for r in results)
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
                                       and self.data_on_device_ and not self.distributed))

    def _training_series(self, X_arr, lengths, targets, sample_weight, idx, weight_idx,
                         partial: bool) -> TrainingSeries:
        """The series at ``idx`` for a pass on the fit's device (resident or streamed), with their loss weights.

        Class weights come from the series at ``weight_idx`` (the training part).
        """
        weight = self._series_weights(targets, sample_weight, idx, weight_idx, partial)
        return training_series(X_arr, targets, lengths, idx, self.device_, self.data_on_device_, weight)

    def _count_seen(self, targets: np.ndarray, sample_weight: np.ndarray | None, first: bool) -> None:
        """Note the targets of a ``partial_fit`` call (the classifier counts classes); nothing by default."""

    def _fit_network(self, X_arr: np.ndarray, lengths: np.ndarray | None, targets: np.ndarray,
                     sample_weight: np.ndarray | None, seed: int, checkpointer: Checkpointer | None, label: str,
                     post_sizer: BatchSizer, *, start: dict | None, partial: bool):
        """Train one network from ``seed`` (inside ``fit``'s forked RNG), or continue ``start``.

        Returns the network, its :class:`~mlstm_fcn.training.TrainResult` and
        the indices of the series it trained on.
        """
        member = self._set_up_member(targets, seed, partial)
        train_idx, val_idx, network, generator = member.train_idx, member.val_idx, member.network, member.generator
        run = None if start is None else start.get("run")
        if start is not None and run is None:  # a model without kept runs: its weights only
            network.load_state_dict(start["weights"])
        done = 0 if run is None else int(run["epoch"])
        config = self._train_config(done, partial)
        # Loss weights: class weights from the series this network trains on, not the part held out.
        train_data = self._training_series(X_arr, lengths, targets, sample_weight, train_idx, train_idx, partial)
        val_data = (None if val_idx is None
                    else self._training_series(X_arr, lengths, targets, sample_weight, val_idx, train_idx, partial))
        fit_network = train_data_parallel if self.distributed else train
        handlers = epoch_handlers(verbose=self.verbose, callbacks=self.callbacks or (), checkpointer=checkpointer)
        result = fit_network(network, train_data, config, generator, val_data=val_data, objective=self._objective,
                             start=run, keep_run=partial or bool(self.warm_start), label=label, handlers=handlers)
        if partial and result.run is not None:
            # partial_fit returns the latest weights: the best epoch of chunks seen apart means nothing.
            network.load_state_dict(result.run["network"])
        self._recompute_statistics(network, train_data, post_sizer)
        return network, result, train_idx

    def _set_up_member(self, targets: np.ndarray, seed: int, partial: bool) -> MemberSetUp:
        """One network of this fit, set up as alone or fused alike (:func:`~mlstm_fcn.training.plan.set_up_member`)."""
        return set_up_member(seed, self.device_, lambda s: self._split(targets, s, partial), self._build_network)

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
        for member in members:
            recompute_batchnorm_statistics(member, data, batch_size=sizer, autocast_dtype=series.autocast_dtype)
        return self
