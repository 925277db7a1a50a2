"""``MLSTMFCNClassifier``: MLSTM-FCN as a scikit-learn classifier.

The estimator orchestrates: it declares and checks its parameters, then
hands each job to its home: input checks (:mod:`mlstm_fcn._inputs`), device,
precision and seeds (:mod:`mlstm_fcn._runtime`), input scaling
(:mod:`mlstm_fcn._scaling`), the network (:mod:`mlstm_fcn.nn`), training and
checkpoints (:mod:`mlstm_fcn.training`), prediction
(:mod:`mlstm_fcn.inference`) and files (:mod:`mlstm_fcn.io`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import InvalidParameterError, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets

from . import inference
from ._batch_halving import BatchSizer
from ._inputs import HostSeries, check_X, check_y, is_2d
from ._runtime import (PRECISIONS, autocast_dtype, cudnn_benchmark, forked_rng, member_seeds, resolve_device,
                       seed_from, seed_torch)
from ._scaling import SCALINGS, apply_scaling, fit_scaling
from ._warnings import warn
from .io import model_file, pickling
from .nn import MLSTMFCN, MLSTMFCNEnsemble
from .nn import defaults as paper
from .nn.lstm import ORIENTATIONS
from .training import (Checkpointer, TrainConfig, class_weights, evaluate,
                       recompute_batchnorm_statistics, run_id, train)
from .training import protocol
from .training.data_parallel import train_data_parallel
from .training.streaming import keep_on_device, training_series

#: Values of ``bn_statistics``.
BN_STATISTICS = ("recompute", "running")

_POSITIVE_INT = [Interval(Integral, 1, None, closed="left")]
_POSITIVE_REAL = [Interval(Real, 0, None, closed="neither")]
#: Parameters that are counts or rates: True and False are numbers to Python, never one of these.
_NUMBERS = ("lstm_units", "se_reduction", "dropout", "n_estimators", "epochs", "batch_size", "learning_rate",
            "min_learning_rate", "lr_patience", "validation_split", "early_stopping", "stop_when_fitted",
            "predict_batch_size",
            "checkpoint_every", "random_state")


class MLSTMFCNClassifier(ClassifierMixin, BaseEstimator):
    """Multivariate LSTM-FCN classifier (Karim et al., Neural Networks 2019).

    Two branches read the same series ``(n_channels, n_timepoints)``: a fully
    convolutional branch (three Conv1d -> BatchNorm -> ReLU blocks, the first
    two followed by squeeze-and-excitation, then global average pooling) and
    an LSTM that steps over the *channels*, each step being one channel's
    whole series (the paper's "dimension shuffle"). Their features are
    concatenated and classified by a linear layer with softmax.

    Parameters
    ----------
    lstm_units : int, default=8
        Cells of the LSTM branch (the paper searched 8, 64 and 128).
    attention : bool, default=False
        Use the attention LSTM (MALSTM-FCN).
    lstm_orientation : {"channels", "time"}, default="channels"
        What the LSTM steps over: "channels" is the paper's dimension
        shuffle (one step per channel, each step that channel's whole
        series); "time" is the usual reading, one step per time point with
        the channels as features (slower on long series: the LSTM then runs
        ``n_timepoints`` steps; with ``attention=True`` its memory also grows
        with the square of ``n_timepoints``).
    filters : tuple of int, default=(128, 256, 128)
        Filters of the three convolution blocks.
    kernel_sizes : tuple of int, default=(8, 5, 3)
        Kernel sizes of the convolution blocks ("same" padding).
    se_reduction : int, default=16
        Reduction ratio of the squeeze-and-excitation blocks.
    dropout : float, default=0.8
        Dropout on the LSTM branch's output.
    scaling : {None, "channel", "instance"}, default=None
        Input scaling done inside the estimator (and again in ``predict``):
        None feeds the series as given, as the paper does; "channel"
        standardises each channel with the mean and standard deviation of
        the training data; "instance" standardises each channel of each
        series by its own statistics. Padding of unequal-length series is
        left out of the statistics.
    n_estimators : int, default=1
        Networks trained with different seeds (each with its own
        initialisation, dropout, batch order and validation split) whose
        class probabilities are averaged, as InceptionTime does with five.
        Training time grows with it linearly.
    epochs : int, default=100
        Most training epochs (fewer with ``stop_when_fitted`` or
        ``early_stopping``). The paper trained 250 to 2000 epochs per dataset,
        and the "paper" preset trains 500. With BatchNorm statistics
        recomputed for the kept weights, 100 epochs with the stop rule below
        were chosen by cross-validation on the TRAIN splits of 11 UEA datasets
        (the cheapest budget within one standard error of the best); on the
        TEST splits of the 12 shared datasets they match the paper protocol's
        accuracy in a sixth of its training time (``benchmarks/results/budgets/``).
        The best weights seen are kept in any case.
    batch_size : int, default=128
        Mini-batch size.
    learning_rate : float, default=1e-3
        Initial learning rate of Adam.
    min_learning_rate : float, default=1e-4
        Floor of the reduce-on-plateau schedule.
    lr_patience : int, default=100
        Epochs without improvement of the monitored loss before the learning
        rate is multiplied by ``1 / cbrt(2)``.
    class_weight : "balanced", dict or None, default="balanced"
        Weights of the classes in the loss; "balanced" weights them inversely
        to their frequency in the series trained on (without the part that
        ``validation_split`` holds out).
    validation_split : float or None, default=None
        Fraction of the training data held out (stratified) to select the
        best epoch; ``None`` selects on the training loss, as the paper's
        corrected code does. The test set is never used.
    early_stopping : int or None, default=None
        Stop after this many epochs without improvement of the monitored loss.
    stop_when_fitted : int or None, default=20
        Stop after this many epochs in a row in which every training series
        was classified correctly (``history_["accuracy"]`` at 1); the best
        weights up to then are kept as always. Data the network separates
        early need no more epochs (BasicMotions stops after about 25); data it
        does not fit train all ``epochs``. None trains all ``epochs``, as the
        paper does.
    bn_statistics : {"recompute", "running"}, default="recompute"
        Statistics that BatchNorm uses in ``predict``. "recompute" sets them,
        once training has ended, to their exact values for the kept weights
        on the series trained on (one pass per BatchNorm layer, in batches of
        ``predict_batch_size``, padding left out): the model then predicts
        with statistics that belong to its weights. "running" keeps the
        running averages of training with Keras' momentum of 0.99, as the
        paper's code did; on small datasets (a few batches per epoch) those
        still lag far behind the weights after hundreds of epochs, so that
        ``predict`` can score well below what the training history shows.
    device : str, default="auto"
        "auto" (CUDA when available), "cpu", "cuda" or "cuda:N".
    precision : {"auto", "fp32", "bf16"}, default="auto"
        Arithmetic of training and prediction. "auto" is bf16 mixed precision
        (autocast; weights stay float32) on GPUs that support it and float32
        elsewhere; "bf16" asks for it on a GPU (an error on a CPU).
    cuda_graph : bool, default=True
        On CUDA, capture each training epoch in a CUDA graph and replay it
        (falls back to plain execution, with a warning, when capture fails).
    cudnn_benchmark : bool, default=True
        On CUDA, let cuDNN time its algorithms for the (fixed) batch shapes;
        the global flag is restored after ``fit``.
    predict_batch_size : int, default=1024
        Batch size of ``predict`` and ``predict_proba``; memory stays bounded
        for any number of series.
    data_on_device : {"auto", True, False}, default="auto"
        Whether the training set goes to the device whole (True), which is
        fastest, or stays on the host and is streamed to it a batch at a time
        (False): pinned on CUDA, with the next batch copied asynchronously
        while the current one computes (:mod:`mlstm_fcn.training.streaming`).
        Batches follow the same seeded order either way, so on the CPU both
        give identical results. "auto" streams an out-of-core ``X`` (a
        ``numpy.memmap`` or any array-like with ``shape``, ``dtype`` and
        slicing, checked and scaled block by block, never copied whole) on
        any device, and in-memory data on CUDA when it takes more than half
        of the free GPU memory; True reads an out-of-core ``X`` whole.
        The validation part, the BatchNorm statistics and the final figures
        are streamed alike. Streamed fits do not use ``cuda_graph``, which
        needs the data on the device.
    distributed : bool, default=False
        Train data-parallel over the initialised ``torch.distributed``
        process group (launched by ``torchrun``; see
        :mod:`mlstm_fcn.distributed`): every process fits with the same data
        and parameters, trains on its shard of every batch under
        DistributedDataParallel with BatchNorm statistics synchronised, and
        ends with the same model; only rank 0 writes checkpoints. Without
        ``cuda_graph``.
    random_state : int, numpy Generator/RandomState or None, default=None
        Seed of weight initialisation, dropout, batch order and the
        validation split. The same integer gives identical results on CPU.
        The caller's global random state is left untouched.
    verbose : int, default=0
        1 shows a progress bar over epochs (loss, accuracy, learning rate).
    callbacks : list of callable or None, default=None
        Functions called after every epoch, each with a
        :class:`mlstm_fcn.training.EpochEnd` (epoch, history so far, the
        weights kept so far, the network); their return values are ignored.
        They watch training without changing it (so checkpoints ignore them),
        and model files do not keep them.
    checkpoint_dir : str, path-like or None, default=None
        Directory for training checkpoints. A fit that finds there a
        checkpoint of the same run (same parameters and data) resumes from
        it, so a run killed mid-way continues where it stopped and, on CPU
        with an integer ``random_state``, ends with the same weights as an
        uninterrupted run. ``None`` writes no checkpoints.
    checkpoint_every : int, default=10
        Epochs between checkpoints (one is also written when training ends).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_channels_ : int
        Channels seen during fit.
    n_timepoints_ : int
        Series length seen during fit (the longest, for unequal lengths).
    n_features_in_ : int
        ``X.shape[1]`` of the training data, as in scikit-learn.
    equal_length_ : bool
        Whether all training series had the same length.
    network_ : MLSTMFCN or MLSTMFCNEnsemble
        The trained PyTorch module, in eval mode: an ensemble of
        ``n_estimators`` networks when that is above 1 (its output is the
        log of the members' mean probabilities).
    scaling_ : str or None
        The ``scaling`` used in fit, which ``predict`` applies.
    input_mean_, input_scale_ : ndarray of shape (n_channels,) or None
        Channel statistics of the training data with ``scaling="channel"``,
        else None.
    device_ : torch.device
        Device the network lives on.
    history_ : dict of list
        Per epoch, as training saw it (training-mode network: batch
        statistics, dropout on; mean over the epoch's batches as the weights
        changed): ``epoch`` (counted from 1), ``loss``, ``accuracy``, ``learning_rate``,
        ``time`` (seconds since the first epoch began, at the epoch's end) and,
        with a validation split, ``val_loss`` and ``val_accuracy``. For an
        ensemble, the first network's (see ``histories_``).
    histories_ : list of dict
        ``history_`` of every network trained, in order.
    best_epoch_ : int
        Epoch whose weights were kept, counted from 1 like ``history_["epoch"]``
        (the first network's in an ensemble).
    best_epochs_ : list of int
        Best epoch of every network trained.
    n_epochs_ : int
        Epochs actually run (by the first network in an ensemble).
    train_loss_, train_accuracy_ : float
        Class-weighted loss and accuracy of the fitted model as ``predict``
        runs it (evaluation mode, the kept weights and their BatchNorm
        statistics) on the series it was trained on: all of ``X``, or the
        part not held out by ``validation_split`` (for an ensemble with a
        validation split, whose networks hold out different parts: all of
        ``X``). These describe the model you get; ``history_`` describes
        training.
    autocast_dtype_ : torch.dtype or None
        Mixed-precision dtype of training and prediction (None: float32).
    data_on_device_ : bool
        Whether fit kept the training set on the device (False: streamed).

    Examples
    --------
    >>> from mlstm_fcn import MLSTMFCNClassifier
    >>> from mlstm_fcn.datasets import load_uea
    >>> X, y = load_uea("BasicMotions", split="train")
    >>> clf = MLSTMFCNClassifier(epochs=20, random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).shape
    (2,)
    """


    _parameter_constraints: dict = {
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
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "validation_split": [Interval(Real, 0, 1, closed="neither"), None],
        "early_stopping": [Interval(Integral, 1, None, closed="left"), None],
        "stop_when_fitted": [Interval(Integral, 1, None, closed="left"), None],
        "bn_statistics": [StrOptions(set(BN_STATISTICS))],
        "device": [str, torch.device],
        "precision": [StrOptions(set(PRECISIONS))],
        "cuda_graph": ["boolean"],
        "cudnn_benchmark": ["boolean"],
        "predict_batch_size": _POSITIVE_INT,
        "data_on_device": [StrOptions({"auto"}), "boolean"],
        "distributed": ["boolean"],
        "random_state": [Interval(Integral, None, None, closed="neither"), np.random.RandomState,
                         np.random.Generator, None],
        "verbose": ["verbose"],
        "callbacks": [list, tuple, None],
        "checkpoint_dir": [str, os.PathLike, None],
        "checkpoint_every": _POSITIVE_INT,
    }

    def __init__(self, lstm_units: int = paper.LSTM_UNITS, attention: bool = False,
                 lstm_orientation: str = paper.LSTM_ORIENTATION, filters: Sequence[int] = paper.FILTERS,
                 kernel_sizes: Sequence[int] = paper.KERNEL_SIZES, se_reduction: int = paper.SE_REDUCTION,
                 dropout: float = paper.DROPOUT, scaling: str | None = None, n_estimators: int = 1,
                 epochs: int = 100, batch_size: int = protocol.BATCH_SIZE,
                 learning_rate: float = protocol.LEARNING_RATE,
                 min_learning_rate: float = protocol.MIN_LEARNING_RATE, lr_patience: int = protocol.LR_PATIENCE,
                 class_weight="balanced", validation_split: float | None = None,
                 early_stopping: int | None = None, stop_when_fitted: int | None = 20,
                 bn_statistics: str = "recompute", device="auto",
                 precision: str = "auto", cuda_graph: bool = True, cudnn_benchmark: bool = True,
                 predict_batch_size: int = 1024, random_state=None, verbose: int = 0,
                 callbacks: Sequence | None = None, checkpoint_dir: str | os.PathLike | None = None,
                 checkpoint_every: int = 10, data_on_device: str | bool = "auto",
                 distributed: bool = False) -> None:
        self.lstm_units = lstm_units
        self.attention = attention
        self.lstm_orientation = lstm_orientation
        self.filters = filters
        self.kernel_sizes = kernel_sizes
        self.se_reduction = se_reduction
        self.dropout = dropout
        self.scaling = scaling
        self.n_estimators = n_estimators
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.min_learning_rate = min_learning_rate
        self.lr_patience = lr_patience
        self.class_weight = class_weight
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.stop_when_fitted = stop_when_fitted
        self.bn_statistics = bn_statistics
        self.device = device
        self.precision = precision
        self.cuda_graph = cuda_graph
        self.cudnn_benchmark = cudnn_benchmark
        self.predict_batch_size = predict_batch_size
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.data_on_device = data_on_device
        self.distributed = distributed

    @classmethod
    def from_preset(cls, name: str, **params) -> "MLSTMFCNClassifier":
        """An estimator configured by a named preset, e.g. the paper's.

        Parameters
        ----------
        name : str
            A preset of :data:`mlstm_fcn.presets.PRESETS`: ``"paper"`` (the
            faithful MLSTM-FCN of Karim et al.) or ``"paper-attention"``
            (MALSTM-FCN).
        **params
            Parameters that override the preset's or add to them
            (``random_state``, ``device``, ...).

        Returns
        -------
        estimator : MLSTMFCNClassifier
            Unfitted.

        Examples
        --------
        >>> clf = MLSTMFCNClassifier.from_preset("paper", random_state=0, epochs=50)
        >>> clf.epochs, clf.lstm_orientation
        (50, 'channels')
        """
        from .presets import get_preset

        return cls(**{**get_preset(name), **params})

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> None:
        """scikit-learn's checks of ``_parameter_constraints``, then what they cannot say."""
        self._validate_params()
        name = type(self).__name__
        for p in _NUMBERS:
            if isinstance(getattr(self, p), (bool, np.bool_)):
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

    def fit(self, X, y) -> "MLSTMFCNClassifier":
        """Train on ``X`` ``(n, C, T)`` (or ``(n, T)``, or a list of ``(C, T_i)``) and labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)
            Training series: numpy array or torch tensor; 2D input is taken
            as univariate; a list of arrays or trailing-NaN padding gives
            unequal-length series.
        y : array-like of shape (n_instances,)
            Labels of any type (strings, integers).

        Returns
        -------
        self : MLSTMFCNClassifier
            The fitted estimator.
        """
        # A fit that fails leaves the estimator as it was (a refit must not mix new
        # statistics or classes with the old network).
        before = {k: v for k, v in vars(self).items() if k.endswith("_") and not k.startswith("_")}
        try:
            return self._fit(X, y)
        except BaseException:
            for k in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
                delattr(self, k)
            self.__dict__.update(before)
            raise

    def _fit(self, X, y) -> "MLSTMFCNClassifier":
        self._check_params()
        X_arr, lengths = check_X(X, out_of_core=True)  # a memmap stays on disk, checked block by block
        y = check_y(y, X_arr.shape[0])
        check_classification_targets(y)  # "Unknown label type: continuous" for regression targets
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y has a single class ({self.classes_[0]!r}); a classifier needs at least 2, "
                             "one class is not enough.")
        _, c, t = X_arr.shape
        self.n_channels_, self.n_timepoints_ = c, t
        self.n_features_in_ = t if is_2d(X) else c  # X.shape[1], whatever container X came in
        self.equal_length_ = lengths is None
        stats = fit_scaling(X_arr, lengths, self.scaling)
        self.scaling_ = self.scaling  # what predict applies, whatever set_params does later
        self.input_mean_, self.input_scale_ = stats.get("mean"), stats.get("scale")
        X_arr = apply_scaling(X_arr, lengths, self.scaling, stats)
        self.device_ = device = resolve_device(self.device)
        self.autocast_dtype_ = autocast_dtype(self.precision, device)
        self.data_on_device_ = keep_on_device(self.data_on_device, 4 * X_arr.shape[0] * c * t, device,
                                              isinstance(X_arr, HostSeries))
        checkpointers, seed = self._checkpointers([X_arr, lengths, y_idx, self.classes_])
        # The passes after training (statistics, final figures) halve batches on OOM once for all.
        post_sizer = BatchSizer(self.predict_batch_size)
        networks, results, trained = [], [], []
        with forked_rng(device), cudnn_benchmark(device.type == "cuda" and self.cudnn_benchmark):
            for i, (member_seed, checkpointer) in enumerate(zip(member_seeds(seed, self.n_estimators),
                                                                checkpointers)):
                label = "fit" if self.n_estimators == 1 else f"fit {i + 1}/{self.n_estimators}"
                network, result, trained_idx = self._fit_network(X_arr, lengths, y_idx, member_seed,
                                                                 checkpointer, label, post_sizer)
                if result.interrupted and networks:
                    # An ensemble keeps the networks that finished; a part-trained one would
                    # weigh as much as they do in the average.
                    warn(f"Ensemble training interrupted: keeping the {len(networks)} of {self.n_estimators} "
                         "networks that finished training.", RuntimeWarning)
                    break
                networks.append(network)
                results.append(result)
                trained.append(trained_idx)
                if result.interrupted:
                    break
        # Attached only now: a fit that fails mid-training leaves no untrained network behind.
        self.network_ = networks[0] if self.n_estimators == 1 else MLSTMFCNEnsemble(networks).eval()
        self.histories_ = [r.history for r in results]
        self.best_epochs_ = [r.best_epoch for r in results]
        self.history_ = self.histories_[0]
        self.used_cuda_graph_ = any(r.used_cuda_graph for r in results)
        self.best_epoch_ = self.best_epochs_[0]
        self.n_epochs_ = len(self.history_["epoch"])
        # The figures of the model the caller gets, beside the history of how it was trained.
        idx = trained[0] if self.n_estimators == 1 else np.arange(X_arr.shape[0])
        data = training_series(X_arr, y_idx, lengths, idx, device, self.data_on_device_)
        weight = torch.tensor(class_weights(self.class_weight, self.classes_, y_idx[idx]), dtype=torch.float32,
                              device=device)
        self.train_loss_, self.train_accuracy_ = evaluate(self.network_, data, weight, post_sizer,
                                                          self.autocast_dtype_, "the final figures")
        return self

    def _checkpointers(self, arrays: list) -> tuple[list[Checkpointer | None], int]:
        """One checkpointer per network (or None each without ``checkpoint_dir``), and the run's seed.

        A killed ensemble fit resumes at the network it was on; a resumed run keeps its
        original seed (validation split, random streams), read from its checkpoint.
        """
        if self.checkpoint_dir is None:
            return [None] * self.n_estimators, seed_from(self.random_state)
        params = self.get_params(deep=False)
        if self.validation_split is not None:
            # Since class weights come from the training part, such runs differ from earlier
            # versions' runs of the same parameters: other names, so old checkpoints are not resumed.
            params["class_weights_of"] = "the training part"
        run = run_id(params, self.device_, arrays)
        runs = [run] if self.n_estimators == 1 else [f"{run}-{i}" for i in range(self.n_estimators)]
        checkpointers = [Checkpointer(self.checkpoint_dir, r, self.checkpoint_every) for r in runs]
        saved = checkpointers[0].read()
        for ckpt in checkpointers[1:]:
            ckpt.read()
        seed = int(saved["seed"]) if saved is not None else seed_from(self.random_state)
        for ckpt in checkpointers:
            ckpt.seed = seed
        return checkpointers, seed

    def _fit_network(self, X_arr: np.ndarray, lengths: np.ndarray | None, y_idx: np.ndarray, seed: int,
                     checkpointer: Checkpointer | None, label: str, post_sizer: BatchSizer):
        """Train one network from ``seed`` (inside ``fit``'s forked RNG).

        Returns the network, its :class:`~mlstm_fcn.training.TrainResult` and
        the indices of the series it trained on.
        """
        n = X_arr.shape[0]
        device = self.device_
        seed_torch(seed, device)
        train_idx, val_idx = np.arange(n), None
        if self.validation_split is not None:
            try:
                train_idx, val_idx = train_test_split(
                    np.arange(n), test_size=self.validation_split, stratify=y_idx, random_state=seed)
            except ValueError as exc:
                raise ValueError(f"validation_split={self.validation_split!r} cannot hold out a stratified "
                                 f"part of these {n} series: {exc}") from None
        # float32 whatever the caller's default dtype (torch.set_default_dtype).
        network = self._build_network().to(device=device, dtype=torch.float32)
        generator = torch.Generator(device=device)
        generator.manual_seed(seed)

        def on_device(idx):
            return training_series(X_arr, y_idx, lengths, idx, device, self.data_on_device_)

        config = TrainConfig(epochs=self.epochs, batch_size=self.batch_size, learning_rate=self.learning_rate,
                             min_learning_rate=self.min_learning_rate, lr_factor=protocol.LR_FACTOR,
                             lr_patience=self.lr_patience, early_stopping=self.early_stopping,
                             stop_when_fitted=self.stop_when_fitted,
                             autocast_dtype=self.autocast_dtype_,
                             cuda_graph=(bool(self.cuda_graph) and device.type == "cuda" and self.data_on_device_
                                         and not self.distributed))
        # Class weights from the series this network trains on, not the part held out.
        weight = torch.tensor(class_weights(self.class_weight, self.classes_, y_idx[train_idx]),
                              dtype=torch.float32, device=device)
        train_data = on_device(train_idx)
        fit_network = train_data_parallel if self.distributed else train
        result = fit_network(network, train_data, weight, config, generator,
                       None if val_idx is None else on_device(val_idx), checkpointer=checkpointer,
                       verbose=self.verbose, label=label, callbacks=tuple(self.callbacks or ()))
        if self.bn_statistics == "recompute":
            recompute_batchnorm_statistics(network, train_data, batch_size=post_sizer,
                                           autocast_dtype=self.autocast_dtype_)
        return network, result, train_idx

    def _build_network(self) -> MLSTMFCN:
        return MLSTMFCN(self.n_channels_, self.n_timepoints_, len(self.classes_),
                        lstm_units=self.lstm_units, attention=bool(self.attention),
                        filters=tuple(self.filters), kernel_sizes=tuple(self.kernel_sizes),
                        se_reduction=self.se_reduction, dropout=self.dropout,
                        lstm_orientation=self.lstm_orientation)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # 2D X is read as univariate series; the native input is 3D (n, channels, time).
        tags.input_tags.three_d_array = True
        return tags

    # ----------------------------------------------------------------- predict
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape ``(n_instances, n_classes)``, columns in ``classes_`` order.

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)
            Series with the channels (and length) seen in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_instances, n_classes)
        """
        return inference.predict_proba(self, X)

    def predict(self, X) -> np.ndarray:
        """Predicted labels, shape ``(n_instances,)``, taken from ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)
            Series with the channels (and length) seen in ``fit``.

        Returns
        -------
        labels : ndarray of shape (n_instances,)
        """
        winners = inference.logits(self, X).argmax(axis=1)  # first: an unfitted model says so
        return self.classes_[winners]

    def recompute_bn_statistics(self, X) -> "MLSTMFCNClassifier":
        """Set the fitted network's BatchNorm statistics to their exact values on ``X``.

        What ``fit`` does with ``bn_statistics="recompute"``, for a model
        fitted (or saved by an earlier version) with running statistics:
        pass it the training series. Every network of an ensemble gets the
        statistics of all of ``X``. The weights are not changed, nor are the
        parameters (``bn_statistics`` still says how the model was fitted).

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)
            Series as ``predict`` takes them (scaled as in fit, padding masked).

        Returns
        -------
        self : MLSTMFCNClassifier
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
        ``classes_``, history) in its JSON metadata, with format and package
        versions and a SHA-256 checksum. See :mod:`mlstm_fcn.io.model_file`.

        Parameters
        ----------
        path : str or path-like
            Destination file (``.safetensors`` is a fitting suffix).
        """
        model_file.save_model(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "MLSTMFCNClassifier":
        """Load a model written by :meth:`save`, on the CPU when no GPU is available.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save`.

        Returns
        -------
        estimator : MLSTMFCNClassifier
            The fitted estimator.

        Raises
        ------
        ValueError
            If the file is not such a model file, or is truncated or altered.
        """
        return model_file.load_model(cls, path)
