"""The paper's network, stated once: the defaults of the modules, the estimator, presets and CLI.

MLSTM-FCN (Karim et al., 2019): three convolution blocks of 128, 256 and 128
filters with kernels 8, 5 and 3, squeeze-and-excitation with reduction 16
after the first two, and an 8-cell LSTM over the channels (the dimension
shuffle) with dropout 0.8 on its output.
"""

from __future__ import annotations

#: Filters of the three convolution blocks.
FILTERS = (128, 256, 128)
#: Kernel sizes of the convolution blocks ("same" padding).
KERNEL_SIZES = (8, 5, 3)
#: Reduction ratio of the squeeze-and-excitation blocks.
SE_REDUCTION = 16
#: Cells of the LSTM branch (the paper searched 8, 64 and 128).
LSTM_UNITS = 8
#: Dropout on the LSTM branch's output.
DROPOUT = 0.8
#: What the LSTM steps over: the channels (the paper's dimension shuffle) or the time steps.
LSTM_ORIENTATION = "channels"
