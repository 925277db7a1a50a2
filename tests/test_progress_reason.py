"""Why a fit ended, on the progress bar's last line, and a resumed fit said through logging at any verbosity."""

import logging

import pytest

from mlstm_fcn import MLSTMFCNClassifier

# One batch per epoch (the paper's 128): the epoch counts below were read off such runs.
TINY = dict(filters=(4, 4, 4), kernel_sizes=(3, 3, 3), se_reduction=2, lstm_units=2, batch_size=128, device="cpu",
            random_state=0)


def last_bar_line(err: str) -> str:
    return [line for line in err.replace("\r", "\n").splitlines() if line.strip()][-1]


@pytest.mark.parametrize("params, reason", [
    (dict(epochs=30, early_stopping=1), "ended: early stopping after 2 epochs"),
    (dict(epochs=2), "ended: epoch cap after 2 epochs"),
])
def test_the_bar_ends_with_the_reason(basic_motions, capsys, one_torch_thread, params, reason):
    X, y = basic_motions[:2]
    clf = MLSTMFCNClassifier(verbose=1, stop_when_fitted=None, **params, **TINY).fit(X, y)
    line = last_bar_line(capsys.readouterr().err)
    assert reason in line, line
    assert f"{clf.n_epochs_}/{params['epochs']}" in line  # the count is of epochs done, not one short


def test_fitted_rule_is_named(tiny_data, capsys, one_torch_thread):
    X, y = tiny_data
    clf = MLSTMFCNClassifier(verbose=1, epochs=200, stop_when_fitted=2, augmentation=None,  # mixed: seldom fitted
                             **{**TINY, "filters": (8, 8, 8)}).fit(X, y)
    assert clf.n_epochs_ < 200
    assert "ended: fitted for 2 epochs" in last_bar_line(capsys.readouterr().err)


def test_a_resumed_fit_is_logged_at_verbose_0(basic_motions, tmp_path, caplog, one_torch_thread):
    X, y = basic_motions[:2]
    MLSTMFCNClassifier(epochs=2, checkpoint_dir=tmp_path, **TINY).fit(X, y)
    assert not [r for r in caplog.records if "resumed" in r.getMessage()]
    with caplog.at_level(logging.INFO, logger="mlstm_fcn"):
        MLSTMFCNClassifier(epochs=2, verbose=0, checkpoint_dir=tmp_path, **TINY).fit(X, y)
    resumed = [r for r in caplog.records if "resumed" in r.getMessage()]
    assert len(resumed) == 1 and resumed[0].name.startswith("mlstm_fcn.")
    assert "after epoch 2 of 2" in resumed[0].getMessage() and str(tmp_path) in resumed[0].getMessage()


def test_an_interrupted_fit_says_so(basic_motions, capsys, one_torch_thread):
    X, y = basic_motions[:2]

    def stop_at_epoch_2(end):
        if end.epoch == 2:
            raise KeyboardInterrupt

    with pytest.warns(RuntimeWarning, match="interrupted"):
        MLSTMFCNClassifier(verbose=1, epochs=10, callbacks=[stop_at_epoch_2], **TINY).fit(X, y)
    assert "ended: interrupted after 2 epochs" in last_bar_line(capsys.readouterr().err)
