"""The ``mlstm-fcn`` command: list datasets, fit, evaluate and predict from the shell.

    mlstm-fcn datasets
    mlstm-fcn fit BasicMotions --epochs 500 --device auto --out bm.model
    mlstm-fcn evaluate bm.model BasicMotions
    mlstm-fcn fit NATOPS --download --out natops.model    # not bundled: fetched into the user cache
    mlstm-fcn fit X_TRAIN.npy --y y_TRAIN.npy --out my.model  # or one .npz holding X and y
    mlstm-fcn predict bm.model my_series.ts --proba
    mlstm-fcn fit sensors.csv --out sensors.model      # a long table: columns id, time, label, channels
    mlstm-fcn export bm.model bm.onnx
    mlstm-fcn fit Tecator --out tecator.model       # regression (@targetLabel true); sktime ships Tecator

A dataset is a UEA archive name (looked up as in :func:`mlstm_fcn.datasets.load_uea`,
``--data-dir`` first) or a data file read by :mod:`mlstm_fcn.cli.data_files` (``.ts``,
``.npy``, ``.npz``, ``.csv``). Results print as a table,
or as JSON with ``--json``. Errors print one line on stderr and exit with
status 1 (2 for a wrong command line); ``MLSTM_FCN_DEBUG=1`` shows the
traceback instead. Ctrl-C exits with status 130 (never 0), and no output
replaces an input or, interrupted, an existing file (:mod:`mlstm_fcn.cli.outputs`).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence

from .._warnings import LayoutWarning
from .common import PROG, CLIError
from .parser import build_parser  # the docs' help pages and the start-up test read the parser here
from .text_output import one_line as _one_line
from .warning_options import apply_package_warning_options


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
            apply_package_warning_options()
            if getattr(args, "quiet", False):  # -q: the layout warning is a note (what fit was given), not a result
                warnings.filterwarnings("ignore", category=LayoutWarning)
            args.func(args)
            sys.stdout.flush()  # a closed pipe shows here, inside the handlers below, not at exit
    except KeyboardInterrupt as exc:  # never exit 0: `fit && deploy` must not go on
        print(f"{PROG}: interrupted" + (f": {_one_line(exc)}" if str(exc) else ""), file=sys.stderr)
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
