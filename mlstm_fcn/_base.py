"""What the MLSTM-FCN classifier and regressor share: parameters, fitting, continued training, files.

:class:`MLSTMFCNBase` orchestrates a fit and hands each job to its home:
input checks (:mod:`mlstm_fcn._inputs`, :mod:`mlstm_fcn._targets`), device,
precision and seeds (:mod:`mlstm_fcn._runtime`), input scaling
(:mod:`mlstm_fcn._scaling`), the network (:mod:`mlstm_fcn.nn`), training and
checkpoints (:mod:`mlstm_fcn.training`), prediction
(:mod:`mlstm_fcn.inference`) and files (:mod:`mlstm_fcn.io`). What differs
between the tasks (the targets, the loss, how an ensemble averages, what
``predict`` returns) is a handful of methods that the subclasses define.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import InvalidParameterError, Interval, StrOptions

from . import inference
from ._batch_halving import BatchSizer
from ._inputs import HostSeries, check_X, is_2d, to_trained_length, warn_if_transposed
from ._runtime import (PRECISIONS, autocast_dtype, cudnn_benchmark, forked_rng, member_seeds, resolve_device,
                       seed_from)
from ._scaling import SCALINGS, apply_scaling, fit_scaling
from ._targets import check_sample_weight
from ._fused_fit import FusedFitMixin, fitted_attributes, restore_fitted_attributes
from ._warnings import warn
from .io import model_file, pickling
from .nn import MLSTMFCN, MLSTMFCNEnsemble
from .nn.lstm import ORIENTATIONS
from .training import (Checkpointer, TrainConfig, evaluate, recompute_batchnorm_statistics, run_id,
                       train)
from .training import convergence, protocol
from .training.data import TrainingSeries
from .training.data_parallel import train_data_parallel
from .training.handlers import epoch_handlers
from .training.objective import Objective
from .training.plan import MemberSetUp, set_up_member
from .training.streaming import keep_on_device, training_series

#: Values of ``bn_statistics``.
BN_STATISTICS = ("recompute", "running")

_POSITIVE_INT = [Interval(Integral, 1, None, closed="left")]
_POSITIVE_REAL = [Interval(Real, 0, None, closed="neither")]

#: The constraints of the parameters both estimators have (scikit-learn's ``_parameter_constraints``).
SHARED_CONSTRAINTS: dict = {
    "lstm_units": _POSITIVE_INT,
    "attention": ["boolean"],
    "lstm_orientation": [StrOptions(set(ORIENTATIONS))],
    "filters": [tuple, list],
    "kernel_sizes": [tuple, list],
    "se_reduction": _POSITIVE_INT,
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "scaling": [StrOptions(set(SCALINGS)), None],
    "n_estimators": _POSITIVE_INT,
    "epochs": _POSITIVE_INT,
    "batch_size": _POSITIVE_INT,
    "learning_rate": _POSITIVE_REAL,
    "min_learning_rate": _POSITIVE_REAL,
    "lr_patience": _POSITIVE_INT,
    "validation_split": [Interval(Real, 0, 1, closed="neither"), None],
    "early_stopping": [Interval(Integral, 1, None, closed="left"), None],
    "bn_statistics": [StrOptions(set(BN_STATISTICS))],
    "warm_start": ["boolean"],
    "device": [str, torch.device],
    "precision": [StrOptions(set(PRECISIONS))],
    "cuda_graph": ["boolean"],
    "cudnn_benchmark": ["boolean"],
    "predict_batch_size": _POSITIVE_INT,
    "data_on_device": [StrOptions({"auto"}), "boolean"],
    "distributed": ["boolean"],
    "fused": [StrOptions({"auto"}), "boolean"],
    "random_state": [Interval(Integral, None, None, closed="neither"), np.random.RandomState,
                     np.random.Generator, None],
    "verbose": ["verbose"],
    "callbacks": [list, tuple, None],
    "checkpoint_dir": [str, os.PathLike, None],
    "checkpoint_every": _POSITIVE_INT,
}


@dataclass
class Prepared:
    """A fit's data as the networks train on it, and the plan of their runs (see ``MLSTMFCNBase._prepare``)."""

    X: np.ndarray
    lengths: np.ndarray | None
    #: Class indices, or standardised regression targets.
    targets: np.ndarray
    sample_weight: np.ndarray | None
    partial: bool
    #: Whether training continues a fitted model (warm_start, partial_fit).
    continuing: bool
    #: Per network, the run it continues (None: a fresh one).
    starts: list
    seeds: list
    checkpointers: list


class MLSTMFCNBase(FusedFitMixin, BaseEstimator):
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
        """scikit-learn's checks of ``_parameter_constraints``, then what they cannot say."""
        self._validate_params()
        name = type(self).__name__
        for p, constraints in self._parameter_constraints.items():
            numeric = any(isinstance(c, Interval) for c in constraints)
            if numeric and isinstance(getattr(self, p), (bool, np.bool_)):
                # True and False are numbers to Python, never a count, a rate or a seed.
                raise InvalidParameterError(f"The {p!r} parameter of {name} must be a number, "
                                            f"got {getattr(self, p)!r}.")
        for p in ("filters", "kernel_sizes"):
            v = getattr(self, p)
            if not v or any(isinstance(k, (bool, np.bool_)) or not isinstance(k, Integral) or k < 1 for k in v):
                raise InvalidParameterError(f"The {p!r} parameter of {name} must be a non-empty sequence of "
                                            f"positive integers, got {v!r}.")
        if len(self.filters) != len(self.kernel_sizes):
            raise InvalidParameterError(f"filters and kernel_sizes must have the same length, got "
                                        f"{len(self.filters)} and {len(self.kernel_sizes)}.")
        if self.callbacks is not None and not all(callable(c) for c in self.callbacks):
            raise InvalidParameterError(f"callbacks must be None or a list of callables, got {self.callbacks!r}.")
        try:
            resolve_device(self.device)
        except ValueError as exc:
            raise ValueError(str(exc)) from None

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
        X_arr, lengths = check_X(X, out_of_core=True)  # a memmap stays on disk, checked block by block
        if continuing:
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
        data = self._series_on_device(p.X, p.lengths, p.targets, p.sample_weight, idx, idx, p.partial)
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
        done = [0 if s is None or s.get("run") is None else int(s["run"]["epoch"]) + 1 for s in p.starts]
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

    def _train_config(self, epochs: int | None = None) -> TrainConfig:
        """The training protocol of this estimator's parameters, for ``epochs`` in all (default: ``epochs``)."""
        return TrainConfig(epochs=self.epochs if epochs is None else epochs, batch_size=self.batch_size,
                           learning_rate=self.learning_rate, min_learning_rate=self.min_learning_rate,
                           lr_factor=protocol.LR_FACTOR, lr_patience=self.lr_patience,
                           early_stopping=self.early_stopping,
                           stop_when_fitted=getattr(self, "stop_when_fitted", None),
                           autocast_dtype=self.autocast_dtype_,
                           # The graph replays batches gathered on the device: resident data, one process.
                           cuda_graph=(bool(self.cuda_graph) and self.device_.type == "cuda"
                                       and self.data_on_device_ and not self.distributed))

    def _starts(self, continuing: bool) -> list[dict | None]:
        """Per network, the run to continue (``{"seed", "run"}``), or None each for a fresh fit.

        A fitted model without kept runs (fitted with ``warm_start=False``, or
        loaded from a file) continues from its weights with a new optimizer.
        """
        if not continuing:
            return [None] * self.n_estimators
        runs = getattr(self, "_runs", None)
        members = self.network_.members if isinstance(self.network_, MLSTMFCNEnsemble) else [self.network_]
        if runs is not None and len(runs) == len(members):
            return runs
        warn("Continuing from the fitted weights with a new optimizer and schedule: this model keeps no "
             "optimizer state (it was fitted with warm_start=False, loaded from a file, or interrupted).",
             UserWarning)
        seeds = member_seeds(seed_from(self.random_state), len(members))
        return [{"seed": s, "weights": {k: v.detach().clone() for k, v in m.state_dict().items()}}
                for s, m in zip(seeds, members)]

    def _checkpointers(self, arrays: list, starts: list[dict | None] | None
                       ) -> tuple[list[Checkpointer | None], int]:
        """One checkpointer per network (or None each without ``checkpoint_dir``), and the run's seed.

        A killed ensemble fit resumes at the network it was on; a resumed run keeps its
        original seed (validation split, random streams), read from its checkpoint. A
        continued fit (``warm_start``) is another run: its identifier names what it continues.
        """
        k = self.n_estimators if starts is None else len(starts)
        if self.checkpoint_dir is None:
            return [None] * k, seed_from(self.random_state)
        params = self.get_params(deep=False)
        if getattr(self, "validation_split", None) is not None:
            # Since class weights come from the training part, such runs differ from earlier
            # versions' runs of the same parameters: other names, so old checkpoints are not resumed.
            params["class_weights_of"] = "the training part"
        if starts is not None:
            params["continues"] = _digest_of_starts(starts)
        run = run_id(params, self.device_, arrays)
        runs = [run] if k == 1 else [f"{run}-{i}" for i in range(k)]
        checkpointers = [Checkpointer(self.checkpoint_dir, r, self.checkpoint_every) for r in runs]
        saved = checkpointers[0].read()
        for ckpt in checkpointers[1:]:
            ckpt.read()
        seed = int(saved["seed"]) if saved is not None else seed_from(self.random_state)
        for ckpt, start in zip(checkpointers, starts or [None] * k):
            ckpt.seed = seed if start is None else start["seed"]
        return checkpointers, seed

    def _series_on_device(self, X_arr, lengths, targets, sample_weight, idx, weight_idx,
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
        done = 0 if run is None else int(run["epoch"]) + 1
        config = self._train_config(done + (1 if partial else self.epochs))
        # Loss weights: class weights from the series this network trains on, not the part held out.
        train_data = self._series_on_device(X_arr, lengths, targets, sample_weight, train_idx, train_idx, partial)
        val_data = (None if val_idx is None
                    else self._series_on_device(X_arr, lengths, targets, sample_weight, val_idx, train_idx, partial))
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

    # ---------------------------------------------------------------- pickling
    def __getstate__(self) -> dict:
        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__.copy()
        return pickling.pickled_state(state)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(pickling.unpickled_state(state, type(self)))

    # -------------------------------------------------------------- save/load
    def save(self, path: str | os.PathLike) -> None:
        """Save the fitted model to one file that loading cannot execute code from.

        Weights go in safetensors format, everything else (parameters,
        classes or target statistics, history) in its JSON metadata, with
        format and package versions and a SHA-256 checksum. See
        :mod:`mlstm_fcn.io.model_file`. The optimizer state that
        ``warm_start`` continues from is not saved.

        Parameters
        ----------
        path : str or path-like
            Destination file (``.safetensors`` is a fitting suffix).
        """
        model_file.save_model(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike):
        """Load a model written by :meth:`save`, on the CPU when no GPU is available.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save` of this class.

        Returns
        -------
        estimator
            The fitted estimator.

        Raises
        ------
        ValueError
            If the file is not such a model file (or one of another estimator
            class), or is truncated or altered.
        """
        return model_file.load_model(cls, path)


def _digest_of_starts(starts: list[dict]) -> str:
    """A short hash of where a continued fit starts: its networks' last weights."""
    h = hashlib.sha256()
    for start in starts:
        weights = start["run"]["network"] if start.get("run") is not None else start["weights"]
        for name, tensor in weights.items():
            h.update(name.encode())
            h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]
