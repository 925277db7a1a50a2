"""The data the estimators take, checked and held: series, targets, padding, scaling, out-of-core series.

This file imports nothing, so that the command line's parser can read a long
table's column names (:mod:`mlstm_fcn._data.table_columns`) without loading
the rest.
"""
