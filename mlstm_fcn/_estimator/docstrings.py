"""The docstrings of the classifier and the regressor: their own texts, put together with the shared entries.

The entries both estimators share live in :mod:`mlstm_fcn._estimator.docstring_entries`; here
is what differs (why a default is what it is, the attributes each has), so
that the estimators' modules hold their behaviour only.
"""

from __future__ import annotations

from .docstring_entries import ATTRIBUTES, indent, parameters_section, section

_CLASSIFIER_EPOCHS = """Most training epochs (fewer with ``min_epochs``,
``stop_when_fitted`` or ``early_stopping``). The paper trained 250 to
2000 epochs per dataset, and the "paper" preset trains 500. By default a
fit trains 100 epochs (``min_epochs``) and goes on only while the network
is still learning, up to 1000. A fit that reaches ``epochs`` while its
training loss is still falling raises a ``ConvergenceWarning``: raise
``epochs``."""

_CLASSIFIER_MIN_EPOCHS = """100 epochs with the stop rule below and recomputed
BatchNorm statistics were chosen by cross-validation on TRAIN splits
(``benchmarks/results/budgets/`` and ``recipe-cv/``), where longer
rules did no better on the 12 shared sets; going on past them while the
network is still learning keeps a network that 100 epochs cannot fit
from being stopped there (``benchmarks/studies/hard_case.py``)."""

_CLASSIFIER_FITTED_STOP = """; an epoch of the last window that
classifies every training series right stops it too, at or past
``min_epochs``"""

_CLASSIFIER_BATCH_SIZE = """Mini-batch size. 16, not the paper's 128: chosen by
cross-validation on the TRAIN splits of the 12 shared UEA datasets,
against 32, 64, 128 and a rule of the training set's size
(``benchmarks/results/recipe-cv/recipe.md``)."""

_CLASSIFIER_AUGMENTATION = """"cutmix" by default: chosen by cross-validation inside the TRAIN
splits of 11 UEA sets, judged set by set against the other transforms,
ensembles and LSTM sizes (``benchmarks/results/small-data/``), where it
was the only change that won by the study's rule. It costs CPU time:
fits of a few dozen series no longer stop early, since mixed series are
seldom all classified right (the user guide's "Getting more accuracy"
gives each lever's measured gain and cost). None trains on the series
as they are, as the "paper" preset does."""

_CLASSIFIER_ATTRIBUTES = ["classes_", "class_count_", "n_channels_", "n_timepoints_", "n_features_in_",
                          "equal_length_", "network_", "scaling_", "input_mean_", "device_", "history_",
                          "histories_", "best_epoch_", "best_epochs_", "n_epochs_", "converged_", "train_loss_",
                          "autocast_dtype_", "data_on_device_"]
_CLASSIFIER_OWN_ATTRIBUTES = {
    "classes_": """classes_ : ndarray of shape (n_classes,)
Class labels.""",
    "class_count_": """class_count_ : ndarray of shape (n_classes,)
Series (sums of sample weights) seen per class by ``partial_fit``; only after it.""",
    "train_loss_": """train_loss_, train_accuracy_ : float
Class-weighted loss and accuracy of the fitted model as ``predict``
runs it (evaluation mode, the kept weights and their BatchNorm
statistics) on the series it was trained on: all of ``X``, or the
part not held out by ``validation_split`` (for an ensemble with a
validation split, whose networks hold out different parts: all of
``X``). These describe the model you get; ``history_`` describes
training.""",
}


def classifier_docstring(cls: type) -> str:
    """The docstring of :class:`~mlstm_fcn.MLSTMFCNClassifier` (``cls``), its parameters read from its signature."""
    return f"""Multivariate LSTM-FCN classifier (Karim et al., Neural Networks 2019).

    Two branches read the same series ``(n_channels, n_timepoints)``: a fully
    convolutional branch (three Conv1d -> BatchNorm -> ReLU blocks, the first
    two followed by squeeze-and-excitation, then global average pooling) and
    an LSTM that steps over the *channels*, each step being one channel's
    whole series (the paper's "dimension shuffle"). Their features are
    concatenated and classified by a linear layer with softmax.

{indent(parameters_section(cls,
                averaged="class probabilities", epochs=_CLASSIFIER_EPOCHS, min_epochs=_CLASSIFIER_MIN_EPOCHS,
                fitted_stop=_CLASSIFIER_FITTED_STOP,
                batch_size=_CLASSIFIER_BATCH_SIZE, split="stratified", augmentation_default=_CLASSIFIER_AUGMENTATION,
                same_targets="and the same classes", target_stats="", and_proba=" and ``predict_proba``",
                accuracy=", accuracy"))}

{indent(section("Attributes", [{**ATTRIBUTES, **_CLASSIFIER_OWN_ATTRIBUTES}[a] for a in _CLASSIFIER_ATTRIBUTES],
                ensemble_output="its output is the log of the members' mean probabilities",
                accuracy=", ``accuracy``", val_accuracy=" and ``val_accuracy``"))}

    Examples
    --------
    >>> from mlstm_fcn import MLSTMFCNClassifier
    >>> from mlstm_fcn.datasets import load_uea
    >>> X, y = load_uea("BasicMotions", split="train")
    >>> clf = MLSTMFCNClassifier(epochs=20, random_state=0).fit(X, y)
    >>> clf.predict(X[:2]).shape
    (2,)
    """


_REGRESSOR_EPOCHS = """Most training epochs (fewer with ``early_stopping``); 500, as the
classifier's "paper" preset (the paper trained 250 to 2000 epochs per
dataset; regression was not part of it). Cross-validation inside the TRAIN
splits of Tecator and Covid3Month kept them: neither a cap of 100 epochs,
a budget of 2000 optimizer steps nor a plateau rule did better
(``benchmarks/results/regression-cv/``). A fit that reaches the cap while
its training loss is still falling says so with a ``ConvergenceWarning``."""

_REGRESSOR_MIN_EPOCHS = """None: the 500 epochs above, all trained, are what the
regression cross-validation kept; the classifier's ``min_epochs=100,
epochs=1000`` did no better there."""

_REGRESSOR_ATTRIBUTES = ["n_outputs_", "y_mean_", "n_channels_", "n_timepoints_", "n_features_in_",
                         "equal_length_", "network_", "scaling_", "input_mean_", "device_", "history_",
                         "histories_", "best_epoch_", "best_epochs_", "n_epochs_", "converged_", "train_loss_",
                         "autocast_dtype_", "data_on_device_"]
_REGRESSOR_OWN_ATTRIBUTES = {
    "n_outputs_": """n_outputs_ : int
Targets per series (columns of a 2D ``y``; 1 for a 1D ``y``).""",
    "y_mean_": """y_mean_, y_scale_ : ndarray of shape (n_outputs,)
Mean and standard deviation of the training targets (weighted by
``sample_weight``): the network learns ``(y - y_mean_) / y_scale_``
and ``predict`` undoes it.""",
    "train_loss_": """train_loss_ : float
Weighted mean squared error, in standardised target units, of the
fitted model as ``predict`` runs it on the series it was trained on
(see the classifier's ``train_loss_``).""",
}


def regressor_docstring(cls: type) -> str:
    """The docstring of :class:`~mlstm_fcn.MLSTMFCNRegressor` (``cls``), its parameters read from its signature."""
    return f"""Multivariate LSTM-FCN regressor: MLSTM-FCN with a linear output.

    The network of :class:`~mlstm_fcn.MLSTMFCNClassifier` (a convolutional
    branch with squeeze-and-excitation and an LSTM over the channels), whose
    linear head outputs one value per target instead of class logits,
    trained with the mean squared error on targets standardised inside
    ``fit``. Selection of the kept epoch is on the training loss or on a
    held-out (random, not stratified) ``validation_split``.

{indent(parameters_section(cls,
                averaged="the mean of the members' predictions", epochs=_REGRESSOR_EPOCHS,
                min_epochs=_REGRESSOR_MIN_EPOCHS,
                fitted_stop="", batch_size="Mini-batch size (the paper's).",
                augmentation_default="None by default: augmentation was studied for classification only.",
                split="at random",
                same_targets="and outputs", target_stats=" and the targets' standardisation",
                and_proba="", accuracy=""))}

{indent(section("Attributes", [{**ATTRIBUTES, **_REGRESSOR_OWN_ATTRIBUTES}[a] for a in _REGRESSOR_ATTRIBUTES],
                ensemble_output="its output is the members' mean", accuracy="", val_accuracy=""))}

    Examples
    --------
    >>> import numpy as np
    >>> from mlstm_fcn import MLSTMFCNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 2, 30)).astype("float32")
    >>> y = X[:, 0].mean(axis=1)
    >>> reg = MLSTMFCNRegressor(epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """


__all__ = ["classifier_docstring", "regressor_docstring"]
