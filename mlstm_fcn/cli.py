"""The ``mlstm-fcn`` command: list datasets, fit, evaluate and predict from the shell.

    mlstm-fcn datasets
    mlstm-fcn fit BasicMotions --epochs 500 --device auto --out bm.model
    mlstm-fcn evaluate bm.model BasicMotions
    mlstm-fcn fit NATOPS --download --out natops.model    # not bundled: fetched into the user cache
    mlstm-fcn fit X_TRAIN.npy --y y_TRAIN.npy --out my.model  # or one .npz holding X and y
    mlstm-fcn predict bm.model my_series.ts --proba
    mlstm-fcn export bm.model bm.onnx
    mlstm-fcn fit Tecator --out tecator.model       # regression (@targetLabel true); sktime ships Tecator

A dataset is a UEA archive name (looked up as in :func:`mlstm_fcn.datasets.load_uea`,
``--data-dir`` first) or a data file read by :mod:`mlstm_fcn._data_files` (``.ts``,
``.npy``, ``.npz``). Results print as a table,
or as JSON with ``--json``. Errors print one line on stderr and exit with
status 1 (2 for a wrong command line); ``MLSTM_FCN_DEBUG=1`` shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from . import __version__
from ._text_output import emit, pairs, table
from ._text_output import one_line as _one_line

PROG = "mlstm-fcn"


class CLIError(Exception):
    """An error whose message is shown to the user as is."""


# ---------------------------------------------------------------- model files
def _save_model(clf, path: str | os.PathLike) -> None:
    """Write a fitted classifier or regressor to ``path`` in the safe model format."""
    clf.save(path)


def _load_model(path: str | os.PathLike):
    """Read a classifier or regressor written by :func:`_save_model`; the file runs no code."""
    from .loading import load_model

    path = Path(path)
    if not path.is_file():
        raise CLIError(f"model file not found: {path}")
    return load_model(path)


def _is_regressor(model) -> bool:
    from sklearn.base import is_regressor

    return is_regressor(model)


# --------------------------------------------------------------------- data
def _load_data(spec: str, split: str, data_dir: str | None, download: bool = False,
               labels: str | None = None) -> tuple[np.ndarray, np.ndarray | None, str]:
    """``(X, y, description)`` from a data file, a dataset folder or a UEA name (and split).

    ``labels`` is a ``.npy`` file of labels for the series of a data file; ``download`` fetches
    a UEA dataset found nowhere locally.
    """
    from ._data_files import is_data_file_name, read_data_file
    from .datasets import split_file

    path = Path(spec)
    if path.is_dir():
        # A dataset's own folder: <Name>/<Name>_TRAIN.ts (or _TEST.ts) inside it.
        file = split_file(path, split)
        if not file.is_file():
            raise CLIError(f"{path} is a folder, not a .ts file, and holds no {file.name} "
                           f"(give a data file, or a dataset folder holding <Name>_{split.upper()}.ts)")
        X, y = read_data_file(file, labels)
        return X, y, f"{file} ({split})"
    if is_data_file_name(spec) or path.is_file() or os.sep in spec or (os.altsep and os.altsep in spec):
        X, y = read_data_file(path, labels)
        return X, y, str(path)
    if labels is not None:
        raise CLIError(f"--y gives the labels of a .npy file; {spec!r} is a dataset name")
    if data_dir is not None and not Path(data_dir).is_dir():
        # Searched first when given: a mistyped one would silently read another copy further on.
        raise CLIError(f"--data-dir {data_dir} is not a folder")
    return _load_named(spec, split, data_dir, download)


def _load_named(name: str, split: str, data_dir: str | None, download: bool):
    from .datasets import find_uea, load_uea, local_names, not_found_hint, uea_search_path

    try:
        X, y = load_uea(name, split=split, data_dir=data_dir, download=download)
    except FileNotFoundError:
        places = ", ".join(str(d) for d in uea_search_path(data_dir))
        here = ", ".join(local_names(data_dir)) or "none"
        raise CLIError(
            f"unknown dataset {name!r} (not a data file: .ts, .npy, .npz).{not_found_hint(name, data_dir)} No "
            f"{name}/{name}_TRAIN.ts in {places}. Available here: {here}. To get a UEA dataset: add --download "
            f"(fetches it into the user cache), or in Python load_uea({name!r}, download=True); --data-dir names "
            f"an archive folder (see '{PROG} datasets')") from None
    folder = find_uea(name, data_dir)  # the name as spelled on disk
    return X, y, f"{folder.name if folder is not None else name} ({split})"


def _lengths_note(X: np.ndarray) -> str:
    from .datasets import series_lengths

    lengths = series_lengths(X)
    if lengths.min() == lengths.max():
        return f"length {X.shape[2]}"
    return f"lengths {lengths.min()}-{lengths.max()}"


# ------------------------------------------------------------------ commands
def cmd_datasets(args) -> None:
    """The UEA archive's catalogue, plus any other dataset found locally, and where each is."""
    from . import datasets

    entries = [dataclasses.asdict(item) for item in datasets.list_uea(args.data_dir)]
    known = {e["name"] for e in entries}
    entries += [{"name": n} for n in datasets.local_names(args.data_dir) if n not in known]
    bundled = datasets.BUNDLED_DIR.resolve()
    for e in entries:
        folder = datasets.find_uea(e["name"], args.data_dir)
        e["local"] = None if folder is None else str(folder)
        e["where"] = ("-" if folder is None else
                      "bundled" if folder.resolve().parent == bundled else str(folder.parent))
    if args.local:
        entries = [e for e in entries if e["local"] is not None]
    columns = ["name"] + [k for k in entries[0] if k not in ("name", "local", "where", "path")] + ["where"] \
        if entries else ["name", "where"]
    rows = [[e.get(k) for k in columns] for e in entries]
    n_local = sum(e["local"] is not None for e in entries)
    text = table(columns, rows) + f"\n\n{len(entries)} dataset(s), {n_local} available locally"
    emit(args.json, {"datasets": entries}, text)


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


_positive_int = _number(int, lambda v: v >= 1, "a positive integer")
_positive_float = _number(float, lambda v: v > 0, "a positive number")
_fraction = _number(float, lambda v: 0.0 < v < 1.0, "a number between 0 and 1 (exclusive)")


def _positive_int_or_none(text: str) -> int | str:
    # "none" reaches the estimator as None (see cmd_fit): the option given, with that value.
    return "none" if text.strip().lower() == "none" else _positive_int(text)


def _parse_ints(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


#: fit's options that set an estimator parameter of the same name: (flag, parameter, argparse
#: keywords). The help shows the estimator's default, read from its signature.
_ESTIMATOR_OPTIONS = [
    ("--epochs", "epochs", dict(type=_positive_int, help="training epochs")),
    ("--lstm-units", "lstm_units", dict(type=_positive_int, help="LSTM cells")),
    ("--lstm-orientation", "lstm_orientation", dict(
        choices=("channels", "time"),
        help="what the LSTM steps over: channels (the paper's dimension shuffle) or time")),
    ("--filters", "filters", dict(type=_parse_ints, metavar="N,N,N", help="filters of the convolution blocks")),
    ("--kernel-sizes", "kernel_sizes", dict(type=_parse_ints, metavar="K,K,K",
                                            help="kernel sizes of the convolution blocks")),
    ("--se-reduction", "se_reduction", dict(type=_positive_int, metavar="R",
                                            help="squeeze-and-excitation reduction")),
    ("--scaling", "scaling", dict(choices=("none", "channel", "instance"),
                                  help="input scaling: none, per channel over the training data, or per series")),
    ("--n-estimators", "n_estimators", dict(
        type=_positive_int, metavar="K", help="train K networks with different seeds and average their probabilities")),
    ("--batch-size", "batch_size", dict(type=_positive_int, help="mini-batch size")),
    ("--learning-rate", "learning_rate", dict(type=_positive_float, help="initial learning rate")),
    ("--validation-split", "validation_split", dict(
        type=_fraction, metavar="F", help="fraction of the training data held out to choose the best epoch")),
    ("--early-stopping", "early_stopping", dict(type=_positive_int, metavar="N",
                                                help="stop after N epochs without improvement")),
    ("--stop-when-fitted", "stop_when_fitted", dict(
        type=_positive_int_or_none, metavar="N",
        help="stop after N epochs in a row at training accuracy 1 ('none': train all epochs)")),
]


class _PresetNames:
    """The preset names as argparse ``choices``, read from :mod:`mlstm_fcn.presets` when first needed.

    The presets import torch; a command line that names no preset (and ``--help``) should not.
    """

    def __contains__(self, name: object) -> bool:
        from .presets import PRESETS

        return name in PRESETS

    def __iter__(self):
        from .presets import PRESETS

        return iter(sorted(PRESETS))


def _shown(value) -> str:
    return ",".join(map(str, value)) if isinstance(value, tuple) else "none" if value is None else str(value)


class _FitHelpFormatter(argparse.HelpFormatter):
    """fit's help, each estimator option followed by the estimator's default.

    The defaults are read from the estimators' signatures when the help is
    shown, not when the parser is built: that imports torch and scikit-learn.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        names = {name for _, name, _ in _ESTIMATOR_OPTIONS}
        if action.dest not in names or action.help is None:
            return action.help
        defaults, regression = _estimator_defaults(), _estimator_defaults("regression")
        note = f"default: {_shown(defaults[action.dest])}"
        if action.dest not in regression:
            note += "; classification only"
        elif regression[action.dest] != defaults[action.dest]:
            note += f"; regression: {_shown(regression[action.dest])}"
        return f"{action.help} ({note.replace('%', '%%')})"


#: Values of fit's --task.
TASKS = ("auto", "classification", "regression")


def _estimator_defaults(task: str = "classification") -> dict:
    from .loading import ESTIMATORS

    cls = ESTIMATORS["MLSTMFCNRegressor" if task == "regression" else "MLSTMFCNClassifier"]
    return {k: v.default for k, v in inspect.signature(cls).parameters.items()}


def _task_of(args, y: np.ndarray) -> str:
    """--task, or for "auto" what the targets say: numbers read from a regression file are regression."""
    if args.task != "auto":
        return args.task
    return "regression" if y.dtype.kind == "f" else "classification"


def cmd_fit(args) -> None:
    """Train on a dataset's training split and write the model file."""
    from ._runtime import resolve_device
    from .io.atomic import check_writable_file
    from .loading import ESTIMATORS

    resolve_device(args.device)  # a bad --device fails before any data is read
    params = _fit_params(args)  # so does a wrong --filters or --kernel-sizes
    out = Path(args.out if args.out else f"{Path(args.dataset).stem}.model")
    try:  # before training: a fit must not end in a model that cannot be written
        check_writable_file(out, "--out")
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    X, y, what = _load_data(args.dataset, "train", args.data_dir, args.download, args.y)
    if y is None:
        raise CLIError(f"{what} has no class labels or targets; fit needs labelled series (a .npy file of "
                       "series needs --y LABELS.npy, or save both in one .npz: np.savez(path, X=X, y=y))")
    task = _task_of(args, y)
    if task == "regression":
        if args.preset:
            raise CLIError("--preset names classifier configurations; it does not apply to regression")
        try:
            y = y.astype(np.float64)
        except ValueError:
            raise CLIError(f"{what}: --task regression needs numeric targets, and these labels are not "
                           "numbers") from None
    cls = ESTIMATORS["MLSTMFCNRegressor" if task == "regression" else "MLSTMFCNClassifier"]
    accepted = set(_estimator_defaults(task))
    for flag, name, _ in _ESTIMATOR_OPTIONS:
        if getattr(args, name) is not None and name not in accepted:
            raise CLIError(f"{flag} applies to classification only")
    clf = cls(**params)
    if not args.quiet:
        targets = f"{len(np.unique(y))} classes" if task == "classification" else "regression targets"
        print(f"{what}: {X.shape[0]} series, {X.shape[1]} channels, {_lengths_note(X)}, {targets}",
              file=sys.stderr)
    start = time.perf_counter()
    clf.fit(X, y)
    seconds = time.perf_counter() - start
    # The progress bar is this command's display; a model loaded later in Python should be quiet.
    clf.set_params(verbose=0)
    _save_model(clf, out)
    h, best = clf.history_, clf.best_epoch_
    result = {
        "model": str(out), "dataset": what, "task": task, "device": str(clf.device_), "epochs": clf.n_epochs_,
        "best_epoch": best, "seconds": round(seconds, 2),
        # False: the epoch cap ended a network still learning (a warning above says by how much).
        "converged": clf.converged_,
        # The saved model's own figures (what predict gives on the training series), not the
        # training-mode figures of the history.
        "train_loss": clf.train_loss_,
    }
    if task == "classification":
        result["train_accuracy"] = clf.train_accuracy_
    else:
        result.update(_regression_scores(y, clf.predict(X), prefix="train_"))
    if clf.n_estimators > 1:  # epochs and best epoch above are the first network's
        result["networks"] = len(clf.histories_)
        result["best_epochs"] = list(clf.best_epochs_)
    if "val_loss" in h:
        row = h["epoch"].index(best)
        result["val_loss"] = h["val_loss"][row]
        if "val_accuracy" in h:
            result["val_accuracy"] = h["val_accuracy"][row]
    items = [(k.replace("_", " "), f"{v:.1f}" if k == "seconds" else v) for k, v in result.items()]
    text = pairs(items) + "\n\n" + _evaluate_hint(args, out)
    emit(args.json, result, text)


def _fit_params(args) -> dict:
    """The estimator's parameters from fit's options (a preset's values overridden by options given)."""
    from .presets import get_preset

    params = get_preset(args.preset) if args.preset else {}
    params.update(device=args.device, random_state=args.seed, verbose=0 if args.quiet else 1)
    if args.attention:
        params["attention"] = True
    params.update({name: getattr(args, name) for _, name, _ in _ESTIMATOR_OPTIONS if getattr(args, name) is not None})
    for name in ("scaling", "stop_when_fitted"):
        if params.get(name) == "none":
            params[name] = None
    defaults = _estimator_defaults()
    filters, kernels = (params.get(k, defaults[k]) for k in ("filters", "kernel_sizes"))
    if len(filters) != len(kernels):
        raise CLIError(f"--filters and --kernel-sizes must give one value per convolution block: "
                       f"{_shown(tuple(filters))} is {len(filters)} block(s), {_shown(tuple(kernels))} is "
                       f"{len(kernels)} (give both, with the same number of values)")
    return params


def _evaluate_hint(args, model: Path) -> str:
    """The closing line of fit: how to evaluate on the test data, never on the training file itself."""
    from ._data_files import is_data_file_name, sibling_test_file
    from .datasets import split_file

    spec = Path(args.dataset)
    if spec.is_dir():
        test = split_file(spec, "test")
        if test.is_file():
            return f"evaluate with: {PROG} evaluate {model} {spec}"
        return f"{spec} holds no {test.name}: evaluate with: {PROG} evaluate {model} YOUR_TEST_FILE"
    if not (is_data_file_name(args.dataset) or spec.is_file()):  # a UEA name: evaluate reads its test split
        return f"evaluate with: {PROG} evaluate {model} {args.dataset}"
    test = sibling_test_file(spec)
    labels = sibling_test_file(args.y) if args.y else None
    if test is not None and (args.y is None or labels is not None):
        return f"evaluate with: {PROG} evaluate {model} {test}" + (f" --y {labels}" if labels else "")
    return (f"no test file beside {spec} (looked for a <Name>_TEST file beside <Name>_TRAIN); evaluate on "
            f"held-out series with: {PROG} evaluate {model} YOUR_TEST_FILE")


def _predict_proba(clf, X: np.ndarray, quiet: bool) -> np.ndarray:
    """Probabilities, with a progress bar over the series when there are many."""
    from .inference import predict_proba

    return predict_proba(clf, X, progress=not quiet)


def _regression_scores(y: np.ndarray, pred: np.ndarray, prefix: str = "") -> dict:
    """RMSE, MAE and R^2 of predictions ``pred`` of targets ``y``."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    return {f"{prefix}rmse": float(np.sqrt(mean_squared_error(y, pred))),
            f"{prefix}mae": float(mean_absolute_error(y, pred)), f"{prefix}r2": float(r2_score(y, pred))}


def _evaluate_regression(args, model, X: np.ndarray, y: np.ndarray, what: str) -> None:
    try:
        y = y.astype(np.float64)
    except ValueError:
        raise CLIError(f"{what} holds class labels, not numeric targets; this model is a regressor") from None
    result = {"model": str(args.model), "dataset": what, "n_series": int(X.shape[0]),
              **_regression_scores(y, model.predict(X))}
    text = pairs([("dataset", what), ("series", X.shape[0]), ("RMSE", result["rmse"]), ("MAE", result["mae"]),
                  ("R^2", result["r2"])])
    emit(args.json, result, text)


def cmd_evaluate(args) -> None:
    """Accuracy, balanced accuracy and confusion matrix on a labelled dataset (RMSE, MAE, R^2 for regression)."""
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix

    clf = _load_model(args.model)
    X, y, what = _load_data(args.dataset, args.split, args.data_dir, args.download, args.y)
    if y is None:
        raise CLIError(f"{what} has no class labels; use '{PROG} predict' for unlabelled series")
    if _is_regressor(clf):
        _evaluate_regression(args, clf, X, y, what)
        return
    y = _match_label_type(y, clf.classes_)
    pred = clf.classes_[_predict_proba(clf, X, args.quiet).argmax(axis=1)]
    labels = np.unique(np.concatenate([clf.classes_, y]))
    cm = confusion_matrix(y, pred, labels=labels)
    result = {
        "model": str(args.model), "dataset": what, "n_series": int(X.shape[0]),
        "accuracy": float(accuracy_score(y, pred)), "balanced_accuracy": float(balanced_accuracy_score(y, pred)),
        "labels": labels, "confusion_matrix": cm,
    }
    names = [str(c) for c in labels]
    cm_rows = [[f"true {n}"] + [int(v) for v in row] for n, row in zip(names, cm)]
    text = (pairs([("dataset", what), ("series", X.shape[0]), ("accuracy", result["accuracy"]),
                    ("balanced accuracy", result["balanced_accuracy"])])
            + "\n\nconfusion matrix (rows: true, columns: predicted)\n"
            + table([""] + names, cm_rows))
    unseen = sorted(set(map(str, y)) - set(map(str, clf.classes_)))
    if unseen:
        text += f"\n\nlabels not seen in training (never predicted): {', '.join(unseen)}"
    emit(args.json, result, text)


def _match_label_type(y: np.ndarray, classes: np.ndarray) -> np.ndarray:
    # .ts labels load as strings; a model trained on integer labels (from
    # Python) should still be comparable to them.
    if classes.dtype.kind in "iuf" and y.dtype.kind in "UO":
        try:
            return y.astype(classes.dtype)
        except ValueError:
            return y
    return y


def _predict_regression(args, model, X: np.ndarray, y: np.ndarray | None, what: str) -> None:
    if args.proba:
        raise CLIError("--proba applies to classifiers; this model is a regressor")
    pred = model.predict(X)
    records = [{"index": i, "prediction": pred[i].tolist()} for i in range(X.shape[0])]
    for r in records if y is not None else ():
        r["target"] = y[r["index"]]
    headers = ["index", "prediction"] + (["target"] if y is not None else [])
    rows = [[r["index"], r["prediction"]] + ([r["target"]] if y is not None else []) for r in records]
    emit(args.json, {"model": str(args.model), "series": what, "predictions": records}, table(headers, rows))


def cmd_predict(args) -> None:
    """Predicted labels (and probabilities), or targets, for every series of a file or dataset."""
    clf = _load_model(args.model)
    X, y, what = _load_data(args.series, args.split, args.data_dir, args.download, args.y)
    if _is_regressor(clf):
        _predict_regression(args, clf, X, y, what)
        return
    proba = _predict_proba(clf, X, args.quiet)
    pred = clf.classes_[proba.argmax(axis=1)]
    records = []
    for i in range(X.shape[0]):
        r = {"index": i, "prediction": pred[i]}
        if y is not None:
            r["label"] = y[i]
        if args.proba:
            r["proba"] = {str(c): float(p) for c, p in zip(clf.classes_, proba[i])}
        records.append(r)
    headers = ["index", "prediction"] + (["label"] if y is not None else [])
    headers += [f"p({c})" for c in clf.classes_] if args.proba else []
    rows = [[r["index"], r["prediction"]] + ([r["label"]] if y is not None else [])
            + (list(proba[i]) if args.proba else []) for i, r in enumerate(records)]
    emit(args.json, {"model": str(args.model), "series": what, "classes": clf.classes_, "predictions": records},
          table(headers, rows))


def cmd_export(args) -> None:
    """Write a model file as one ONNX graph (raw series in, class probabilities out)."""
    from .io.onnx_export import INPUT_NAME, OUTPUT_NAME

    clf = _load_model(args.model)
    if _is_regressor(clf):
        raise CLIError("export writes classifiers; this model is a regressor (ONNX export of regressors "
                       "is not implemented)")
    out = Path(args.out)
    clf.export_onnx(out, opset=args.opset)
    shape = ["batch", clf.n_channels_, clf.n_timepoints_ if clf.equal_length_ else "time"]
    result = {"model": str(args.model), "onnx": str(out), "input": INPUT_NAME, "input_shape": shape,
              "output": OUTPUT_NAME, "classes": clf.classes_, "bytes": out.stat().st_size}
    text = pairs([("model", result["model"]), ("onnx", result["onnx"]),
                  ("input", f"{INPUT_NAME} ({', '.join(map(str, shape))}) float32"),
                  ("output", f"{OUTPUT_NAME} (batch, {len(clf.classes_)}) float32"),
                  ("classes", ", ".join(map(str, clf.classes_))), ("bytes", result["bytes"])])
    emit(args.json, result, text)


# -------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``mlstm-fcn`` (all sub-commands)."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="MLSTM-FCN time series classification (and regression) from the command line.",
        epilog="A DATASET is a UEA archive name (e.g. BasicMotions, searched in --data-dir, $MLSTM_FCN_DATA, the "
               "user cache and the bundled datasets/; --download fetches others) or a data file: .ts, .npy "
               "(series X of shape (n, channels, time); labels with --y) or .npz (X and, optionally, y). "
               "Errors print one line and exit with status 1; set MLSTM_FCN_DEBUG=1 for a traceback.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR",
                        help="UEA archive folder laid out as <Name>/<Name>_TRAIN.ts (searched first)")
    common.add_argument("--json", action="store_true", help="print the result as JSON")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars or notes on stderr")

    # Options of the commands that read series.
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--y", metavar="LABELS.npy",
                      help="labels (or regression targets) of a .npy file of series: a .npy array of shape (n,)")
    data.add_argument("--download", action="store_true",
                      help="download a UEA dataset found nowhere locally into the user cache (verified, as "
                           "load_uea(name, download=True))")

    p = sub.add_parser("datasets", parents=[common], help="list known and locally available datasets",
                       description="List the UEA datasets: the archive's catalogue, plus any other dataset "
                                   "found locally, and where each one is found.")
    p.add_argument("--local", action="store_true", help="only datasets available locally")
    p.set_defaults(func=cmd_datasets)

    p = sub.add_parser("fit", parents=[common, data], formatter_class=_FitHelpFormatter, help="train a model on a dataset's training split",
                       description="Train MLSTM-FCN on the training split of DATASET (or on all of a .ts file) "
                                   "and write the model file. Prints training metrics at the end.")
    p.add_argument("dataset", metavar="DATASET", help="UEA name, or a .ts, .npy or .npz file")
    p.add_argument("--out", metavar="FILE", help="model file to write (default: <dataset>.model)")
    p.add_argument("--preset", choices=_PresetNames(), metavar="NAME", help="start from a named configuration: 'paper' is "
                   "the faithful MLSTM-FCN, 'paper-attention' MALSTM-FCN; other options override it")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--attention", action="store_true", help="MALSTM-FCN: attention LSTM")
    p.add_argument("--task", choices=TASKS, default="auto",
                   help="classification or regression; auto (the default): regression for a .ts file of "
                        "numeric targets (@targetLabel true), else classification")
    for flag, name, kwargs in _ESTIMATOR_OPTIONS:
        p.add_argument(flag, dest=name, **kwargs)
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("evaluate", parents=[common, data], help="accuracy and confusion matrix on a dataset "
                                                          "(RMSE, MAE and R^2 for a regressor)",
                       description="Accuracy, balanced accuracy and confusion matrix of a model on the test "
                                   "split of DATASET (or on a labelled .ts file); RMSE, MAE and R^2 for a "
                                   "regression model.")
    p.add_argument("model", metavar="MODEL", help="model file written by fit")
    p.add_argument("dataset", metavar="DATASET", help="UEA name, or a .ts, .npy or .npz file")
    p.add_argument("--split", choices=("train", "test"), default="test",
                   help="split of a UEA dataset (default: test)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", parents=[common, data], help="predict the class of each series",
                       description="Predicted class of every series in a .ts file (labels optional) or a UEA "
                                   "dataset split.")
    p.add_argument("model", metavar="MODEL", help="model file written by fit")
    p.add_argument("series", metavar="SERIES", help=".ts, .npy or .npz file, or UEA name")
    p.add_argument("--proba", action="store_true", help="also print the class probabilities")
    p.add_argument("--split", choices=("train", "test"), default="test",
                   help="split when SERIES is a UEA name (default: test)")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("export", parents=[common], help="write a model as an ONNX graph",
                       description="Write MODEL as one ONNX graph (raw series in, class probabilities out, "
                                   "labels in its metadata) to run with ONNX Runtime, without mlstm-fcn. Needs "
                                   "the export extra: pip install 'mlstm-fcn[export]'.")
    p.add_argument("model", metavar="MODEL", help="model file written by fit")
    p.add_argument("out", metavar="OUT", help=".onnx file to write")
    p.add_argument("--opset", type=_positive_int, metavar="N", help="ONNX opset (default: the exporter's)")
    p.set_defaults(func=cmd_export)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"{PROG}: warning: {_one_line(message) if isinstance(message, Warning) else message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``mlstm-fcn`` with ``argv`` (default: the process arguments); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = os.environ.get("MLSTM_FCN_DEBUG", "") not in ("", "0")
    try:
        with warnings.catch_warnings():
            if not debug:
                warnings.showwarning = _show_warning
            args.func(args)
            sys.stdout.flush()  # a closed pipe shows here, inside the handlers below, not at exit
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`mlstm-fcn evaluate ... | head`): stop quietly, as Unix tools do.
        # Point stdout at /dev/null so that the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a tool killed by the signal
    except Exception as exc:  # one line for the user, not a traceback
        if debug:
            raise
        if isinstance(exc, CLIError):
            msg = _one_line(exc)
        elif isinstance(exc, (FileNotFoundError, ValueError, TypeError, ImportError, OSError)):
            msg = _one_line(exc)
        else:
            msg = f"{type(exc).__name__}: {_one_line(exc)} (MLSTM_FCN_DEBUG=1 shows the traceback)"
        print(f"{PROG}: error: {msg}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
