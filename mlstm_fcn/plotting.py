"""Figures: training history, confusion matrix, SE gates per class, class activation maps.

matplotlib is an optional dependency (the ``plot`` extra) and is imported
only when a figure is drawn. Every function returns the matplotlib
``Figure``; save it with ``fig.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["plot_history", "plot_confusion_matrix", "plot_se_gates", "plot_cam"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("Plotting needs matplotlib: pip install 'mlstm-fcn[plot]' "
                          "(or pip install matplotlib).") from exc
    return plt


def plot_history(history, *, best_epoch: int | None = None, title: str | None = None):
    """Loss, accuracy and learning rate per epoch.

    Parameters
    ----------
    history : dict of list or fitted MLSTMFCNClassifier
        ``clf.history_`` (or the classifier itself, whose ``history_`` and
        ``best_epoch_`` are used). ``val_loss`` / ``val_accuracy`` are drawn
        when present.
    best_epoch : int, optional
        Epoch to mark with a vertical line (the one whose weights were kept).
    title : str, optional
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Three axes: loss, accuracy, learning rate (log scale).
    """
    if not isinstance(history, Mapping):
        best_epoch = getattr(history, "best_epoch_", None) if best_epoch is None else best_epoch
        history = history.history_
    for key in ("epoch", "loss", "accuracy", "learning_rate"):
        if key not in history:
            raise ValueError(f"history has no {key!r} entry; pass clf.history_ of a fitted classifier.")
    plt = _pyplot()
    epochs = np.asarray(history["epoch"])  # counted from 1, as users count epochs
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), layout="constrained")
    panels = [("loss", "loss"), ("accuracy", "accuracy"), ("learning_rate", "learning rate")]
    for ax, (key, label) in zip(axes, panels):
        ax.plot(epochs, history[key], label="train" if key != "learning_rate" else None, color="C0")
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], label="validation", color="C1")
        if best_epoch is not None and best_epoch >= 0:
            ax.axvline(best_epoch, color="0.5", linestyle=":", linewidth=1,
                       label="best epoch" if key == "loss" else None)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_yscale("log")  # losses span decades as training converges
    axes[1].set_ylim(-0.02, 1.02)
    axes[2].set_yscale("log")
    axes[0].legend(frameon=False)
    if title:
        fig.suptitle(title)
    return fig


def plot_confusion_matrix(y_true, y_pred, *, labels: Sequence | None = None, normalize: bool = False,
                          title: str | None = None):
    """Confusion matrix as an annotated heatmap (rows: true class, columns: predicted).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_instances,)
        True and predicted labels.
    labels : sequence, optional
        Classes in display order; by default the sorted union of both.
    normalize : bool, default=False
        Show each row as fractions of the true class instead of counts.
    title : str, optional
        Axes title.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    from sklearn.metrics import confusion_matrix

    if labels is None:
        labels = np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_pred)]))
    cm = confusion_matrix(y_true, y_pred, labels=labels).astype(float)
    if normalize:
        cm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    plt = _pyplot()
    k = len(labels)
    size = min(max(3.5, 0.55 * k + 1.8), 14)
    fig, ax = plt.subplots(figsize=(size + 0.8, size), layout="constrained")
    im = ax.imshow(cm, cmap="Blues", vmin=0)
    fig.colorbar(im, ax=ax, shrink=0.8)
    names = [str(c) for c in labels]
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 3 else 0, ha="right"
                  if max(map(len, names)) > 3 else "center")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if k <= 20:  # beyond that the numbers do not fit in the cells
        top = cm.max() if cm.size else 0
        for i in range(k):
            for j in range(k):
                text = f"{cm[i, j]:.2f}" if normalize else f"{int(cm[i, j])}"
                ax.text(j, i, text, ha="center", va="center", fontsize=9,
                        color="white" if cm[i, j] > 0.6 * top else "black")
    ax.set_title(title or ("confusion matrix (row-normalised)" if normalize else "confusion matrix"))
    return fig


def plot_se_gates(classes: Sequence, means: Sequence[np.ndarray], *, sort: bool = False,
                  title: str | None = None):
    """Heatmap of the mean SE gate of every filter, per class, one panel per SE block.

    Parameters
    ----------
    classes : sequence of shape (n_classes,)
        Row labels, as returned by :func:`mlstm_fcn.interpret.se_gates_by_class`.
    means : list of ndarray of shape (n_classes, n_filters)
        Mean gates per SE block, as returned by ``se_gates_by_class``.
    sort : bool, default=False
        Reorder the filters of each block so that class-specific ones group
        together: by the class whose gate is highest, then by how much the
        gate varies between classes (largest first). Tick labels then give
        the original filter index.
    title : str, optional
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One heatmap per SE block, sharing a colour bar over [0, 1].
    """
    if not len(means):
        raise ValueError("No SE gates to plot: the network has no squeeze-and-excitation block.")
    for m in means:
        if np.ndim(m) != 2 or m.shape[0] != len(classes):
            raise ValueError(f"each entry of means must have shape (n_classes={len(classes)}, n_filters); "
                             f"got {np.shape(m)}.")
    plt = _pyplot()
    k = len(classes)
    fig, axes = plt.subplots(len(means), 1, figsize=(10, (0.32 * k + 1.1) * len(means) + 0.4),
                             layout="constrained", squeeze=False)
    im = None
    for b, (ax, m) in enumerate(zip(axes[:, 0], means)):
        m = np.asarray(m, dtype=float)
        order = np.arange(m.shape[1])
        if sort:
            order = np.lexsort((-np.ptp(m, axis=0), m.argmax(axis=0)))
        im = ax.imshow(m[:, order], aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        ax.set_yticks(range(k), [str(c) for c in classes])
        if sort:
            ticks = np.linspace(0, len(order) - 1, min(len(order), 12)).round().astype(int)
            ax.set_xticks(ticks, [str(order[i]) for i in ticks])
        ax.set_xlabel(f"filter of SE block {b + 1}" + (" (sorted; ticks: filter index)" if sort else ""))
    fig.colorbar(im, ax=axes[:, 0].tolist(), label="mean gate", shrink=0.9)
    fig.suptitle(title or "squeeze-and-excitation gates per class")
    return fig


def plot_cam(series, cam, *, label: str | None = None, channel_names: Sequence[str] | None = None,
             title: str | None = None, legend: bool = True, ax=None):
    """One series with its class activation map as a coloured band behind it.

    Parameters
    ----------
    series : array-like of shape (n_channels, n_timepoints) or (n_timepoints,)
        The input series; trailing NaN (padding) is not drawn.
    cam : array-like of shape (n_timepoints,)
        Its activation map for one class, e.g. ``class_activation_maps(clf,
        X)[i, c]``; NaN steps (padding) are left blank.
    label : str, optional
        Name of the class the map is for, shown in the colour bar's label.
    channel_names : sequence of str, optional
        Legend entries of the channels.
    legend : bool, default=True
        Draw a legend of the channels (at most 10).
    title : str, optional
        Axes title.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes (e.g. one panel of a grid) instead of a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure drawn into.
    """
    series = np.asarray(series, dtype=float)
    if series.ndim == 1:
        series = series[None, :]
    cam = np.asarray(cam, dtype=float)
    if series.ndim != 2 or cam.ndim != 1 or cam.shape[0] != series.shape[1]:
        raise ValueError(f"series must be (n_channels, n_timepoints) and cam (n_timepoints,); "
                         f"got {series.shape} and {cam.shape}.")
    if ax is None:
        fig, ax = _pyplot().subplots(figsize=(9, 3.4), layout="constrained")
    else:
        fig = ax.figure
    t = np.arange(series.shape[1])
    finite = series[np.isfinite(series)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    pad = 0.05 * (hi - lo or 1.0)
    # The map as a one-row image stretched behind the curves: each column is one time step.
    band = np.ma.masked_invalid(cam[None, :])
    # Symmetric colour scale: red is evidence for the class, blue against, white neutral.
    vmax = float(np.nanmax(np.abs(cam))) if np.isfinite(cam).any() else 1.0
    im = ax.imshow(band, aspect="auto", cmap="coolwarm", alpha=0.55, interpolation="nearest",
                   vmin=-vmax, vmax=vmax or 1.0,
                   extent=(-0.5, series.shape[1] - 0.5, lo - pad, hi + pad), origin="lower")
    names = channel_names or [f"channel {i}" for i in range(series.shape[0])]
    for i, s in enumerate(series):
        ax.plot(t, s, linewidth=1.2, label=names[i] if i < len(names) else None)
    ax.set_xlim(-0.5, series.shape[1] - 0.5)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel("time step")
    ax.set_ylabel("value")
    if legend and series.shape[0] <= 10:
        ax.legend(fontsize=8, loc="upper right", ncol=min(3, series.shape[0]), framealpha=0.85)
    fig.colorbar(im, ax=ax, label=f"CAM ({label})" if label is not None else "CAM", pad=0.01)
    if title:
        ax.set_title(title)
    return fig
