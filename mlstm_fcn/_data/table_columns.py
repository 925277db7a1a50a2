"""A long table's default column names and how to install pandas, stated once.

Read by :mod:`mlstm_fcn.datasets.long_table` and by the command line's
options, whose parser is built without importing the datasets package.
"""

from __future__ import annotations

#: The column that names the series, unless told otherwise.
ID_COLUMN = "id"
#: The column of time stamps that orders each series' rows, used when present.
TIME_COLUMN = "time"
#: The column of class labels or regression targets, used when present.
LABEL_COLUMN = "label"
#: How to install pandas, for the messages of functions that need it.
PANDAS_INSTALL = "pip install 'mlstm-fcn[pandas]'"
