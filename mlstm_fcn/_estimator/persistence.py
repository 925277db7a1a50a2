"""Pickling, saving and loading an estimator: the mixin that hands each to :mod:`mlstm_fcn.io`."""

from __future__ import annotations

import os

from ..io import model_file, pickling


class PersistenceMixin:
    """``pickle`` support and :meth:`save` / :meth:`load` for :class:`~mlstm_fcn._estimator.base.MLSTMFCNBase`."""

    # ---------------------------------------------------------------- pickling
    def __getstate__(self) -> dict:
        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__.copy()
        return pickling.pickled_state(state)

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(pickling.unpickled_state(state, type(self)))

    # -------------------------------------------------------------- save/load
    def save(self, path: str | os.PathLike) -> None:
        """Save the fitted model to one file that loading cannot execute code from.

        Weights go in safetensors format, everything else (parameters,
        classes or target statistics, history) in its JSON metadata, with
        format and package versions and a SHA-256 checksum. See
        :mod:`mlstm_fcn.io.model_file`. The optimizer state that
        ``warm_start`` continues from is not saved.

        Parameters
        ----------
        path : str or path-like
            Destination file (``.model``, as the command line names its files).
        """
        model_file.save_model(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike):
        """Load a model written by :meth:`save`, on the CPU when no GPU is available.

        Parameters
        ----------
        path : str or path-like
            A file written by :meth:`save` of this class.

        Returns
        -------
        estimator
            The fitted estimator.

        Raises
        ------
        ValueError
            If the file is not such a model file (or one of another estimator
            class), or is truncated or altered.
        """
        return model_file.load_model(cls, path)


__all__ = ["PersistenceMixin"]
