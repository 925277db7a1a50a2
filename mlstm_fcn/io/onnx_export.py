"""A fitted classifier as one ONNX graph: raw series in, class probabilities out.

The graph holds the whole of ``predict_proba`` for series of the fitted
shape: the input scaling (the ``scaling_`` statistics as constants, or the
per-series statistics computed in the graph), the network in evaluation mode
(both branches, the attention LSTM too; for an ensemble the mean of the
members' probabilities) and the softmax. Its one input, ``series``, is
``(batch, n_channels, n_timepoints)`` float32 with a dynamic batch (and, for
a model fitted on unequal lengths, a dynamic time axis); its one
output, ``probabilities``, is ``(batch, n_classes)`` float32, columns in
``classes_`` order. Everything a reader needs besides (class labels, the
fitted shape, the padding convention) is in the model's ``metadata_props``
as JSON strings, so ONNX Runtime and numpy suffice to use it.

Exporter: :func:`torch.onnx.export` with ``dynamo=True``, torch's default
and supported exporter (the TorchScript one, ``dynamo=False``, is deprecated
and warns so). Both map :class:`~torch.nn.LSTM` to ONNX's ``LSTM`` operator
and unroll the attention LSTM over its fixed number of steps, and both give
the same parity with ``predict_proba`` (about 1e-7); this one needs
``onnxscript`` and takes a few seconds. It writes its own opset and converts
to the one asked for with ONNX's version converter, which it skips with a
log line where a conversion fails; the written opset is therefore checked
here and a mismatch refused.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import warnings
from pathlib import Path

import torch
from sklearn.utils.validation import check_is_fitted
from torch import Tensor, nn

from .._data.scaling import CONSTANT_ATOL, CONSTANT_RTOL
from .atomic import atomic_write

#: Name of the graph's input: raw series ``(batch, n_channels, n_timepoints)``, float32.
INPUT_NAME = "series"
#: Name of the graph's output: class probabilities ``(batch, n_classes)``, float32.
OUTPUT_NAME = "probabilities"
#: What the extra that installs the exporter is called (``pip install mlstm-fcn[export]``).
EXTRA = "export"
_ONNX_DOMAIN = ("", "ai.onnx")


class InferenceGraph(nn.Module):
    """``predict_proba`` of a fitted classifier as one traceable module (export only).

    Parameters
    ----------
    network : torch.nn.Module
        The fitted network (an :class:`~mlstm_fcn.nn.MLSTMFCN` or
        :class:`~mlstm_fcn.nn.MLSTMFCNEnsemble`), on the CPU, float32, in
        evaluation mode.
    scaling : {None, "channel", "instance"}
        The estimator's ``scaling_``.
    mean, scale : ndarray of shape (n_channels,) or None
        The training statistics of ``scaling="channel"``.
    masked : bool
        Whether the network was fitted on unequal lengths: the input is then
        NaN-padded at the end, of any length, and is cut or padded to
        ``n_timepoints`` and masked as in ``predict``.
    n_timepoints : int
        The fitted length.
    """

    def __init__(self, network: nn.Module, scaling: str | None, mean, scale, masked: bool,
                 n_timepoints: int) -> None:
        super().__init__()
        self.network = network
        self.scaling = scaling
        self.masked = masked
        self.n_timepoints = n_timepoints
        if scaling == "channel":
            # float64, as apply_scaling computes: the scaled series then match predict's bit for bit
            # but for the final rounding to float32.
            self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float64).view(1, -1, 1))
            self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float64).view(1, -1, 1))

    def _scaled(self, x: Tensor, valid: Tensor | None) -> Tensor:
        if self.scaling is None:
            return x
        values = x.double()
        if self.scaling == "channel":
            mean, scale = self.mean, self.scale
        else:
            if valid is None:
                mean = values.mean(dim=2, keepdim=True)
                std = (values - mean).pow(2).mean(dim=2, keepdim=True).sqrt()
            else:
                count = valid.sum(dim=2, keepdim=True).clamp_min(1).double()
                mean = torch.where(valid, values, 0.0).sum(dim=2, keepdim=True) / count
                std = (torch.where(valid, (values - mean).pow(2), 0.0).sum(dim=2, keepdim=True) / count).sqrt()
            constant = (std <= CONSTANT_ATOL) | (std <= CONSTANT_RTOL * mean.abs())
            scale = torch.where(constant, torch.ones_like(std), std)
        scaled = (values - mean) / scale
        if valid is not None:
            scaled = torch.where(valid, scaled, 0.0)
        return scaled.float()

    def forward(self, x: Tensor) -> Tensor:
        """Probabilities ``(n, n_classes)`` of raw series ``x`` ``(n, C, T)``."""
        lengths = valid = None
        if self.masked:
            # To the fitted length as to_trained_length does: padded with NaN (padding), cut when longer.
            # One concatenation and one slice, so that neither depends on the input's length.
            nan = torch.full_like(x[:, :, :1], float("nan")).expand(-1, -1, self.n_timepoints)
            x = torch.cat([x, nan], dim=2)[:, :, :self.n_timepoints]
            # Trailing steps NaN in every channel are padding (mlstm_fcn._data.padding's rule): a series'
            # length is one past its last step with a value in some channel.
            present = ~torch.isnan(x).all(dim=1)
            steps = torch.arange(1, x.shape[2] + 1, device=x.device)
            lengths = (present.long() * steps).amax(dim=1)
            valid = (steps[None, :] <= lengths[:, None]).unsqueeze(1)
            x = torch.where(torch.isnan(x), 0.0, x)
        logits = self.network(self._scaled(x, valid), lengths)
        return torch.softmax(logits.double(), dim=-1).float()  # predict_proba's softmax is float64 too


def _require_exporter() -> None:
    missing = []
    for module in ("onnx", "onnxscript"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise ImportError(f"ONNX export needs {' and '.join(missing)}: pip install 'mlstm-fcn[{EXTRA}]'.")


def _check_opset(opset) -> int | None:
    if opset is None:
        return None
    if isinstance(opset, bool) or not isinstance(opset, int):
        raise TypeError(f"opset must be an integer ONNX opset version or None, got {opset!r}.")
    if opset < 1:
        raise ValueError(f"opset must be a positive ONNX opset version, got {opset}.")
    return opset


def _check_destination(path) -> Path:
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{os.fspath(path)!r} is a folder; give the path of the .onnx file to write.")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {os.fspath(path)!r}: folder {os.fspath(path.parent)!r} does not "
                                "exist.")
    return path


@contextlib.contextmanager
def _quiet_exporter():
    """The exporter's progress lines, log records and warnings, which say nothing to a user here.

    What goes wrong reaches the user as an exception (and the opset check below), not as a log.
    """
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "torch.export", "onnxscript")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def metadata(clf) -> dict[str, str]:
    """What a reader of the exported model needs, as ``metadata_props`` (each value a JSON string).

    Keys: ``classes`` (labels in output column order), ``classes_dtype``
    (numpy's name of their dtype), ``n_channels``, ``n_timepoints``,
    ``equal_length``, ``padding`` (how shorter series are given), ``scaling``,
    ``n_networks``, ``input``, ``output`` and ``mlstm_fcn_version``.
    """
    from .. import __version__

    members = getattr(clf.network_, "members", None)
    padding = (None if clf.equal_length_ else
               "NaN at the end of shorter series, in every channel; any length, longer than n_timepoints is cut")
    values = {
        "classes": clf.classes_.tolist(),
        "classes_dtype": clf.classes_.dtype.str,
        "n_channels": int(clf.n_channels_),
        "n_timepoints": int(clf.n_timepoints_),
        "equal_length": bool(clf.equal_length_),
        "padding": padding,
        "scaling": clf.scaling_,
        "n_networks": 1 if members is None else len(members),
        "input": INPUT_NAME,
        "output": OUTPUT_NAME,
        "mlstm_fcn_version": __version__,
    }
    return {k: json.dumps(v) for k, v in values.items()}


def export_onnx(clf, path: str | os.PathLike, opset: int | None = None) -> None:
    """Write fitted classifier ``clf`` to ``path`` as one ONNX model (see the module's docstring).

    Parameters
    ----------
    clf : MLSTMFCNClassifier
        A fitted classifier.
    path : str or path-like
        The ``.onnx`` file to write, in an existing folder; written atomically.
    opset : int or None, default=None
        ONNX opset of the default domain; None takes the exporter's default.

    Raises
    ------
    NotFittedError
        ``clf`` is not fitted.
    TypeError
        ``clf`` is not a classifier (a regressor, say).
    FileNotFoundError
        The folder of ``path`` does not exist.
    ImportError
        ``onnx`` or ``onnxscript`` is not installed (the ``export`` extra).
    ValueError
        The installed exporter cannot write this network at ``opset``.
    """
    check_is_fitted(clf, "network_")
    if not hasattr(clf, "classes_"):  # before any work: the graph ends in class probabilities
        raise TypeError(f"export_onnx writes classifiers; {type(clf).__name__} is not one (ONNX export of "
                        "regressors is not implemented).")
    opset = _check_opset(opset)
    path = _check_destination(path)
    _require_exporter()
    import onnx

    # A copy: the estimator's own network stays where it is (its device, maybe a GPU).
    network = copy.deepcopy(clf.network_).to(device="cpu", dtype=torch.float32).eval()
    graph = InferenceGraph(network, clf.scaling_, clf.input_mean_, clf.input_scale_,
                           masked=not clf.equal_length_, n_timepoints=clf.n_timepoints_).eval()
    example = torch.zeros(2, clf.n_channels_, clf.n_timepoints_)
    dims = {0: torch.export.Dim("batch")}
    if not clf.equal_length_:
        dims[2] = torch.export.Dim("time")
    try:
        with _quiet_exporter(), torch.no_grad():
            program = torch.onnx.export(
                graph, (example,), dynamo=True, opset_version=opset, input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME], dynamic_shapes=(dims,),
                external_data=False, verbose=False)
    except Exception as exc:
        raise ValueError(f"torch {torch.__version__} could not export this model to ONNX"
                         f"{'' if opset is None else f' at opset {opset}'}: {type(exc).__name__}: {exc}") from exc
    model = program.model_proto
    written = next(o.version for o in model.opset_import if o.domain in _ONNX_DOMAIN)
    if opset is not None and written != opset:
        raise ValueError(f"torch {torch.__version__}'s ONNX exporter cannot write this network at opset {opset} "
                         f"(its conversion failed; it wrote opset {written}, which it can). Ask for "
                         f"opset {written} or another it writes, or none for its default.")
    model.producer_name = "mlstm-fcn"
    model.doc_string = (f"{type(clf).__name__}: {INPUT_NAME} (batch, {clf.n_channels_}, {clf.n_timepoints_}) "
                        f"float32 -> {OUTPUT_NAME} (batch, {len(clf.classes_)}) in the order of metadata "
                        "'classes'.")
    del model.metadata_props[:]
    for key, value in metadata(clf).items():
        model.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(model)
    blob = model.SerializeToString()
    atomic_write(path, lambda f: f.write(blob))


__all__ = ["INPUT_NAME", "InferenceGraph", "OUTPUT_NAME", "export_onnx", "metadata"]
