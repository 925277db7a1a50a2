"""The progress bar of a training run: display only, apart from the hyper-parameters."""

from __future__ import annotations

from tqdm.auto import tqdm


class ProgressBar:
    """A tqdm bar over epochs showing loss, accuracy, learning rate (and validation loss).

    Parameters
    ----------
    enabled : bool
        Show it (``verbose >= 1``).
    label : str
        ``"fit"``, or ``"fit 2/5"`` for the second network of an ensemble.
    start, total : int
        Epochs already done (a resumed run) and in all.
    """

    def __init__(self, enabled: bool, label: str, start: int, total: int) -> None:
        self.enabled = enabled
        # Advanced by show(), never iterated: tqdm closes a bar whose loop is left early, before
        # close() could say why.
        self.bar = tqdm(desc=label, unit="epoch", disable=not enabled, initial=start, total=total)

    def show(self, record: dict) -> None:
        """Show the figures of the epoch just finished."""
        if not self.enabled:
            return
        postfix = {"loss": f"{record['loss']:.4f}"}
        if "accuracy" in record:  # a regressor's record has none
            postfix["acc"] = f"{record['accuracy']:.3f}"
        postfix["lr"] = f"{record['learning_rate']:.2e}"
        if "val_loss" in record:
            postfix["val_loss"] = f"{record['val_loss']:.4f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def close(self, reason: str = "", epochs_done: int | None = None) -> None:
        """Close the bar, its last line saying why training ended (``reason``) after how many epochs.

        A bar stopped at 24/100 by a stop rule otherwise reads like a crash.
        """
        if self.enabled and reason:
            self.bar.set_postfix_str(f"{self.bar.postfix}, " * bool(self.bar.postfix)
                                     + f"ended: {reason}" + (f" after {epochs_done} epochs"
                                                               if epochs_done is not None else ""))
        self.bar.close()
