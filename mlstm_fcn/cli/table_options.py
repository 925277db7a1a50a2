"""The options naming a ``.csv`` long table's columns (fit, evaluate and predict), and the ids they give predict.

The defaults are :func:`mlstm_fcn.datasets.from_long_table`'s (``id``,
``time``, ``label``), read from :mod:`mlstm_fcn._data.table_columns`: the parser is
built without importing pandas or the datasets package.
"""

from __future__ import annotations

import argparse

import numpy as np

from .._data.table_columns import ID_COLUMN, LABEL_COLUMN, PANDAS_INSTALL, TIME_COLUMN


def _defaults() -> dict:
    return {"id_column": ID_COLUMN, "time_column": TIME_COLUMN, "label_column": LABEL_COLUMN}


def add_table_options(parser: argparse.ArgumentParser) -> None:
    """``--id-column``, ``--time-column`` and ``--label-column``, each storing into the parameter's name."""
    defaults = _defaults()
    group = parser.add_argument_group(
        "a .csv long table", "one row per series and time step; every column other than these is a channel "
                             f"(needs pandas: {PANDAS_INSTALL})")
    group.add_argument("--id-column", metavar="NAME", default=defaults["id_column"],
                       help="the column naming each row's series (default: %(default)s)")
    group.add_argument("--time-column", metavar="NAME", default=defaults["time_column"],
                       help="the column that orders each series' rows (default: %(default)s; when the file "
                            "has no such column, rows are taken in the file's order)")
    group.add_argument("--label-column", metavar="NAME", default=defaults["label_column"],
                       help="the column of class labels or regression targets, one value per series "
                            "(default: %(default)s; when the file has no such column, the series have no labels)")


def table_columns(args: argparse.Namespace) -> dict:
    """The column options as :func:`mlstm_fcn.datasets.load_long_csv`'s keyword arguments."""
    return {name: getattr(args, name) for name in _defaults()}


def series_keys(ids: np.ndarray | None, n: int, args: argparse.Namespace) -> tuple[str, list]:
    """predict's first column, header and values: a ``.csv`` file's ids under its id column's name, else the index."""
    if ids is None:
        return "index", list(range(n))
    return args.id_column, list(ids)
