"""Long tables (one row per series and time step) as series, and predictions back as one row per series.

Sensor data usually arrives as a long table: a column naming the series, a
column of time stamps, one column per channel, and a label repeated on every
row of a series. :func:`from_long_table` turns such a pandas DataFrame into
the arrays the estimators take, :func:`load_long_csv` reads one from a CSV file
(what the command line does with a ``.csv`` file), and
:func:`predictions_table` maps predictions back to the series' ids.

pandas is not a dependency of the package: these functions import it when
called and say how to install it when it is missing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from .._data.padding import pad_series
from .._data.table_columns import ID_COLUMN, LABEL_COLUMN, PANDAS_INSTALL, TIME_COLUMN

__all__ = ["from_long_table", "load_long_csv", "predictions_table"]


def _pandas(what: str):
    try:
        import pandas
    except ImportError:
        raise ImportError(f"{what} needs pandas, which is not installed: {PANDAS_INSTALL} (or pip install "
                          "pandas).") from None
    return pandas


def _shown(value) -> str:
    """A value of the table for messages: ``0``, not ``np.int64(0)``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _optional_column(table, name: str | None, default: str, role: str) -> str | None:
    """``name`` if the table has it; None when not wanted, or when the default name is absent (optional)."""
    if name is None:
        return None
    if name in table.columns:
        return name
    if name == default:
        return None
    raise ValueError(f"The table has no {role} column {name!r}; its columns are {list(table.columns)} "
                     f"(name it: {role}_column=... in Python, --{role}-column on the command line).")


def _channel_columns(table, channels: Sequence[str] | None, taken: list[str]) -> list[str]:
    pd = _pandas("from_long_table")
    if channels is None:
        channels = [c for c in table.columns if c not in taken]
        if not channels:
            raise ValueError(f"The table has no channel columns: its columns {list(table.columns)} are all "
                             "id, time or label.")
    else:
        channels = list(channels)
        missing = [c for c in channels if c not in table.columns]
        if missing:
            raise ValueError(f"The table has no column {missing[0]!r} (channels={channels}); its columns are "
                             f"{list(table.columns)}.")
        clash = [c for c in channels if c in taken]
        if clash:
            raise ValueError(f"Column {clash[0]!r} cannot be a channel: it is the id, time or label column.")
        if not channels:
            raise ValueError("channels is empty; name at least one channel column.")
    not_numbers = [c for c in channels
                   if not pd.api.types.is_numeric_dtype(table[c]) or pd.api.types.is_complex_dtype(table[c])]
    if not_numbers:
        kinds = ", ".join(f"{c!r} ({table[c].dtype})" for c in not_numbers)
        raise ValueError(f"Channel columns must hold numbers; these do not: {kinds}. Every column other than "
                         "the id, time and label columns is read as a channel: drop the others, or name "
                         "the channels with channels=[...] (or give the id, time and label columns' names).")
    return channels


def _labels(values: np.ndarray, codes: np.ndarray, starts: np.ndarray, ids, label_column: str):
    """One label per series (the first row's), refused when a series' rows disagree or one is missing."""
    pd = _pandas("from_long_table")
    missing = pd.isna(values)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise ValueError(f"Series {_shown(ids[codes[row]])} has a row without a label in column "
                         f"{label_column!r}; every row of a labelled series needs its label (pass "
                         "label_column=None for series without labels).")
    y = values[starts]
    if y.dtype == object and all(isinstance(v, str) for v in y):
        y = y.astype(str)  # text labels as numpy text, as load_ts gives them
        values = values.astype(str)
    differs = values != y[codes]
    if differs.any():
        row = int(np.flatnonzero(differs)[0])
        raise ValueError(f"Series {_shown(ids[codes[row]])} has more than one label in column "
                         f"{label_column!r} ({_shown(y[codes[row]])} and {_shown(values[row])}); a series "
                         "has one label, repeated on each of its rows.")
    return y


def from_long_table(table, id_column: str = ID_COLUMN, time_column: str | None = TIME_COLUMN,
                    label_column: str | None = LABEL_COLUMN,
                    channels: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Series from a long table: one row per series and time step, one column per channel.

    Parameters
    ----------
    table : pandas.DataFrame
        The long table.
    id_column : str, default="id"
        The column naming the series each row belongs to.
    time_column : str or None, default="time"
        The column that orders each series' rows (numbers, dates, anything
        pandas sorts). When None, or when the default ``"time"`` is not a
        column, the rows of each series are taken in the order given.
    label_column : str or None, default="label"
        The column of class labels (or regression targets), repeated on every
        row of a series. When None, or when the default ``"label"`` is not a
        column, the series have no labels (data to predict) and ``y`` is None.
    channels : list of str, optional
        The channel columns, in this order. By default every column other than
        the id, time and label columns, in the table's order.

    Returns
    -------
    X : ndarray of shape (n_series, n_channels, max_length), float64
        The series in the order their ids first appear in the table. Series
        shorter than the longest are padded with NaN at the end, which the
        estimators read as unequal lengths
        (:func:`~mlstm_fcn.datasets.series_lengths` gives the lengths).
    y : ndarray of shape (n_series,) or None
        Each series' label, with the label column's type.
    ids : ndarray of shape (n_series,)
        Each series' id, in the order of ``X``: ``ids[i]`` names ``X[i]``
        (see :func:`predictions_table`).

    Raises
    ------
    TypeError
        ``table`` is not a pandas DataFrame.
    ValueError
        A named column is missing, a channel column does not hold numbers,
        an id is missing, two rows have the same id and time, or a series'
        rows disagree on its label.
    ImportError
        pandas is not installed.

    See Also
    --------
    load_long_csv : The same from a CSV file.
    predictions_table : Predictions of the series, one row per id.

    Examples
    --------
    >>> import pandas as pd
    >>> from mlstm_fcn.datasets import from_long_table
    >>> table = pd.DataFrame({"id": ["a", "a", "a", "b", "b"], "time": [0, 1, 2, 0, 1],
    ...                       "x": [1.0, 2.0, 3.0, 4.0, 5.0], "z": [0.0, 0.0, 1.0, 1.0, 0.0],
    ...                       "label": ["walk", "walk", "walk", "run", "run"]})
    >>> X, y, ids = from_long_table(table)
    >>> X.shape, y.tolist(), ids.tolist()
    ((2, 2, 3), ['walk', 'run'], ['a', 'b'])
    >>> X[1]  # series "b": two steps, NaN-padded to three
    array([[ 4.,  5., nan],
           [ 1.,  0., nan]])
    """
    pd = _pandas("from_long_table")
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"from_long_table takes a pandas DataFrame, got {type(table).__name__}; "
                        "wrap arrays first: pandas.DataFrame(data, columns=[...]).")
    if id_column not in table.columns:
        raise ValueError(f"The table has no id column {id_column!r}; its columns are {list(table.columns)} "
                         "(name the column of series ids: id_column=... in Python, --id-column on the command "
                         "line).")
    time_column = _optional_column(table, time_column, TIME_COLUMN, "time")
    label_column = _optional_column(table, label_column, LABEL_COLUMN, "label")
    taken = [c for c in (id_column, time_column, label_column) if c is not None]
    channels = _channel_columns(table, channels, taken)
    if len(table) == 0:
        raise ValueError("The table has no rows.")
    id_values = table[id_column]
    if id_values.isna().any():
        row = int(np.flatnonzero(id_values.isna().to_numpy())[0])
        raise ValueError(f"Row {row} has no id in column {id_column!r}; every row must name its series.")
    codes, ids = pd.factorize(id_values, sort=False)  # ids in the order they first appear
    ids = np.asarray(ids)
    if time_column is None:
        order = np.argsort(codes, kind="stable")
    else:
        times = table[time_column]
        if times.isna().any():
            row = int(np.flatnonzero(times.isna().to_numpy())[0])
            raise ValueError(f"Row {row} (series {_shown(id_values.iloc[row])}) has no time in column "
                             f"{time_column!r}.")
        keys = pd.DataFrame({"series": codes, "time": times.to_numpy()})
        order = keys.sort_values(["series", "time"], kind="mergesort").index.to_numpy()
        sorted_times = keys["time"].to_numpy()[order]
        same = (codes[order][1:] == codes[order][:-1]) & (sorted_times[1:] == sorted_times[:-1])
        if same.any():
            row = int(order[np.flatnonzero(same)[0]])
            raise ValueError(f"Series {_shown(id_values.iloc[row])} has more than one row at time "
                             f"{_shown(times.iloc[row])} (column {time_column!r}); each series needs one row per "
                             "time step (aggregate or drop the duplicates first).")
    codes = codes[order]
    lengths = np.bincount(codes, minlength=len(ids))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    values = table[channels].to_numpy(dtype=np.float64, na_value=np.nan)[order]
    X = pad_series([values[s:s + n].T for s, n in zip(starts, lengths)], dtype=np.float64)
    y = None
    if label_column is not None:
        y = _labels(table[label_column].to_numpy()[order], codes, starts, ids, label_column)
    return X, y, ids


def load_long_csv(path: str | os.PathLike, id_column: str = ID_COLUMN, time_column: str | None = TIME_COLUMN,
                  label_column: str | None = LABEL_COLUMN,
                  channels: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Series from a CSV file of a long table (:func:`from_long_table` of ``pandas.read_csv(path)``).

    Ids are read as text, as written in the file (``007`` stays ``"007"``).

    Parameters
    ----------
    path : str or path-like
        A CSV file with a header line naming the columns.
    id_column, time_column, label_column, channels
        As in :func:`from_long_table`.

    Returns
    -------
    X, y, ids
        As in :func:`from_long_table`.

    Raises
    ------
    ValueError
        As :func:`from_long_table`, with the file's name, or the file is not
        readable as CSV.
    FileNotFoundError
        No such file.
    ImportError
        pandas is not installed.
    """
    pd = _pandas("Reading a .csv file")
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such .csv file: {path}")
    try:
        table = pd.read_csv(path, dtype={id_column: str})
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a readable CSV file ({exc}).") from None
    try:
        return from_long_table(table, id_column, time_column, label_column, channels)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def predictions_table(ids, predictions, probabilities=None, classes=None, id_column: str = ID_COLUMN):
    """Predictions as a DataFrame with one row per series: its id first, then the prediction.

    Parameters
    ----------
    ids : array-like of shape (n_series,)
        The series' ids, as :func:`from_long_table` returns them.
    predictions : array-like of shape (n_series,) or (n_series, n_outputs)
        What ``predict`` returned for the series, in the same order.
    probabilities : array-like of shape (n_series, n_classes), optional
        What ``predict_proba`` returned; one column ``p(<class>)`` per class.
    classes : array-like of shape (n_classes,), optional
        The classifier's ``classes_``; needed with ``probabilities``.
    id_column : str, default="id"
        The name of the id column.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``id_column``, ``prediction`` (``prediction_0``, ... for
        several regression outputs) and the probabilities, one row per id.

    Raises
    ------
    ValueError
        The numbers of ids, predictions and probabilities differ, or
        ``probabilities`` comes without ``classes``.
    ImportError
        pandas is not installed.

    Examples
    --------
    >>> from mlstm_fcn.datasets import predictions_table
    >>> predictions_table(["a", "b"], ["walk", "run"])
      id prediction
    0  a       walk
    1  b        run
    """
    pd = _pandas("predictions_table")
    ids, predictions = np.asarray(ids), np.asarray(predictions)
    if predictions.shape[:1] != ids.shape:
        raise ValueError(f"{len(ids)} ids but {len(predictions)} predictions; give one prediction per id, "
                         "in the order of the ids.")
    columns = {id_column: ids}
    if predictions.ndim == 2:
        columns.update({f"prediction_{j}": predictions[:, j] for j in range(predictions.shape[1])})
    else:
        columns["prediction"] = predictions
    if probabilities is not None:
        if classes is None:
            raise ValueError("probabilities need classes (the classifier's classes_) to name their columns.")
        probabilities = np.asarray(probabilities)
        if probabilities.shape != (len(ids), len(classes)):
            raise ValueError(f"probabilities of shape {probabilities.shape} for {len(ids)} ids and "
                             f"{len(classes)} classes; expected ({len(ids)}, {len(classes)}).")
        columns.update({f"p({c})": probabilities[:, j] for j, c in enumerate(classes)})
    return pd.DataFrame(columns)
