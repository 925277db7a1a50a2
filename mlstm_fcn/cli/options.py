"""The estimator options of ``mlstm-fcn fit`` (also the distributed launcher's), typed and checked while parsing.

Each option sets the estimator parameter of the same name; the help shows the
estimator's default, read from its signature when the help is shown (not when
the parser is built: that imports torch and scikit-learn).
"""

from __future__ import annotations

import argparse
import inspect

def _number(convert, accept, what: str):
    """An argparse type: ``convert(text)``, refused unless ``accept(value)``.

    Checked while parsing, so that a wrong option fails before any data is read.
    """
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


positive_int = _number(int, lambda v: v >= 1, "a positive integer")
positive_float = _number(float, lambda v: v > 0, "a positive number")
fraction = _number(float, lambda v: 0.0 < v < 1.0, "a number between 0 and 1 (exclusive)")


def positive_int_or_none(text: str) -> int | str:
    # "none" reaches the estimator as None (see estimator_option_values): the option given, with that value.
    return "none" if text.strip().lower() == "none" else positive_int(text)


def thread_count(text: str) -> int | str:
    # "none" reaches the estimator as None (one thread, or joblib's n_jobs); 0 threads mean nothing.
    if text.strip().lower() == "none":
        return "none"
    return _number(int, lambda v: v != 0, "a number of threads (-1: every core) or 'none'")(text)


def parse_ints(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def augmentation_names(text: str) -> str | list[str]:
    """``--augmentation``: a name of :data:`mlstm_fcn.augmentation.NAMES`, several joined by commas, or 'none'."""
    if text.strip().lower() == "none":
        return "none"
    from ..augmentation import NAMES  # imports torch: only when the option is given

    names = [n.strip() for n in text.split(",")]
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown augmentation {', '.join(map(repr, unknown))}; choose from "
                                         f"{', '.join(NAMES)}, several joined by commas, or 'none'")
    return names[0] if len(names) == 1 else names


def shown(value) -> str:
    return (",".join(map(str, value)) if isinstance(value, (tuple, list)) else "none" if value is None
            else str(value))


#: --threads: the estimator's n_jobs (fit's, and evaluate's and predict's for the loaded model).
THREADS_OPTION = ("--threads", "n_jobs", dict(
    type=thread_count, metavar="N",
    help="CPU threads torch computes with: N, -1 for every core, 'none' for one (or the n_jobs of an "
         "enclosing joblib context); never more than OMP_NUM_THREADS or the machine's cores"))

#: fit's options that set an estimator parameter of the same name: (flag, parameter, argparse
#: keywords). The help shows the estimator's default, read from its signature.
ESTIMATOR_OPTIONS = [
    ("--epochs", "epochs", dict(type=positive_int, help="training epochs")),
    ("--min-epochs", "min_epochs", dict(
        type=positive_int_or_none, metavar="N",
        help="from epoch N on, stop once the training loss has levelled off ('none': train all epochs)")),
    ("--lstm-units", "lstm_units", dict(type=positive_int, help="LSTM cells")),
    ("--lstm-orientation", "lstm_orientation", dict(
        choices=("channels", "time"),
        help="what the LSTM steps over: channels (the paper's dimension shuffle) or time")),
    ("--filters", "filters", dict(type=parse_ints, metavar="N,N,N", help="filters of the convolution blocks")),
    ("--kernel-sizes", "kernel_sizes", dict(type=parse_ints, metavar="K,K,K",
                                            help="kernel sizes of the convolution blocks")),
    ("--se-reduction", "se_reduction", dict(type=positive_int, metavar="R",
                                            help="squeeze-and-excitation reduction")),
    ("--scaling", "scaling", dict(choices=("none", "channel", "instance"),
                                  help="input scaling: none, per channel over the training data, or per series")),
    ("--n-estimators", "n_estimators", dict(
        type=positive_int, metavar="K", help="train K networks with different seeds and average their probabilities")),
    ("--batch-size", "batch_size", dict(type=positive_int, help="mini-batch size")),
    ("--learning-rate", "learning_rate", dict(type=positive_float, help="initial learning rate")),
    ("--validation-split", "validation_split", dict(
        type=fraction, metavar="F", help="fraction of the training data held out to choose the best epoch")),
    ("--early-stopping", "early_stopping", dict(type=positive_int, metavar="N",
                                                help="stop after N epochs without improvement")),
    ("--augmentation", "augmentation", dict(
        type=augmentation_names, metavar="NAME[,NAME]",
        help="random changes of every training batch: a name of mlstm_fcn.augmentation.NAMES (e.g. cutmix, "
             "jitter), several joined by commas, or 'none' to train on the series as they are")),
    ("--stop-when-fitted", "stop_when_fitted", dict(
        type=positive_int_or_none, metavar="N",
        help="stop after N epochs in a row at training accuracy 1 ('none': train all epochs)")),
    THREADS_OPTION,
]


class PresetNames:
    """The preset names as argparse ``choices``, read from :mod:`mlstm_fcn.presets` when first needed.

    The presets import torch; a command line that names no preset (and ``--help``) should not.
    """

    def __contains__(self, name: object) -> bool:
        from ..presets import PRESETS

        return name in PRESETS

    def __iter__(self):
        from ..presets import PRESETS

        return iter(sorted(PRESETS))


class FitHelpFormatter(argparse.HelpFormatter):
    """fit's help, each estimator option followed by the estimator's default.

    The defaults are read from the estimators' signatures when the help is
    shown, not when the parser is built: that imports torch and scikit-learn.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        names = {name for _, name, _ in ESTIMATOR_OPTIONS}
        if action.dest not in names or action.help is None:
            return action.help
        defaults, regression = estimator_defaults(), estimator_defaults("regression")
        note = f"default: {shown(defaults[action.dest])}"
        if action.dest not in regression:
            note += "; classification only"
        elif regression[action.dest] != defaults[action.dest]:
            note += f"; regression: {shown(regression[action.dest])}"
        return f"{action.help} ({note.replace('%', '%%')})"


#: Values of fit's --task.
TASKS = ("auto", "classification", "regression")


def estimator_defaults(task: str = "classification") -> dict:
    from ..loading import ESTIMATORS

    cls = ESTIMATORS["MLSTMFCNRegressor" if task == "regression" else "MLSTMFCNClassifier"]
    return {k: v.default for k, v in inspect.signature(cls).parameters.items()}



def add_estimator_options(parser: argparse.ArgumentParser) -> None:
    """Add :data:`ESTIMATOR_OPTIONS` to ``parser`` (each stores into the parameter's name, default None)."""
    for flag, name, kwargs in ESTIMATOR_OPTIONS:
        parser.add_argument(flag, dest=name, **kwargs)


def add_threads_option(parser: argparse.ArgumentParser) -> None:
    """Add :data:`THREADS_OPTION` to ``parser`` of a command that runs a saved model (default: the model's)."""
    flag, name, kwargs = THREADS_OPTION
    parser.add_argument(flag, dest=name, **{**kwargs, "help": kwargs["help"] + " (default: the model's, "
                                                                               "saved by fit)"})


def estimator_option_values(args: argparse.Namespace) -> dict:
    """The estimator parameters that the options given set (``none`` read as None)."""
    values = {name: getattr(args, name) for _, name, _ in ESTIMATOR_OPTIONS if getattr(args, name, None) is not None}
    return {k: None if v == "none" else v for k, v in values.items()}
