"""The numpydoc text of the estimators' parameters and attributes, each written once.

:class:`~mlstm_fcn.MLSTMFCNClassifier` and :class:`~mlstm_fcn.MLSTMFCNRegressor`
share most parameters; their docstrings are put together from these entries
(:func:`section`), so that a parameter reads the same in both. The entries
give a parameter's type, never its default: :func:`parameters_section` reads
the defaults and the order of the parameters from the estimator's signature,
the one place they are stated.
"""

from __future__ import annotations

import inspect
import string
import textwrap

#: Parameter entries: the numpydoc header line without the default, then the description
#: (indented by section()).
PARAMETERS: dict[str, str] = {
    "lstm_units": """lstm_units : int
Cells of the LSTM branch (the paper searched 8, 64 and 128).""",
    "attention": """attention : bool
Use the attention LSTM (MALSTM-FCN).""",
    "lstm_orientation": """lstm_orientation : {"channels", "time"}
What the LSTM steps over: "channels" is the paper's dimension
shuffle (one step per channel, each step that channel's whole
series); "time" is the usual reading, one step per time point with
the channels as features (slower on long series: the LSTM then runs
``n_timepoints`` steps; with ``attention=True`` its memory also grows
with the square of ``n_timepoints``).""",
    "filters": """filters : tuple of int
Filters of the three convolution blocks.""",
    "kernel_sizes": """kernel_sizes : tuple of int
Kernel sizes of the convolution blocks ("same" padding).""",
    "se_reduction": """se_reduction : int
Reduction ratio of the squeeze-and-excitation blocks.""",
    "dropout": """dropout : float
Dropout on the LSTM branch's output.""",
    "scaling": """scaling : {None, "channel", "instance"}
Input scaling done inside the estimator (and again in ``predict``):
None feeds the series as given, as the paper does; "channel"
standardises each channel with the mean and standard deviation of
the training data; "instance" standardises each channel of each
series by its own statistics. Padding of unequal-length series is
left out of the statistics.""",
    "n_estimators": """n_estimators : int
Networks trained with different seeds (each with its own
initialisation, dropout, batch order and validation split) whose
outputs are averaged (${averaged}), as InceptionTime does with five.
Training time grows with it linearly.""",
    "epochs": """epochs : int
${epochs}
The best weights seen are kept in any case.""",
    "min_epochs": """min_epochs : int or None
Epochs after which the fit stops once the network is no longer
learning. At ``min_epochs`` it stops unless its training loss is still
falling (the mean over the last tenth of them, at most 20 epochs, below
that of the tenth before by more than 0.2% and two standard errors:
the test of ``converged_``); past them, it stops after five such
windows without a new lowest training loss${fitted_stop}
(:func:`mlstm_fcn.training.convergence.levelled_off`). ``epochs``
caps it in any case. None trains all ``epochs`` (unless another stop
rule ends the fit). ${min_epochs}""",
    "batch_size": """batch_size : int
${batch_size}""",
    "learning_rate": """learning_rate : float
Initial learning rate of Adam.""",
    "min_learning_rate": """min_learning_rate : float
Floor of the reduce-on-plateau schedule.""",
    "lr_patience": """lr_patience : int
Epochs without improvement of the monitored loss before the learning
rate is multiplied by ``1 / cbrt(2)``.""",
    "class_weight": """class_weight : "balanced", dict or None
Weights of the classes in the loss; "balanced" weights them inversely
to their frequency in the series trained on (without the part that
``validation_split`` holds out; with ``sample_weight``, frequencies
are sums of weights; in ``partial_fit``, of all series seen so far).
Each series' loss is weighted by its class weight times its sample
weight.""",
    "validation_split": """validation_split : float or None
Fraction of the training data held out (${split}) to select the
best epoch; ``None`` selects on the training loss, as the paper's
corrected code does. The test set is never used. ``partial_fit``
holds nothing out.""",
    "early_stopping": """early_stopping : int or None
Stop after this many epochs without improvement of the monitored loss
(counted within each call to ``fit``).""",
    "stop_when_fitted": """stop_when_fitted : int or None
Stop after this many epochs in a row in which every training series
was classified correctly (``history_["accuracy"]`` at 1); the best
weights up to then are kept as always. Data the network separates
early need no more epochs (BasicMotions at batches of 128 stops after
about 25; at batches of 16, dropout breaks the run of perfect epochs
more often, and it often trains until ``min_epochs``, where one such
epoch in the last window ends it); data it does not fit train on.
None never stops on it, as the paper does. A warm-started fit counts
its own epochs only.""",
    "bn_statistics": """bn_statistics : {"recompute", "running"}
Statistics that BatchNorm uses in ``predict``. "recompute" sets them,
once training has ended, to their exact values for the kept weights
on the series trained on (one pass per BatchNorm layer, in batches of
``predict_batch_size``, padding left out): the model then predicts
with statistics that belong to its weights. "running" keeps the
running averages of training with Keras' momentum of 0.99, as the
paper's code did; on small datasets (a few batches per epoch) those
still lag far behind the weights after hundreds of epochs, so that
``predict`` can score well below what the training history shows.
After ``partial_fit`` they are those of the series of that call.""",
    "warm_start": """warm_start : bool
When True, ``fit`` on a fitted estimator continues training for up to
``epochs`` more epochs (its stop rules, ``min_epochs`` among them,
count from there) from where the last fit ended (weights,
optimizer state, learning-rate schedule, random streams, history and
best weights so far) instead of starting anew; the data must have the
same channels (${same_targets}). Input scaling statistics${target_stats}
stay those of the first fit. Two fits of 50 epochs end where one of
100 does (when no stop rule ends either). A model loaded from a file keeps no optimizer state: it
continues from its weights with a new optimizer (with a warning).
Parameters that describe the fitted networks (``lstm_units``,
``attention``, ``lstm_orientation``, ``filters``, ``kernel_sizes``,
``se_reduction``), ``n_estimators`` and ``scaling`` cannot change
between a fit and its continuation: such a change is a ``ValueError``.""",
    "device": """device : str
"auto" (CUDA when available), "cpu", "cuda" or "cuda:N".""",
    "precision": """precision : {"auto", "fp32", "bf16"}
Arithmetic of training and prediction. "auto" is bf16 mixed precision
(autocast; weights stay float32) on GPUs that support it and float32
elsewhere; "bf16" asks for it on a GPU (an error on a CPU).""",
    "cuda_graph": """cuda_graph : bool
On CUDA, capture each training epoch in a CUDA graph and replay it
(falls back to plain execution, with a warning, when capture fails).""",
    "cudnn_benchmark": """cudnn_benchmark : bool
On CUDA, let cuDNN time its algorithms for the (fixed) batch shapes;
the global flag is restored after ``fit``.""",
    "predict_batch_size": """predict_batch_size : int
Batch size of ``predict``${and_proba}; memory stays bounded for any
number of series.""",
    "data_on_device": """data_on_device : {"auto", True, False}
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
needs the data on the device.""",
    "distributed": """distributed : bool
Train data-parallel over the initialised ``torch.distributed``
process group (launched by ``torchrun``; see
:mod:`mlstm_fcn.distributed`): every process fits with the same data
and parameters, trains on its shard of every batch under
DistributedDataParallel with BatchNorm statistics synchronised, and
ends with the same model; only rank 0 writes checkpoints. Without
``cuda_graph``; a fresh fit only (no ``warm_start`` or ``partial_fit``).""",
    "augmentation": """augmentation : str, callable, list of them, or None
Random changes of every training batch, drawn on the training device
with the fit's own random stream (reproducible under
``random_state``): a name of :data:`mlstm_fcn.augmentation.NAMES`
("window_slice", "jitter", "scaling", "magnitude_warp", "time_warp",
"mixup", "cutmix"), a callable (see :mod:`mlstm_fcn.augmentation`),
or a list of them applied in order. Validation, BatchNorm
statistics, the final figures and prediction see the series
unchanged. Unequal-length series stay masked. Augmented epochs run
without ``cuda_graph``; model files keep names, not callables.
${augmentation_default}""",
    "average_last_epochs": """average_last_epochs : int or None
Weight averaging (stochastic weight averaging over a window): the fit
ends with the mean of the weights after each of its last
``average_last_epochs`` epochs (all of them if it ran fewer) instead
of the best epoch's; BatchNorm statistics then follow
``bn_statistics`` ("recompute" computes them for the averaged weights;
"running" averages the running ones). One network's cost, a few copies
of its weights in memory. Checkpoints keep the window, so a resumed
fit averages what an uninterrupted one would. Trains one network at a
time (``fused=True`` refuses it); ``partial_fit`` still ends each call
with the latest weights. None keeps the best epoch's weights.""",
    "n_jobs": """n_jobs : int or None
CPU threads that torch computes with (intra-op) during ``fit``,
``partial_fit``, ``predict``${and_proba}, ``score`` and every other
pass of the network (interpretation, ``recompute_bn_statistics``), in
scikit-learn's sense: ``joblib.effective_n_jobs(n_jobs)``, so None is 1
unless inside a ``joblib.parallel_config(n_jobs=...)`` context, -1 is
every core, -2 all but one. It is never more than the machine's cores
nor than torch's thread count when the call begins
(``torch.get_num_threads()``, where ``OMP_NUM_THREADS``, threadpoolctl's
``threadpool_limits`` and ``torch.set_num_threads`` put their limits).
torch's thread count is set for the call and restored after it, also
after an error; on a GPU it governs the host side. One thread by
default: this small network gains little from more, a busy machine
slows several threads down far more than one, and a
``GridSearchCV(n_jobs=k)`` or ``cross_val_score(n_jobs=k)`` then runs
k fits on k threads (the user guide's "CPU threads" gives the figures).
Results can differ in the last bits between thread counts (float sums
in another order); the same count gives the same results.""",
    "random_state": """random_state : int, numpy Generator/RandomState or None
Seed of weight initialisation, dropout, batch order and the
validation split. The same integer gives identical results on CPU
(on the same number of threads: ``n_jobs``).
The caller's global random state is left untouched.""",
    "verbose": """verbose : int
1 shows a progress bar over epochs (loss${accuracy}, learning rate).""",
    "callbacks": """callbacks : list of callable or None
Functions called after every epoch, each with a
:class:`mlstm_fcn.training.EpochEnd` (epoch, history so far, the
weights kept so far, the network, the series it trains on with their
loss weights); their return values are ignored.
They watch training without changing it (so checkpoints ignore them),
and model files do not keep them.""",
    "checkpoint_dir": """checkpoint_dir : str, path-like or None
Directory for training checkpoints. A fit that finds there a
checkpoint of the same run (same parameters and data) resumes from
it, so a run killed mid-way continues where it stopped and, on CPU
with an integer ``random_state``, ends with the same weights as an
uninterrupted run. ``None`` writes no checkpoints; ``partial_fit``
writes none either.""",
    "checkpoint_every": """checkpoint_every : int
Epochs between checkpoints (one is also written when training ends).""",
    "fused": """fused : "auto" or bool
Train the ``n_estimators`` networks together as one fused module
(grouped convolutions, batched matmuls: :mod:`mlstm_fcn.nn.fused`),
each member training what it would train alone. "auto" fuses on
CUDA when ``n_estimators > 1`` for a fresh fit of resident data in
one process without ``checkpoint_dir``, ``callbacks`` or
``warm_start`` (nor for ``partial_fit`` or ``average_last_epochs``); on a CPU, sequential
training was measured faster. True fuses on any device (and refuses
those); False never fuses. Each member weighs every series as its
own fit would (class weights of its training series times
``sample_weight``). A
fused fit shows no progress bar, does not halve batches on GPU
out-of-memory, and on an interrupt keeps every member's best weights
so far. On CUDA its epochs run several per CUDA-graph replay,
decisions (best epoch, plateau schedule, stop rules) on the device.""",
}

#: Fitted attributes shared by both estimators.
ATTRIBUTES: dict[str, str] = {
    "n_channels_": """n_channels_ : int
Channels seen during fit.""",
    "n_timepoints_": """n_timepoints_ : int
Series length seen during fit (the longest, for unequal lengths).""",
    "n_features_in_": """n_features_in_ : int
``X.shape[1]`` of the training data, as in scikit-learn.""",
    "equal_length_": """equal_length_ : bool
Whether all training series had the same length.""",
    "network_": """network_ : MLSTMFCN or MLSTMFCNEnsemble
The trained PyTorch module, in eval mode: an ensemble of
``n_estimators`` networks when that is above 1 (${ensemble_output}).""",
    "scaling_": """scaling_ : str or None
The ``scaling`` used in fit, which ``predict`` applies.""",
    "input_mean_": """input_mean_, input_scale_ : ndarray of shape (n_channels,) or None
Channel statistics of the training data with ``scaling="channel"``,
else None.""",
    "device_": """device_ : torch.device
Device the network lives on.""",
    "history_": """history_ : dict of list
Per epoch, as training saw it (training-mode network: batch
statistics, dropout on; mean over the epoch's batches as the weights
changed): ``epoch`` (counted from 1), ``loss``${accuracy}, ``learning_rate``,
``time`` (seconds since the first epoch began, at the epoch's end) and,
with a validation split, ``val_loss``${val_accuracy}. For an
ensemble, the first network's (see ``histories_``). Warm-started fits
and ``partial_fit`` calls add to it.""",
    "histories_": """histories_ : list of dict
``history_`` of every network trained, in order.""",
    "best_epoch_": """best_epoch_ : int
Epoch whose weights were kept, counted from 1 like ``history_["epoch"]``
(the first network's in an ensemble); after ``partial_fit``, the latest.
With ``average_last_epochs``, the epoch of lowest monitored loss (the
weights kept are then the average).""",
    "best_epochs_": """best_epochs_ : list of int
Best epoch of every network trained.""",
    "n_epochs_": """n_epochs_ : int
Epochs run so far (by the first network in an ensemble).""",
    "converged_": """converged_ : bool or None
Whether training ended by a stop rule, or at the epoch cap with a
training loss that had stopped falling (its mean over the last tenth of
the epochs, at most 20, not below the tenth before by more than 0.2%
and two standard errors; see
:mod:`mlstm_fcn.training.convergence`), or a classifier that classifies
every training series right. False: the cap ended a network that was
still learning, and a ``ConvergenceWarning`` said so, or training was
interrupted; for an ensemble, every network is judged. None (no claim
either way): the cap ended a run too short to judge (fewer epochs than the
two compared windows, e.g. ``epochs=1``), or after ``partial_fit``.""",
    "autocast_dtype_": """autocast_dtype_ : torch.dtype or None
Mixed-precision dtype of training and prediction (None: float32).""",
    "data_on_device_": """data_on_device_ : bool
Whether fit kept the training set on the device (False: streamed).""",
}


def section(title: str, entries: list[str], **fill: str) -> str:
    """A numpydoc section (``Parameters``, ``Attributes``) of ``entries``, ``${name}`` filled from ``fill``."""
    lines = [title, "-" * len(title)]
    for entry in entries:
        header, _, body = string.Template(entry).substitute(fill).partition("\n")
        lines.append(header)
        lines.append(textwrap.indent(body, "    "))
    return "\n".join(lines)


def default_text(value) -> str:
    """A default as numpydoc writes it: strings quoted, the rest as Python prints them."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


def parameters_section(cls: type, **fill: str) -> str:
    """The ``Parameters`` section of ``cls``: its signature's parameters in order, each with its default."""
    entries = []
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name == "self":
            continue
        header, _, body = PARAMETERS[name].partition("\n")
        entries.append(f"{header}, default={default_text(parameter.default)}\n{body}")
    return section("Parameters", entries, **fill)


def indent(text: str, by: str = "    ") -> str:
    """``text`` indented for a class docstring (its first line too)."""
    return textwrap.indent(text, by)
