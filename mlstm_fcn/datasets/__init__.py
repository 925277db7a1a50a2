"""UEA archive datasets: by name (:func:`load_uea`), from a file (:func:`load_ts`), catalogue (:func:`list_uea`).

Also writing ``.ts`` files (:func:`write_ts`), and reading series saved with
numpy (:func:`load_arrays`: ``.npy``, or ``.npz`` with ``X`` and ``y``).

Array convention
    Equal-length data come back as a float32 array ``(n, C, T)``. Unequal-length
    data (e.g. JapaneseVowels, 7-29 steps) come back as a float32 array padded
    with NaN at the end of the time axis to the longest series of the file,
    which :class:`~mlstm_fcn.MLSTMFCNClassifier` reads as padding (and masks in
    the network); :func:`series_lengths` recovers the lengths.

Missing values
    A ``?`` (or ``NaN``) inside a series is returned as NaN, unchanged: the
    loader does not impute. The classifier refuses NaN inside a series with a
    message saying where it is, so impute first (for example with sktime's
    ``Imputer``). A step that is missing in *every* channel up to the end of
    the series is indistinguishable from padding and is treated as such.

Where datasets are looked for
    ``data_dir=``, then ``$MLSTM_FCN_DATA``, then the user cache
    (:func:`user_cache_dir`), then the repository's bundled ``datasets/``, each
    laid out as ``<Name>/<Name>_TRAIN.ts`` and ``<Name>/<Name>_TEST.ts``.
    With ``download=True`` a dataset found nowhere is downloaded into the user
    cache (see :func:`download_uea`).

Long tables
    Data kept as one row per series and time step (an id, a time, a column
    per channel, a label) becomes series with :func:`from_long_table` (a pandas
    DataFrame) or :func:`load_long_csv` (a CSV file); :func:`predictions_table`
    maps predictions back to the ids. These need pandas.

Parsing is numpy's (:mod:`mlstm_fcn.datasets.ts_parse`): reading data needs no sktime.
"""

from __future__ import annotations

from .._data.padding import series_lengths
from .archive import (
    BUNDLED_DIR, DATA_ENV, closest_names, find_uea, list_uea, load_uea, local_names, not_found_hint,
    sktime_data_dir, split_file, uea_search_path, user_cache_dir,
)
from .arrays import load_arrays, load_labels
from .catalogue import UEADataset
from .download import DEFAULT_BASE_URL, URL_ENV, DownloadError, download_uea
from .long_table import from_long_table, load_long_csv, predictions_table
from .ts_file import load_ts
from .ts_writer import write_ts

# The public names. closest_names, not_found_hint and sktime_data_dir are imported here for the
# command line's messages, not for users: they are not in __all__ and may change.
__all__ = [
    "DATA_ENV", "URL_ENV", "DEFAULT_BASE_URL", "BUNDLED_DIR", "DownloadError", "UEADataset",
    "download_uea", "find_uea", "list_uea", "local_names", "load_ts", "load_uea", "series_lengths",
    "split_file", "uea_search_path", "user_cache_dir", "write_ts", "load_arrays", "load_labels",
    "from_long_table", "load_long_csv", "predictions_table",
]
