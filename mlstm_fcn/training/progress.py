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
        self.bar = tqdm(range(start, total), desc=label, unit="epoch", disable=not enabled,
                        initial=start, total=total)

    def __iter__(self):
        return iter(self.bar)

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
        self.bar.set_postfix(postfix)

    def close(self) -> None:
        self.bar.close()
