"""Transformers for 3D time series ``(n_instances, n_channels, n_timepoints)``.

scikit-learn's scalers reject 3D input, so these fill the gap in a
:class:`~sklearn.pipeline.Pipeline` before :class:`~mlstm_fcn.MLSTMFCNClassifier`.
They read X as the classifier does: a 3D array, a 2D array taken as
univariate series (one column per time step), or a list of ``(C, T_i)``
arrays; unequal lengths are NaN padding at the end of the time axis.

- :class:`ChannelStandardScaler`: per-channel standardisation; the statistics
  come from the training data's valid steps only, and padding stays NaN.
- :class:`PadTruncate`: every series to one length, by padding or cutting.
- :class:`Resampler`: every series to one length, by linear interpolation
  over its valid steps.

A 2D X comes back 2D (so the transformers also work on tabular data); a 3D
array or a list comes back as a 3D array. As in scikit-learn, a 2D X given
to ``transform`` must have the columns seen in ``fit`` when ``fit`` saw a 2D
X; 3D input may have any length, but the channels must match.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from ._data.inputs import as_numpy, check_X, is_ragged, series_from_list
from ._data.scaling import channel_statistics


def _validate(X, name: str = "X") -> tuple[np.ndarray, np.ndarray, bool]:
    """Return ``(X3, lengths, was_2d)``: a float (n, C, T) array NaN-padded, lengths, input ndim == 2.

    Float64 and float32 input keep their dtype; anything else becomes float64.
    NaN is allowed only as trailing padding (in every channel at once), as in
    the classifier; infinity and sparse input are refused.
    """
    if sp.issparse(X):
        raise TypeError(f"Sparse data was passed for {name}, but dense data is required; use "
                        f"{name}.toarray() to convert it to a dense array.")
    X = as_numpy(X)
    if is_ragged(X):
        X3, lengths = series_from_list(X)  # float32, NaN-padded; also checks every series
        check_X(X3, name=name)  # the rules on NaN and infinity
        return X3, lengths, False
    X = check_array(X, ensure_2d=False, allow_nd=True, dtype=[np.float64, np.float32],
                    ensure_all_finite="allow-nan", input_name=name)
    was_2d = X.ndim == 2
    # check_X gives the shared messages for bad shapes, inner NaN and empty input.
    _, lengths = check_X(X, name=name)
    X3 = X[:, None, :] if was_2d else X
    if lengths is None:
        lengths = np.full(X3.shape[0], X3.shape[2], dtype=np.int64)
    return X3, lengths, was_2d


def _check_length(value, name: str = "length") -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1):
        raise ValueError(f"{name} must be None or a positive integer, got {value!r}.")


class _SeriesTransformer(TransformerMixin, BaseEstimator):
    """Shared fit/transform: input checks, channel and column counts, 2D in and out.

    Subclasses implement :meth:`_fit_series` and :meth:`_transform_series` on
    the validated ``(n, C, T)`` array and its lengths, and may extend
    :meth:`_check_params`.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def _check_params(self) -> None:
        """Refuse bad parameters, before any input is read (none here)."""

    def _fit_series(self, X3: np.ndarray, lengths: np.ndarray) -> None:
        raise NotImplementedError

    def _transform_series(self, X3: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def fit(self, X, y=None) -> "_SeriesTransformer":
        """Learn from ``X`` what :meth:`transform` needs (see the class's description).

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)
            Training series (2D: univariate; list or NaN padding: unequal lengths).
        y : ignored

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._check_params()
        X3, lengths, _ = self._fit_input(X)
        self._fit_series(X3, lengths)
        return self

    def transform(self, X) -> np.ndarray:
        """Transform ``X`` with what ``fit`` learnt (see the class's description).

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)

        Returns
        -------
        X_new : ndarray
            2D for 2D input, else 3D (also for list input); the time axis is
            that of ``X`` or ``length_`` (see the class).
        """
        X3, lengths, was_2d = self._transform_input(X)
        return self._output(self._transform_series(X3, lengths), was_2d)

    def _fit_input(self, X) -> tuple[np.ndarray, np.ndarray, bool]:
        X3, lengths, was_2d = _validate(X)
        self.n_features_in_ = X3.shape[2] if was_2d else X3.shape[1]
        self.n_channels_ = X3.shape[1]
        self.fitted_on_2d_ = was_2d
        return X3, lengths, was_2d

    def _transform_input(self, X) -> tuple[np.ndarray, np.ndarray, bool]:
        check_is_fitted(self, "n_channels_")
        X3, lengths, was_2d = _validate(X)
        name = type(self).__name__
        if was_2d and self.fitted_on_2d_ and X3.shape[2] != self.n_features_in_:
            raise ValueError(f"X has {X3.shape[2]} features, but {name} is expecting {self.n_features_in_} "
                             "features as input (2D X: one column per time step; pass 3D X for series of "
                             "another length).")
        if X3.shape[1] != self.n_channels_:
            raise ValueError(f"X has {X3.shape[1]} channels, but {name} was fitted on {self.n_channels_} "
                             "channels.")
        return X3, lengths, was_2d

    @staticmethod
    def _output(X3: np.ndarray, was_2d: bool) -> np.ndarray:
        return X3[:, 0, :] if was_2d else X3


class ChannelStandardScaler(_SeriesTransformer):
    """Standardise each channel with the mean and standard deviation of the training data.

    The statistics of a channel pool all training series and all their valid
    time steps; NaN padding is left out of them and stays NaN in the output,
    so the classifier still sees the series' lengths.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the channel means.
    with_std : bool, default=True
        Divide by the channel standard deviations (a constant channel is
        divided by 1, by the rule of the classifier's ``scaling="channel"``).

    Attributes
    ----------
    mean_ : ndarray of shape (n_channels,)
        Per-channel mean of the training data (zeros when ``with_mean=False``).
    scale_ : ndarray of shape (n_channels,)
        Per-channel divisor (ones when ``with_std=False``).
    n_channels_ : int
        Channels seen in ``fit``.
    n_features_in_ : int
        ``X.shape[1]`` of the training data, as in scikit-learn.
    fitted_on_2d_ : bool
        Whether ``fit`` saw a 2D X (univariate series, one column per step).

    Examples
    --------
    >>> import numpy as np
    >>> from mlstm_fcn.preprocessing import ChannelStandardScaler
    >>> X = np.stack([np.ones((2, 5)), 3 * np.ones((2, 5))])   # (n=2, C=2, T=5)
    >>> ChannelStandardScaler().fit_transform(X)[:, 0, 0]
    array([-1.,  1.])
    """

    def __init__(self, with_mean: bool = True, with_std: bool = True) -> None:
        self.with_mean = with_mean
        self.with_std = with_std

    def _fit_series(self, X3: np.ndarray, lengths: np.ndarray) -> None:
        # The classifier's scaling="channel" statistics, so the two standardise alike.
        mean, scale = channel_statistics(X3, lengths)
        self.mean_ = mean if self.with_mean else np.zeros_like(mean)
        self.scale_ = scale if self.with_std else np.ones_like(scale)

    def _transform_series(self, X3: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        out = (X3 - self.mean_[None, :, None]) / self.scale_[None, :, None]  # NaN padding stays NaN
        return out.astype(X3.dtype, copy=False)

    def inverse_transform(self, X) -> np.ndarray:
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (n_instances, n_channels, n_timepoints)

        Returns
        -------
        X_original : ndarray, same shape as ``X``
        """
        X3, _, was_2d = self._transform_input(X)
        out = X3 * self.scale_[None, :, None] + self.mean_[None, :, None]
        return self._output(out.astype(X3.dtype, copy=False), was_2d)


class _LengthTransformer(_SeriesTransformer):
    """Shared parameter and fit of the transformers that bring every series to ``length_`` steps.

    Subclasses have a ``length`` parameter and implement :meth:`_transform_series`.
    """

    length: int | None

    def _check_params(self) -> None:
        _check_length(self.length)

    def _fit_series(self, X3: np.ndarray, lengths: np.ndarray) -> None:
        self.length_ = int(self.length if self.length is not None else lengths.max())


class PadTruncate(_LengthTransformer):
    """Bring every series to one length: pad the end or cut it.

    Parameters
    ----------
    length : int or None, default=None
        Target number of time steps; ``None`` takes the longest series seen
        in ``fit``.
    fill_value : float, default=nan
        Value of the padding. NaN (the default) is what the classifier reads
        as padding and masks; a number (e.g. 0.0) makes the padding data.

    Attributes
    ----------
    length_ : int
        The length of every output series.
    n_channels_, n_features_in_, fitted_on_2d_
        What ``fit`` saw, as in :class:`ChannelStandardScaler`.

    Examples
    --------
    >>> import numpy as np
    >>> from mlstm_fcn.preprocessing import PadTruncate
    >>> PadTruncate(length=4, fill_value=0.0).fit_transform([np.ones((1, 2)), np.ones((1, 6))])[:, 0]
    array([[1., 1., 0., 0.],
           [1., 1., 1., 1.]], dtype=float32)
    """

    def __init__(self, length: int | None = None, fill_value: float = np.nan) -> None:
        self.length = length
        self.fill_value = fill_value

    def _check_params(self) -> None:
        super()._check_params()
        if not isinstance(self.fill_value, numbers.Real) or np.isinf(self.fill_value):
            raise ValueError(f"fill_value must be a finite number or NaN, got {self.fill_value!r}.")

    def _transform_series(self, X3: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        # Not _padding.pad_series: the output has length_ steps however long the series
        # are, and fill_value need not be NaN.
        n, c, _ = X3.shape
        out = np.full((n, c, self.length_), self.fill_value, dtype=X3.dtype)
        for i, valid in enumerate(np.minimum(lengths, self.length_)):
            out[i, :, :valid] = X3[i, :, :valid]
        return out


class Resampler(_LengthTransformer):
    """Resample every series to one length by linear interpolation over its valid steps.

    A series of ``T_i`` valid steps is read as samples at ``T_i`` evenly
    spaced times from start to end, and evaluated at ``length`` evenly spaced
    times over the same span; NaN padding is ignored, so unequal-length
    series all come out with ``length`` valid steps and no padding.

    Parameters
    ----------
    length : int or None, default=None
        Target number of time steps; ``None`` takes the longest series seen
        in ``fit``.

    Attributes
    ----------
    length_, n_channels_, n_features_in_, fitted_on_2d_
        As in :class:`PadTruncate`.

    Examples
    --------
    >>> import numpy as np
    >>> from mlstm_fcn.preprocessing import Resampler
    >>> Resampler(length=5).fit_transform(np.array([[0.0, 2.0, 4.0]]))
    array([[0., 1., 2., 3., 4.]])
    """

    def __init__(self, length: int | None = None) -> None:
        self.length = length

    def _transform_series(self, X3: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        n, c, _ = X3.shape
        out = np.empty((n, c, self.length_), dtype=X3.dtype)
        target = np.linspace(0.0, 1.0, self.length_)
        for i, valid in enumerate(lengths):
            if valid == 1:  # one sample: a constant series
                out[i] = X3[i, :, :1]
                continue
            source = np.linspace(0.0, 1.0, int(valid))
            for ch in range(c):
                out[i, ch] = np.interp(target, source, X3[i, ch, :valid])
        return out
