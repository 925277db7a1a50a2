"""The books every loop keeps (records, stop rules, the interrupt warning) and the epoch-end handlers."""

import warnings

import numpy as np
import pytest
import torch

from mlstm_fcn.nn import MLSTMFCN
from mlstm_fcn.training import EpochHandler, SeriesOnDevice, TrainConfig, TrainResult, epoch_handlers, train
from mlstm_fcn.training.bookkeeping import count_epoch, epoch_record, note_interrupt
from mlstm_fcn.training.checkpoint import Checkpointer
from mlstm_fcn.training.handlers import Callbacks, ShowProgress, WriteCheckpoints
from mlstm_fcn.training.state import LoopState, new_history

CPU = torch.device("cpu")


def test_a_record_holds_the_columns_of_its_history():
    figures = dict(epoch=3, loss=0.5, accuracy=0.75, learning_rate=1e-3, time=2.0, val_loss=0.6, val_accuracy=0.5)
    assert epoch_record(new_history(True), **figures) == figures
    plain = epoch_record(new_history(False), **figures)
    assert set(plain) == {"epoch", "loss", "accuracy", "learning_rate", "time"}
    regression = epoch_record(new_history(True, with_accuracy=False), **figures)
    assert set(regression) == {"epoch", "loss", "learning_rate", "time", "val_loss"}


def test_counting_an_epoch_monitors_the_validation_loss_when_there_is_one():
    state = LoopState(history=new_history(True))
    assert count_epoch(state, epoch_record(state.history, epoch=1, loss=1.0, accuracy=0.5, learning_rate=1e-3,
                                           time=0.1, val_loss=0.9, val_accuracy=0.5))
    # The training loss falls, the validation loss does not: not a better epoch.
    assert not count_epoch(state, epoch_record(state.history, epoch=2, loss=0.1, accuracy=1.0, learning_rate=1e-3,
                                               time=0.2, val_loss=0.95, val_accuracy=0.5))
    assert (state.epochs_done, state.best_epoch, state.best, state.since_best) == (2, 1, 0.9, 1)
    assert state.history["epoch"] == [1, 2] and state.history["val_loss"] == [0.9, 0.95]


def test_one_interrupt_warning_for_one_network_and_for_a_fused_run():
    one = [TrainResult()]
    with pytest.warns(RuntimeWarning, match=r"interrupted after 4 epoch\(s\); keeping the best weights so far "
                                            r"\(epoch 2\)"):
        note_interrupt(one, [4], [2])
    assert one[0].interrupted and one[0].stop_reason == "interrupted"
    members = [TrainResult(), TrainResult()]
    with pytest.warns(RuntimeWarning, match=r"after 5 epoch\(s\); keeping each member's best weights so far "
                                            r"\(epochs \[3, 5\]\)"):
        note_interrupt(members, [5, 4], [3, 5])
    assert all(r.interrupted and r.stop_reason == "interrupted" for r in members)


class Recorder(EpochHandler):
    def __init__(self, calls):
        self.calls = calls

    def begin(self, first_epoch, total, label):
        self.calls.append(("begin", first_epoch, total, label))

    def epoch_end(self, event):
        self.calls.append(("epoch_end", event.epoch, event.record["epoch"], event.state.epochs_done))

    def finish(self, state):
        self.calls.append(("finish", state.epochs_done))

    def close(self, result, state):
        self.calls.append(("close", result.stop_reason))


def _tiny_run(tiny_data, handlers, epochs=3):
    X, y = tiny_data
    y_idx = np.unique(y, return_inverse=True)[1]
    torch.manual_seed(0)
    network = MLSTMFCN(X.shape[1], X.shape[2], 3, filters=(4, 4, 4), lstm_units=2, se_reduction=2)
    gen = torch.Generator().manual_seed(0)
    return train(network, SeriesOnDevice.from_numpy(X, y_idx, None, CPU), TrainConfig(epochs=epochs), gen,
                 label="fit 1/2", handlers=handlers)


def test_train_calls_every_handler_in_order_and_says_why_it_ended(tiny_data):
    calls = []
    result = _tiny_run(tiny_data, [Recorder(calls)])
    assert calls == [("begin", 0, 3, "fit 1/2"), ("epoch_end", 1, 1, 1), ("epoch_end", 2, 2, 2),
                     ("epoch_end", 3, 3, 3), ("finish", 3), ("close", "epoch cap")]
    assert result.stop_reason == "epoch cap"


def test_an_interrupted_run_is_closed_but_not_finished(tiny_data):
    calls = []

    def interrupt(event):
        if event.epoch == 2:
            raise KeyboardInterrupt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = _tiny_run(tiny_data, [Callbacks([interrupt]), Recorder(calls)])
    assert [c[0] for c in calls] == ["begin", "epoch_end", "close"] and calls[-1] == ("close", "interrupted")
    assert result.interrupted and result.history["epoch"] == [1, 2]


def test_the_estimators_handlers_and_how_other_ranks_run_them(tmp_path):
    assert epoch_handlers() == []  # a quiet fit has no per-epoch work
    checkpointer = Checkpointer(tmp_path, "run", 5)
    callbacks, checkpoints, progress = epoch_handlers(verbose=1, callbacks=[print], checkpointer=checkpointer)
    assert isinstance(callbacks, Callbacks) and isinstance(checkpoints, WriteCheckpoints)
    assert isinstance(progress, ShowProgress) and progress.enabled
    assert checkpoints.for_rank(0) is checkpoints and not checkpoints.for_rank(1).writes and checkpoints.writes
    assert not progress.for_rank(1).enabled and callbacks.for_rank(1) is callbacks
