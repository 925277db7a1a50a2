"""The recurrent branch of MLSTM-FCN, with the paper's dimension shuffle.

By default (``orientation="channels"``) the input ``(n, channels, t)`` is
read as a sequence of ``channels`` steps, each step being one channel's whole
series (feature size ``t``). Zero-filled padding of unequal-length series
therefore appears as zero features, the same for a series given alone or
padded to a batch's maximum length.

``orientation="time"`` reads the series the usual way, ``t`` steps of
``channels`` features. The branch's output is then the hidden state at each
series' last valid step: the LSTM is causal, so padding after it changes
nothing, and gathering that step needs no host synchronisation (unlike
packed sequences), which keeps the step capturable in a CUDA graph.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .defaults import DROPOUT, LSTM_ORIENTATION, LSTM_UNITS


def _keras_lstm_init(weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None,
                     bias_hh: Tensor | None, hidden: int) -> None:
    # Keras: glorot-uniform input kernel, orthogonal recurrent kernel (per
    # gate), zero bias with the forget gate's set to 1 ("unit_forget_bias").
    nn.init.xavier_uniform_(weight_ih)
    for g in range(4):
        nn.init.orthogonal_(weight_hh[g * hidden:(g + 1) * hidden])
    if bias_ih is not None:
        nn.init.zeros_(bias_ih)
        bias_ih.data[hidden:2 * hidden] = 1.0  # PyTorch gate order: i, f, g, o
    if bias_hh is not None:
        nn.init.zeros_(bias_hh)


ORIENTATIONS = ("channels", "time")


def _check_orientation(orientation: str) -> None:
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {ORIENTATIONS}, got {orientation!r}.")


def _steps(x: Tensor, orientation: str) -> Tensor:
    """``x`` ``(n, C, T)`` as the LSTM's ``(n, steps, features)``."""
    return x if orientation == "channels" else x.transpose(1, 2)


def _last_valid(outputs: Tensor, lengths: Tensor) -> Tensor:
    """Row ``i`` of ``outputs`` ``(n, steps, h)`` at step ``lengths[i] - 1``."""
    idx = (lengths.long() - 1).clamp_min(0).view(-1, 1, 1).expand(-1, 1, outputs.shape[-1])
    return outputs.gather(1, idx).squeeze(1)


class RecurrentBranch(nn.Module):
    """A recurrent cell over the channel axis (or the time axis), returning its last hidden state, with dropout.

    The one wrapper of the plain and the attention variant: orientation,
    lengths (they matter for ``"time"`` only: with ``"channels"`` every step,
    a channel, is valid), the last valid hidden state, dropout.

    Parameters
    ----------
    cell : torch.nn.LSTM or AttentionLSTM
        The recurrence. An :class:`~torch.nn.LSTM` (batch-first, forwards
        only, no projection) is read at each series' last valid step. Any
        other module is called as ``cell(steps, lengths=lengths)`` and
        returns that hidden state ``(n, hidden_size)`` itself, as
        :class:`AttentionLSTM` does: its attention must skip the padding, so
        the lengths go into the recurrence, not only into the read-out.
    dropout : float, default=0.8
        Dropout on the branch's output.
    orientation : {"channels", "time"}, default="channels"
        What the cell steps over (see the module's docstring).

    Attributes
    ----------
    lstm : torch.nn.Module
        The cell (its name is the prefix of its state-dict keys).
    out_features : int
        Features of the output: the cell's ``hidden_size``.
    """

    def __init__(self, cell: nn.Module, dropout: float = DROPOUT, orientation: str = LSTM_ORIENTATION) -> None:
        super().__init__()
        _check_orientation(orientation)
        if isinstance(cell, nn.LSTM) and (not cell.batch_first or cell.bidirectional or cell.proj_size):
            # forward reads h_n[-1] and outputs (n, steps, hidden_size): one direction, no projection.
            raise ValueError("an nn.LSTM cell must be batch_first, one-directional and without proj_size.")
        self.orientation = orientation
        self.lstm = cell
        self.dropout = nn.Dropout(dropout)
        self.out_features: int = cell.hidden_size

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        """Features ``(n, out_features)`` of ``x`` ``(n, C, T)``; ``lengths`` matter for ``"time"`` only."""
        steps = _steps(x, self.orientation)
        lengths = lengths if self.orientation == "time" else None
        if isinstance(self.lstm, nn.LSTM):
            outputs, (h_n, _) = self.lstm(steps)
            last = h_n[-1] if lengths is None else _last_valid(outputs, lengths)
        else:
            last = self.lstm(steps, lengths=lengths)
        return self.dropout(last)


def _keras_lstm(input_size: int, units: int) -> nn.LSTM:
    """A batch-first :class:`~torch.nn.LSTM` with Keras's initialisation."""
    lstm = nn.LSTM(input_size, units, batch_first=True)
    _keras_lstm_init(lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0, units)
    return lstm


class LSTMBranch(RecurrentBranch):
    """:class:`RecurrentBranch` with a plain :class:`~torch.nn.LSTM` (Keras initialisation).

    Parameters
    ----------
    input_size : int
        Features of each step: the series length ``T`` after the paper's
        shuffle (``orientation="channels"``), the number of channels for
        ``orientation="time"``.
    units : int, default=8
        Number of LSTM cells.
    dropout : float, default=0.8
        Dropout on the branch's output.
    orientation : {"channels", "time"}, default="channels"
        What the LSTM steps over (see the module's docstring).
    """

    def __init__(self, input_size: int, units: int = LSTM_UNITS, dropout: float = DROPOUT,
                 orientation: str = LSTM_ORIENTATION) -> None:
        super().__init__(_keras_lstm(input_size, units), dropout, orientation)


class AttentionLSTM(nn.Module):
    """LSTM whose gates also see an attention context over all input steps.

    At step ``t`` every input step ``j`` is scored against the previous hidden
    state, ``e_tj = v . tanh(W x_j + U h_{t-1} + b)``; the softmax of the
    scores weights the inputs into a context ``c_t`` that enters all four
    gates beside ``x_t`` and ``h_{t-1}`` (the AttentionLSTM of MALSTM-FCN).

    Parameters
    ----------
    input_size : int
        Feature size of each step.
    hidden_size : int
        Number of cells.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.weight_ch = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.bias = nn.Parameter(torch.empty(4 * hidden_size))
        self.attn_w = nn.Linear(input_size, hidden_size, bias=True)
        self.attn_u = nn.Linear(hidden_size, hidden_size, bias=False)
        self.attn_v = nn.Linear(hidden_size, 1, bias=False)
        _keras_lstm_init(self.weight_ih, self.weight_hh, self.bias, None, hidden_size)
        nn.init.xavier_uniform_(self.weight_ch)
        for layer in (self.attn_w, self.attn_u, self.attn_v):
            nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(self.attn_w.bias)

    def forward(self, x: Tensor, return_attention: bool = False, lengths: Tensor | None = None):
        """Run over ``x`` ``(n, steps, input_size)``; return the last hidden state.

        With ``lengths`` ``(n,)``, steps from ``lengths[i]`` on are padding:
        they get no attention, and the hidden state returned is the one at
        each sequence's last valid step. With ``return_attention`` also
        return the attention weights, shape ``(n, steps, steps)`` (query
        step, attended step).
        """
        n, steps, _ = x.shape
        h = x.new_zeros(n, self.hidden_size)
        c = x.new_zeros(n, self.hidden_size)
        keys = self.attn_w(x)  # (n, steps, hidden): the W x_j + b term, computed once
        x_gates = x @ self.weight_ih.T + self.bias
        padding = None
        if lengths is not None:
            padding = torch.arange(steps, device=x.device)[None, :] >= lengths[:, None]
        weights, hidden = [], []
        for t in range(steps):
            scores = self.attn_v(torch.tanh(keys + self.attn_u(h).unsqueeze(1))).squeeze(-1)
            if padding is not None:
                scores = scores.masked_fill(padding, float("-inf"))
            alpha = scores.softmax(dim=-1)
            context = torch.bmm(alpha.unsqueeze(1), x).squeeze(1)
            gates = x_gates[:, t] + h @ self.weight_hh.T + context @ self.weight_ch.T
            i, f, g, o = gates.chunk(4, dim=-1)
            c = f.sigmoid() * c + i.sigmoid() * g.tanh()
            h = o.sigmoid() * c.tanh()
            if return_attention:
                weights.append(alpha)
            if lengths is not None:
                hidden.append(h)
        if lengths is not None:
            h = _last_valid(torch.stack(hidden, dim=1), lengths)
        if return_attention:
            return h, torch.stack(weights, dim=1)
        return h


class AttentionLSTMBranch(RecurrentBranch):
    """:class:`RecurrentBranch` with an :class:`AttentionLSTM` (MALSTM-FCN).

    Parameters are those of :class:`LSTMBranch`.
    """

    def __init__(self, input_size: int, units: int = LSTM_UNITS, dropout: float = DROPOUT,
                 orientation: str = LSTM_ORIENTATION) -> None:
        super().__init__(AttentionLSTM(input_size, units), dropout, orientation)


__all__ = ["RecurrentBranch", "LSTMBranch", "AttentionLSTM", "AttentionLSTMBranch", "ORIENTATIONS"]
