"""The commands of ``mlstm-fcn``: datasets, fit, evaluate, predict and export.

Each takes the parsed arguments and prints its result (a table, or JSON with
``--json``); what they read comes from :mod:`mlstm_fcn.cli.inputs`.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

from .common import PROG, CLIError
from .inputs import is_regressor, lengths_note, load_data, load_model_file, save_model_file
from .options import ESTIMATOR_OPTIONS, estimator_defaults, estimator_option_values, shown
from .outputs import InterruptWatch, check_output, data_inputs, interrupted_path
from .table_options import series_keys, table_columns
from .task import choose_task, class_labels, numbers_as_classes
from .text_output import emit, pairs, table


def cmd_datasets(args) -> None:
    """The UEA archive's catalogue, plus any other dataset found locally, and where each is."""
    from .. import datasets

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



def _task_of(args, y: np.ndarray, what: str) -> str:
    """--task, or for "auto" the rule of :data:`~mlstm_fcn.cli.task.TASK_HELP`."""
    from .data_files import declares_targets

    return choose_task(args.task, y, args.y is None and declares_targets(args.dataset), what)



def cmd_fit(args) -> None:
    """Train on a dataset's training split and write the model file."""
    from .._runtime.device import resolve_device
    from ..loading import ESTIMATORS

    resolve_device(args.device)  # a bad --device fails before any data is read
    params = _fit_params(args)  # so does a wrong --filters or --kernel-sizes
    out = Path(args.out if args.out else f"{Path(args.dataset).stem}.model")
    # Before training: a fit must not end in a model that cannot be written, nor replace what it reads.
    check_output(out, "--out", data_inputs(args.dataset, "train", args.data_dir, args.y))
    X, y, what, _ = load_data(args.dataset, "train", args.data_dir, args.download, args.y, table_columns(args))
    if y is None:
        raise CLIError(f"{what} has no class labels or targets; fit needs labelled series (a .npy file of "
                       "series needs --y LABELS.npy, or save both in one .npz: np.savez(path, X=X, y=y))")
    task = _task_of(args, y, what)
    if task == "classification":
        y = class_labels(y)
    if task == "regression":
        if args.preset:
            raise CLIError("--preset names classifier configurations; it does not apply to regression")
        try:
            y = y.astype(np.float64)
        except ValueError:
            raise CLIError(f"{what}: --task regression needs numeric targets, and these labels are not "
                           "numbers") from None
    cls = ESTIMATORS["MLSTMFCNRegressor" if task == "regression" else "MLSTMFCNClassifier"]
    accepted = set(estimator_defaults(task))
    for flag, name, _ in ESTIMATOR_OPTIONS:
        if getattr(args, name) is not None and name not in accepted:
            raise CLIError(f"{flag} applies to classification only")
    clf = cls(**params)
    if not args.quiet:
        targets = f"{len(np.unique(y))} classes" if task == "classification" else "regression targets"
        print(f"{what}: {X.shape[0]} series, {X.shape[1]} channels, {lengths_note(X)}, {targets}",
              file=sys.stderr)
    start = time.perf_counter()
    with InterruptWatch() as interrupt:
        clf.fit(X, y)  # Ctrl-C ends training with the best weights so far: kept, but not as --out
    seconds = time.perf_counter() - start
    # The progress bar is this command's display; a model loaded later in Python should be quiet.
    clf.set_params(verbose=0)
    if interrupt.seen:
        partial = interrupted_path(out)
        save_model_file(clf, partial)
        kept = f"{out} is unchanged" if out.exists() else f"{out} was not written"
        raise KeyboardInterrupt(f"training stopped after {clf.n_epochs_} epoch(s); {kept}, and the model "
                                f"trained so far is in {partial}")
    save_model_file(clf, out)
    h, best = clf.history_, clf.best_epoch_
    result = {
        "model": str(out), "dataset": what, "task": task, "device": str(clf.device_), "epochs": clf.n_epochs_,
        "best_epoch": best, "seconds": round(seconds, 2),
        # False: the epoch cap ended a network still learning (a warning above says by how much);
        # None: too short to judge.
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
    from ..presets import get_preset

    params = get_preset(args.preset) if args.preset else {}
    params.update(device=args.device, random_state=args.seed, verbose=0 if args.quiet else 1)
    if args.attention:
        params["attention"] = True
    params.update(estimator_option_values(args))
    defaults = estimator_defaults()
    filters, kernels = (params.get(k, defaults[k]) for k in ("filters", "kernel_sizes"))
    if len(filters) != len(kernels):
        raise CLIError(f"--filters and --kernel-sizes must give one value per convolution block: "
                       f"{shown(tuple(filters))} is {len(filters)} block(s), {shown(tuple(kernels))} is "
                       f"{len(kernels)} (give both, with the same number of values)")
    return params


def _evaluate_hint(args, model: Path) -> str:
    """The closing line of fit: how to evaluate on the test data, never on the training file itself."""
    from .data_files import is_data_file_name, sibling_test_file
    from ..datasets import split_file

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


def class_probabilities(clf, X: np.ndarray, quiet: bool) -> np.ndarray:
    """Probabilities, with a progress bar over the series when there are many."""
    from ..inference import predict_proba

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

    clf = load_model_file(args.model).set_params(**estimator_option_values(args))  # --threads
    X, y, what, _ = load_data(args.dataset, args.split, args.data_dir, args.download, args.y, table_columns(args))
    if y is None:
        raise CLIError(f"{what} has no class labels; use '{PROG} predict' for unlabelled series")
    if is_regressor(clf):
        _evaluate_regression(args, clf, X, y, what)
        return
    y = _match_label_type(y, clf.classes_)
    pred = clf.classes_[class_probabilities(clf, X, args.quiet).argmax(axis=1)]
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
    if classes.dtype.kind == "U" and y.dtype.kind == "f":
        return numbers_as_classes(y)  # a model fitted with --task classification on numbers that are not integers
    return y


def _predict_regression(args, model, X: np.ndarray, y: np.ndarray | None, what: str, ids=None) -> None:
    if args.proba:
        raise CLIError("--proba applies to classifiers; this model is a regressor")
    pred = model.predict(X)
    key, keys = series_keys(ids, X.shape[0], args)
    records = [{key: keys[i], "prediction": pred[i].tolist()} for i in range(X.shape[0])]
    for i, r in enumerate(records if y is not None else ()):
        r["target"] = y[i]
    headers = [key, "prediction"] + (["target"] if y is not None else [])
    rows = [[r[key], r["prediction"]] + ([r["target"]] if y is not None else []) for r in records]
    emit(args.json, {"model": str(args.model), "series": what, "predictions": records}, table(headers, rows))


def cmd_predict(args) -> None:
    """Predicted labels (and probabilities), or targets, for every series of a file or dataset."""
    clf = load_model_file(args.model).set_params(**estimator_option_values(args))  # --threads
    X, y, what, ids = load_data(args.series, args.split, args.data_dir, args.download, args.y, table_columns(args))
    if is_regressor(clf):
        _predict_regression(args, clf, X, y, what, ids)
        return
    proba = class_probabilities(clf, X, args.quiet)
    pred = clf.classes_[proba.argmax(axis=1)]
    key, keys = series_keys(ids, X.shape[0], args)
    records = []
    for i in range(X.shape[0]):
        r = {key: keys[i], "prediction": pred[i]}
        if y is not None:
            r["label"] = y[i]
        if args.proba:
            r["proba"] = {str(c): float(p) for c, p in zip(clf.classes_, proba[i])}
        records.append(r)
    headers = [key, "prediction"] + (["label"] if y is not None else [])
    headers += [f"p({c})" for c in clf.classes_] if args.proba else []
    rows = [[r[key], r["prediction"]] + ([r["label"]] if y is not None else [])
            + (list(proba[i]) if args.proba else []) for i, r in enumerate(records)]
    emit(args.json, {"model": str(args.model), "series": what, "classes": clf.classes_, "predictions": records},
          table(headers, rows))


def cmd_export(args) -> None:
    """Write a model file as one ONNX graph (raw series in, class probabilities out)."""
    from ..io.onnx_export import INPUT_NAME, OUTPUT_NAME

    out = check_output(args.out, "OUT", [args.model])  # before the model is read
    clf = load_model_file(args.model)
    if is_regressor(clf):
        raise CLIError("export writes classifiers; this model is a regressor (ONNX export of regressors "
                       "is not implemented)")
    clf.export_onnx(out, opset=args.opset)
    shape = ["batch", clf.n_channels_, clf.n_timepoints_ if clf.equal_length_ else "time"]
    result = {"model": str(args.model), "onnx": str(out), "input": INPUT_NAME, "input_shape": shape,
              "output": OUTPUT_NAME, "classes": clf.classes_, "bytes": out.stat().st_size}
    text = pairs([("model", result["model"]), ("onnx", result["onnx"]),
                  ("input", f"{INPUT_NAME} ({', '.join(map(str, shape))}) float32"),
                  ("output", f"{OUTPUT_NAME} (batch, {len(clf.classes_)}) float32"),
                  ("classes", ", ".join(map(str, clf.classes_))), ("bytes", result["bytes"])])
    emit(args.json, result, text)

