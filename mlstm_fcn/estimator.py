"""``MLSTMFCNClassifier``: MLSTM-FCN as a scikit-learn classifier."""

from __future__ import annotations

import contextlib
import io
import numbers
import os
import warnings
from collections.abc import Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from . import persistence
from ._compat import fill_missing_params, upgrade_fitted_state
from ._device import resolve_device
from ._memory import BatchSizer, map_batches
from ._scaling import SCALINGS, apply_scaling, fit_scaling
from ._validation import check_X, check_y
from .batchnorm_statistics import recompute_batchnorm_statistics
from .checkpoint import Checkpointer, run_id
from .nn import MLSTMFCN, MLSTMFCNEnsemble, build_network
from .nn.lstm import ORIENTATIONS
from .training import TrainConfig, TrainData, autocast_context, evaluate, train

#: Learning-rate factor of the paper's reduce-on-plateau schedule.
LR_FACTOR = 1.0 / 2 ** (1.0 / 3.0)

#: Values of ``bn_statistics``.
BN_STATISTICS = ("recompute", "running")


@contextlib.contextmanager
def _cudnn_benchmark(enabled: bool):
    """Set cuDNN's benchmark flag for the duration of a fit, then restore the caller's."""
    previous = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = enabled or previous
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = previous


def _member_seeds(seed: int, k: int) -> list[int]:
    """Seeds of ``k`` ensemble networks: the first is ``seed`` itself (so that
    ``n_estimators=1`` trains exactly the single network of that seed), the
    others independent streams derived from it."""
    extra = np.random.SeedSequence(seed).generate_state(max(k - 1, 0), dtype=np.uint32)
    return [seed] + [int(v) % (2**31 - 1) for v in extra]


def _is_2d(X) -> bool:
    if hasattr(X, "ndim"):
        return X.ndim == 2
    try:
        return np.asarray(X).ndim == 2  # __array__ only: array-likes may refuse numpy's functions
    except (ValueError, TypeError):  # a ragged list of series
        return False


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
    epochs : int, default=500
        Training epochs. The paper trained 250 to 2000 epochs per dataset.
        500 leaves room for several reductions of the learning rate (whose
        patience is 100 epochs) while keeping a CPU fit of a small UEA
        dataset to about a minute; the best weights seen are kept in any case.
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
        to their frequency in the training data.
    validation_split : float or None, default=None
        Fraction of the training data held out (stratified) to select the
        best epoch; ``None`` selects on the training loss, as the paper's
        corrected code does. The test set is never used.
    early_stopping : int or None, default=None
        Stop after this many epochs without improvement of the monitored loss.
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

    Examples
    --------
    >>> from mlstm_fcn import MLSTMFCNClassifier
    >>> from mlstm_fcn.datasets import load_uea
    >>> X, y = load_uea("BasicMotions", split="train")
    >>> clf = MLSTMFCNClassifier(epochs=20, random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).shape
    (2,)
    """

    def __init__(self, lstm_units: int = 8, attention: bool = False, lstm_orientation: str = "channels",
                 filters: Sequence[int] = (128, 256, 128), kernel_sizes: Sequence[int] = (8, 5, 3),
                 se_reduction: int = 16, dropout: float = 0.8, scaling: str | None = None,
                 n_estimators: int = 1, epochs: int = 500,
                 batch_size: int = 128, learning_rate: float = 1e-3, min_learning_rate: float = 1e-4,
                 lr_patience: int = 100, class_weight="balanced", validation_split: float | None = None,
                 early_stopping: int | None = None, bn_statistics: str = "recompute", device="auto", precision: str = "auto",
                 cuda_graph: bool = True, cudnn_benchmark: bool = True, predict_batch_size: int = 1024,
                 random_state=None, verbose: int = 0, callbacks: Sequence | None = None, checkpoint_dir: str | os.PathLike | None = None,
                 checkpoint_every: int = 10) -> None:
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
        def positive_int(name, allow_none=False):
            v = getattr(self, name)
            if allow_none and v is None:
                return
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}.")

        for name in ("lstm_units", "n_estimators", "epochs", "batch_size", "se_reduction", "lr_patience",
                     "predict_batch_size", "checkpoint_every"):
            positive_int(name)
        positive_int("early_stopping", allow_none=True)
        if not isinstance(self.verbose, numbers.Integral) or self.verbose < 0:
            raise ValueError(f"verbose must be a non-negative integer, got {self.verbose!r}.")
        for name in ("filters", "kernel_sizes"):
            v = getattr(self, name)
            if (not isinstance(v, (tuple, list)) or not v or
                    any(isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1 for k in v)):
                raise ValueError(f"{name} must be a non-empty sequence of positive integers, got {v!r}.")
        if len(self.filters) != len(self.kernel_sizes):
            raise ValueError(f"filters and kernel_sizes must have the same length, got "
                             f"{len(self.filters)} and {len(self.kernel_sizes)}.")
        def real(v) -> bool:  # True/False are Real to Python, but never a rate
            return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))

        if not real(self.dropout) or not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}.")
        for name in ("learning_rate", "min_learning_rate"):
            v = getattr(self, name)
            if not real(v) or not v > 0:
                raise ValueError(f"{name} must be a positive number, got {v!r}.")
        if self.validation_split is not None and (
                not real(self.validation_split) or not 0.0 < self.validation_split < 1.0):
            raise ValueError(f"validation_split must be None or in (0, 1), got {self.validation_split!r}.")
        cw = self.class_weight
        if not (cw is None or isinstance(cw, dict) or (isinstance(cw, str) and cw == "balanced")):
            raise ValueError(f"class_weight must be 'balanced', a dict or None, got {self.class_weight!r}.")
        for name in ("attention", "cuda_graph", "cudnn_benchmark"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}.")
        if not isinstance(self.lstm_orientation, str) or self.lstm_orientation not in ORIENTATIONS:
            raise ValueError(f"lstm_orientation must be 'channels' or 'time', got {self.lstm_orientation!r}.")
        if not (self.scaling is None or (isinstance(self.scaling, str) and self.scaling in SCALINGS)):
            raise ValueError(f"scaling must be None, 'channel' or 'instance', got {self.scaling!r}.")
        if not (isinstance(self.bn_statistics, str) and self.bn_statistics in BN_STATISTICS):
            raise ValueError(f"bn_statistics must be 'recompute' or 'running', got {self.bn_statistics!r}.")
        if self.callbacks is not None and (not isinstance(self.callbacks, (list, tuple))
                                           or not all(callable(c) for c in self.callbacks)):
            raise ValueError(f"callbacks must be None or a list of callables, got {self.callbacks!r}.")
        if self.precision not in ("auto", "fp32", "bf16"):
            raise ValueError(f"precision must be 'auto', 'fp32' or 'bf16', got {self.precision!r}.")
        if self.checkpoint_dir is not None and not isinstance(self.checkpoint_dir, (str, os.PathLike)):
            raise ValueError(f"checkpoint_dir must be None or a path, got {self.checkpoint_dir!r}.")
        try:
            resolve_device(self.device)
        except ValueError as exc:
            raise ValueError(str(exc)) from None

    def _autocast_dtype(self, device: torch.device) -> torch.dtype | None:
        if self.precision == "fp32":
            return None
        if self.precision == "bf16":
            if device.type != "cuda":
                # oneDNN's LSTM has no bf16 kernel on most CPUs: it would fail deep in torch.
                raise ValueError("precision='bf16' needs a CUDA GPU; use precision='fp32' or 'auto' on a CPU.")
            if not torch.cuda.is_bf16_supported():
                raise ValueError("precision='bf16' was asked for, but this GPU does not support bfloat16.")
            return torch.bfloat16
        return torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else None

    def _seed(self) -> int:
        rs = self.random_state
        if rs is None:
            # Fresh entropy, not the global numpy state: fitting leaves that alone.
            return int(np.random.default_rng().integers(2**31 - 1))
        if isinstance(rs, (bool, np.bool_)) or not isinstance(rs, (numbers.Integral, np.random.RandomState,
                                                                    np.random.Generator)):
            raise ValueError(f"random_state must be None, an int, a RandomState or a Generator, got {rs!r}.")
        if isinstance(rs, numbers.Integral):
            return int(rs) % (2**31 - 1)
        return int(rs.randint(2**31 - 1) if isinstance(rs, np.random.RandomState) else rs.integers(2**31 - 1))

    def _class_weights(self, y_idx: np.ndarray) -> np.ndarray:
        n_classes = len(self.classes_)
        if self.class_weight is None:
            return np.ones(n_classes)
        if self.class_weight == "balanced":
            present = np.unique(y_idx)
            w = np.ones(n_classes)
            w[present] = compute_class_weight("balanced", classes=present, y=y_idx)
            return w
        unknown = set(self.class_weight) - set(self.classes_.tolist())
        if unknown:
            raise ValueError(f"class_weight names labels not in y: {sorted(map(str, unknown))}.")
        return np.array([float(self.class_weight.get(c, 1.0)) for c in self.classes_])

    # --------------------------------------------------------------------- fit
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
        X_arr, lengths = check_X(X)
        y = check_y(y, X_arr.shape[0])
        check_classification_targets(y)  # "Unknown label type: continuous" for regression targets
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y has a single class ({self.classes_[0]!r}); a classifier needs at least 2, "
                             "one class is not enough.")
        _, c, t = X_arr.shape
        self.n_channels_, self.n_timepoints_ = c, t
        self.n_features_in_ = t if _is_2d(X) else c  # X.shape[1], whatever container X came in
        self.equal_length_ = lengths is None
        stats = fit_scaling(X_arr, lengths, self.scaling)
        self.scaling_ = self.scaling  # what predict applies, whatever set_params does later
        self.input_mean_, self.input_scale_ = stats.get("mean"), stats.get("scale")
        X_arr = apply_scaling(X_arr, lengths, self.scaling, stats)
        self.device_ = resolve_device(self.device)
        self.autocast_dtype_ = self._autocast_dtype(self.device_)
        checkpointers = [None] * self.n_estimators
        saved = None
        if self.checkpoint_dir is not None:
            run = run_id(self.get_params(deep=False), self.device_, [X_arr, lengths, y_idx, self.classes_])
            # One checkpoint per network: a killed ensemble fit resumes at the network it was on.
            runs = [run] if self.n_estimators == 1 else [f"{run}-{i}" for i in range(self.n_estimators)]
            checkpointers = [Checkpointer(self.checkpoint_dir, r, self.checkpoint_every) for r in runs]
            saved = checkpointers[0].read()
            for ckpt in checkpointers[1:]:
                ckpt.read()
        # A resumed run keeps its original seed (validation split, RNG streams).
        seed = int(saved["seed"]) if saved is not None else self._seed()
        for ckpt in checkpointers:
            if ckpt is not None:
                ckpt.seed = seed
        class_weight = self._class_weights(y_idx)

        device = self.device_
        fork_devices = [device.index] if device.type == "cuda" else []
        networks, results, trained = [], [], []
        # The passes after training (statistics, final figures) halve batches on OOM once for all.
        post_sizer = BatchSizer(self.predict_batch_size)
        with torch.random.fork_rng(devices=fork_devices), _cudnn_benchmark(
                device.type == "cuda" and self.cudnn_benchmark):
            seeds = _member_seeds(seed, self.n_estimators)
            for i, (member_seed, checkpointer) in enumerate(zip(seeds, checkpointers)):
                label = "fit" if self.n_estimators == 1 else f"fit {i + 1}/{self.n_estimators}"
                network, result, trained_idx = self._fit_network(X_arr, lengths, y_idx, class_weight,
                                                                 member_seed, checkpointer, label, post_sizer)
                if result.interrupted and networks:
                    # An ensemble keeps the networks that finished; a part-trained one would
                    # weigh as much as they do in the average.
                    warnings.warn(f"Ensemble training interrupted: keeping the {len(networks)} of "
                                  f"{self.n_estimators} networks that finished training.", RuntimeWarning,
                                  stacklevel=3)
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
        data = TrainData(torch.from_numpy(X_arr[idx]).to(device),
                         torch.from_numpy(y_idx[idx].astype(np.int64)).to(device),
                         None if lengths is None else torch.from_numpy(lengths[idx]).to(device))
        self.train_loss_, self.train_accuracy_ = evaluate(
            self.network_, data, torch.tensor(class_weight, dtype=torch.float32, device=device),
            post_sizer, self.autocast_dtype_, "the final figures")
        return self

    def _fit_network(self, X_arr: np.ndarray, lengths: np.ndarray | None, y_idx: np.ndarray,
                     class_weight: np.ndarray, seed: int, checkpointer: Checkpointer | None,
                     label: str = "fit", post_sizer: BatchSizer | None = None):
        """Train one network from ``seed`` (inside ``fit``'s forked RNG); return it and its result."""
        n = X_arr.shape[0]
        device = self.device_
        torch.default_generator.manual_seed(seed)
        if device.type == "cuda":
            with torch.cuda.device(device):
                torch.cuda.manual_seed(seed)
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

        def to_data(idx):
            return TrainData(
                torch.from_numpy(X_arr[idx]).to(device),
                torch.from_numpy(y_idx[idx].astype(np.int64)).to(device),
                None if lengths is None else torch.from_numpy(lengths[idx]).to(device))

        config = TrainConfig(epochs=self.epochs, batch_size=self.batch_size,
                             learning_rate=self.learning_rate, min_learning_rate=self.min_learning_rate,
                             lr_factor=LR_FACTOR, lr_patience=self.lr_patience,
                             early_stopping=self.early_stopping, verbose=self.verbose,
                             progress_label=label, autocast_dtype=self.autocast_dtype_,
                             cuda_graph=bool(self.cuda_graph) and device.type == "cuda",
                             callbacks=tuple(self.callbacks or ()))
        train_data = to_data(train_idx)
        result = train(network, train_data, torch.tensor(class_weight, dtype=torch.float32, device=device),
                       config, generator, None if val_idx is None else to_data(val_idx),
                       checkpointer=checkpointer)
        if self.bn_statistics == "recompute":
            recompute_batchnorm_statistics(network, train_data.X, train_data.lengths,
                                           batch_size=post_sizer or self.predict_batch_size,
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
    def _check_predict_X(self, X) -> tuple[np.ndarray, np.ndarray | None]:
        """``X`` as the network reads it: validated, padded or cut to the fitted length, scaled."""
        X_arr, lengths = self._fitted_length_X(X)
        stats = {"mean": getattr(self, "input_mean_", None), "scale": getattr(self, "input_scale_", None)}
        return apply_scaling(X_arr, lengths, getattr(self, "scaling_", None), stats), lengths

    def _fitted_length_X(self, X) -> tuple[np.ndarray, np.ndarray | None]:
        check_is_fitted(self, "network_")
        X_arr, lengths = check_X(X)
        n, c, t = X_arr.shape
        if c != self.n_channels_:
            raise ValueError(f"X has {c} channels, but {type(self).__name__} was fitted on "
                             f"{self.n_channels_} channels.")
        if self.equal_length_:
            if t != self.n_timepoints_ or lengths is not None:
                got = t if lengths is None else f"{lengths.min()}-{t}"
                name = type(self).__name__
                # A 2D X holds univariate series, one time step per column: say it in
                # scikit-learn's words too, as its n_features_in_ check expects.
                sk = (f"X has {t} features, but {name} is expecting {self.n_timepoints_} features as "
                      "input (2D X: one column per time step). " if _is_2d(X) else "")
                raise ValueError(f"{sk}X has series of length {got}, but {name} was fitted on "
                                 f"series of length {self.n_timepoints_}; resample or pad them first.")
            return X_arr, None
        if lengths is None:
            lengths = np.full(n, t, dtype=np.int64)
        if t > self.n_timepoints_:
            longest = int(lengths.max())
            if longest > self.n_timepoints_:  # columns of padding alone are cut silently
                warnings.warn(f"X has series up to {longest} steps, longer than the longest seen in fit "
                              f"({self.n_timepoints_}); they are truncated to {self.n_timepoints_} steps.",
                              # 6 = the user's call: predict[_proba] -> torch's inference_mode
                              # wrapper -> _logits -> _check_predict_X -> here.
                              UserWarning, stacklevel=6)
            X_arr = np.ascontiguousarray(X_arr[:, :, : self.n_timepoints_])
            lengths = np.minimum(lengths, self.n_timepoints_)
        elif t < self.n_timepoints_:
            X_arr = np.pad(X_arr, ((0, 0), (0, 0), (0, self.n_timepoints_ - t)))
        return X_arr, lengths

    def _predict_device(self) -> torch.device:
        dev = self.device_
        if dev.type == "cuda" and not torch.cuda.is_available():
            return torch.device("cpu")
        if dev.type == "cuda" and (dev.index or 0) >= torch.cuda.device_count():
            # Fitted on a GPU this machine does not have (cuda:1 opened where there is one GPU).
            return torch.device("cuda", torch.cuda.current_device())
        return dev

    @torch.inference_mode()
    def _logits(self, X) -> np.ndarray:
        X_arr, lengths = self._check_predict_X(X)
        device = self._predict_device()
        network = self.network_.to(device).eval()
        dtype = getattr(self, "autocast_dtype_", None) if device.type == "cuda" else None

        def batch(start: int, stop: int) -> torch.Tensor:
            xb = torch.from_numpy(X_arr[start:stop]).to(device, non_blocking=True)
            lb = None if lengths is None else torch.from_numpy(lengths[start:stop]).to(device)
            with autocast_context(device, dtype):
                logits = network(xb, lb)
            return logits.float().cpu()  # results stay on the host: GPU memory stays bounded

        return torch.cat(map_batches(batch, X_arr.shape[0], self.predict_batch_size, "predict")).numpy()

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
        logits = self._logits(X).astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        return proba / proba.sum(axis=1, keepdims=True)

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
        logits = self._logits(X)
        return self.classes_[logits.argmax(axis=1)]

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
        X_arr, lengths = self._check_predict_X(X)
        device = self._predict_device()
        network = self.network_.to(device)
        members = network.members if isinstance(network, MLSTMFCNEnsemble) else [network]
        xt = torch.from_numpy(X_arr).to(device)
        lt = None if lengths is None else torch.from_numpy(lengths).to(device)
        dtype = getattr(self, "autocast_dtype_", None) if device.type == "cuda" else None
        for member in members:
            recompute_batchnorm_statistics(member, xt, lt, batch_size=self.predict_batch_size,
                                           autocast_dtype=dtype)
        return self

    # ---------------------------------------------------------------- pickling
    def __getstate__(self) -> dict:
        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__.copy()
        state = dict(state)
        network = state.pop("network_", None)
        if network is not None:
            # Weights are stored as CPU tensors, so that a model fitted on a GPU
            # unpickles on a machine without one (as skorch does).
            buffer = io.BytesIO()
            torch.save({k: v.detach().cpu() for k, v in network.state_dict().items()}, buffer)
            state["_network_config"] = dict(network.config)
            state["_network_state"] = buffer.getvalue()
        if "device_" in state:
            state["device_"] = str(state["device_"])
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        config = state.pop("_network_config", None)
        weights = state.pop("_network_state", None)
        if "device_" in state:
            state["device_"] = torch.device(state["device_"])
        fill_missing_params(state, type(self))
        upgrade_fitted_state(state)
        self.__dict__.update(state)
        if config is not None:
            network = build_network(config).to(torch.float32)
            network.load_state_dict(torch.load(io.BytesIO(weights), map_location="cpu", weights_only=True))
            self.network_ = network.to(self._predict_device()).eval()

    # -------------------------------------------------------------- save/load
    def save(self, path: str | os.PathLike) -> None:
        """Save the fitted model to one file that loading cannot execute code from.

        Weights go in safetensors format, everything else (parameters,
        ``classes_``, history) in its JSON metadata, with format and package
        versions and a SHA-256 checksum. See :mod:`mlstm_fcn.persistence`.

        Parameters
        ----------
        path : str or path-like
            Destination file (``.safetensors`` is a fitting suffix).
        """
        persistence.save_model(self, path)

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
        return persistence.load_model(cls, path)
