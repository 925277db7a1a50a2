"""The argument parser of ``mlstm-fcn``: its commands, their options and help."""

from __future__ import annotations

import argparse

from .. import __version__
from .commands import cmd_datasets, cmd_evaluate, cmd_export, cmd_fit, cmd_predict
from .common import PROG
from .options import TASKS, FitHelpFormatter, PresetNames, add_estimator_options, add_threads_option, positive_int
from .suggest import SuggestingParser
from .table_options import add_table_options
from .task import TASK_HELP


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``mlstm-fcn`` (all sub-commands)."""
    parser = SuggestingParser(
        prog=PROG, description="MLSTM-FCN time series classification (and regression) from the command line.",
        epilog="A DATASET is a UEA archive name (e.g. BasicMotions, searched in --data-dir, $MLSTM_FCN_DATA, the "
               "user cache and the bundled datasets/; --download fetches others) or a data file: .ts, .npy "
               "(series X of shape (n, channels, time); labels with --y), .npz (X and, optionally, y) or .csv (a long "
               "table: one row per series and time step, columns id, time, label and one per channel). "
               "Errors print one line and exit with status 1; set MLSTM_FCN_DEBUG=1 for a traceback.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR",
                        help="UEA archive folder laid out as <Name>/<Name>_TRAIN.ts (searched first)")
    common.add_argument("--json", action="store_true", help="print the result as JSON")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars or notes on stderr (the layout warning included)")

    # Options of the commands that read series.
    data = argparse.ArgumentParser(add_help=False)
    data.add_argument("--y", metavar="LABELS.npy",
                      help="labels (or regression targets) of a .npy file of series: a .npy array of shape (n,)")
    data.add_argument("--download", action="store_true",
                      help="download a UEA dataset found nowhere locally into the user cache (verified, as "
                           "load_uea(name, download=True))")
    add_table_options(data)

    p = sub.add_parser("datasets", parents=[common], help="list known and locally available datasets",
                       description="List the UEA datasets: the archive's catalogue, plus any other dataset "
                                   "found locally, and where each one is found.")
    p.add_argument("--local", action="store_true", help="only datasets available locally")
    p.set_defaults(func=cmd_datasets)

    p = sub.add_parser("fit", parents=[common, data], formatter_class=FitHelpFormatter, help="train a model on a dataset's training split",
                       description="Train MLSTM-FCN on the training split of DATASET (or on all of a .ts file) "
                                   "and write the model file. Prints training metrics at the end.")
    p.add_argument("dataset", metavar="DATASET", help="UEA name, or a .ts, .npy, .npz or .csv file")
    p.add_argument("--out", metavar="FILE", help="model file to write (default: <dataset>.model)")
    p.add_argument("--preset", choices=PresetNames(), metavar="NAME", help="start from a named configuration: 'paper' is "
                   "the faithful MLSTM-FCN, 'paper-attention' MALSTM-FCN; other options override it")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--attention", action="store_true", help="MALSTM-FCN: attention LSTM")
    p.add_argument("--task", choices=TASKS, default="auto", help=TASK_HELP)
    add_estimator_options(p)
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("evaluate", parents=[common, data], help="accuracy and confusion matrix on a dataset "
                                                          "(RMSE, MAE and R^2 for a regressor)",
                       description="Accuracy, balanced accuracy and confusion matrix of a model on the test "
                                   "split of DATASET (or on a labelled .ts file); RMSE, MAE and R^2 for a "
                                   "regression model.")
    p.add_argument("model", metavar="MODEL", help="model file written by fit")
    p.add_argument("dataset", metavar="DATASET", help="UEA name, or a .ts, .npy, .npz or .csv file")
    p.add_argument("--split", choices=("train", "test"), default="test",
                   help="split of a UEA dataset (default: test)")
    add_threads_option(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", parents=[common, data], help="predict the class of each series",
                       description="Predicted class of every series in a data file (labels optional) or a UEA "
                                   "dataset split: one row per series, headed by its id for a .csv file.")
    p.add_argument("model", metavar="MODEL", help="model file written by fit")
    p.add_argument("series", metavar="SERIES", help=".ts, .npy, .npz or .csv file, or UEA name")
    p.add_argument("--proba", action="store_true", help="also print the class probabilities")
    p.add_argument("--split", choices=("train", "test"), default="test",
                   help="split when SERIES is a UEA name (default: test)")
    add_threads_option(p)
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("export", parents=[common], help="write a model as an ONNX graph",
                       description="Write MODEL as one ONNX graph (raw series in, class probabilities out, "
                                   "labels in its metadata) to run with ONNX Runtime, without mlstm-fcn. Needs "
                                   "the export extra: pip install 'mlstm-fcn[export]'.")
    p.add_argument("model", metavar="MODEL", help="model file written by fit")
    p.add_argument("out", metavar="OUT", help=".onnx file to write")
    p.add_argument("--opset", type=positive_int, metavar="N", help="ONNX opset (default: the exporter's)")
    p.set_defaults(func=cmd_export)
    return parser
