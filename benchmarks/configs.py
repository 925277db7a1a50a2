"""Named configurations shared by the accuracy benchmark and the CV selection.

Each is a dict of :class:`~mlstm_fcn.MLSTMFCNClassifier` parameters. All
start from the paper preset and change one thing, from it or from another
candidate (``valsplit_es`` is ``valsplit`` with early stopping), so that
cross-validation on training data (``select_config.py``) says what each
change is worth.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mlstm_fcn.presets import get_preset  # noqa: E402

PAPER = get_preset("paper")
#: Part of TRAIN the validation candidates hold out.
VALIDATION_SPLIT = 0.25
#: Early stopping of those candidates: two plateaus of the schedule (patience 100) without improvement.
EARLY_STOPPING = 2 * PAPER["lr_patience"]

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
    # Selection and the plateau schedule on a stratified part of TRAIN held out (issue 17: on data
    # the network fits, the training loss keeps falling, so the schedule never acts and the last
    # epochs are kept). A quarter: the smallest CV folds (StandWalkJump, 9 series of 3 classes)
    # can still hold out one series per class.
    "valsplit": {**PAPER, "validation_split": VALIDATION_SPLIT},
    "valsplit_es": {**PAPER, "validation_split": VALIDATION_SPLIT, "early_stopping": EARLY_STOPPING},
    "valsplit_instance": {**PAPER, "validation_split": VALIDATION_SPLIT, "scaling": "instance"},
    "valsplit1000": {**PAPER, "validation_split": VALIDATION_SPLIT, "epochs": 1000},
    "valsplit2000_es": {**PAPER, "validation_split": VALIDATION_SPLIT, "epochs": 2000,
                        "early_stopping": EARLY_STOPPING},
    "ensemble5_valsplit": {**PAPER, "n_estimators": 5, "validation_split": VALIDATION_SPLIT},
}
