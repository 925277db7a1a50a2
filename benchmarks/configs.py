"""Named configurations shared by the accuracy benchmark and the CV selection.

Each is a dict of :class:`~mlstm_fcn.MLSTMFCNClassifier` parameters. All
start from the paper preset and change one thing, so that cross-validation
on training data (``select_config.py``) says what each change is worth.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlstm_fcn.presets import get_preset  # noqa: E402

PAPER = get_preset("paper")

CONFIGS: dict[str, dict] = {
    # The paper's protocol, as the "paper" preset.
    "paper": PAPER,
    # The same in float32 on a GPU, to show that bf16 mixed precision costs no accuracy.
    "paper_fp32": {**PAPER, "precision": "fp32"},
    # Candidates for better defaults, one change each.
    "scaling_channel": {**PAPER, "scaling": "channel"},
    "scaling_instance": {**PAPER, "scaling": "instance"},
    "lstm64": {**PAPER, "lstm_units": 64},
    "lstm128": {**PAPER, "lstm_units": 128},
    "attention": {**PAPER, "attention": True},
    "time_lstm": {**PAPER, "lstm_orientation": "time"},
    "epochs1000": {**PAPER, "epochs": 1000},
    "ensemble5": {**PAPER, "n_estimators": 5},
}
