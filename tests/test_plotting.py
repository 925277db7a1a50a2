"""Figures: they draw, have the expected axes, and save to a file."""

import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from mlstm_fcn import MLSTMFCNClassifier  # noqa: E402
from mlstm_fcn import plotting  # noqa: E402
from mlstm_fcn.interpret import class_activation_maps, se_gates_by_class  # noqa: E402

from .conftest import FAST  # noqa: E402


@pytest.fixture(scope="module")
def fitted(tiny_data):
    X, y = tiny_data
    return MLSTMFCNClassifier(random_state=0, validation_split=0.25, **FAST).fit(X, y), X, y


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_history_with_validation(fitted, tmp_path):
    clf, _, _ = fitted
    fig = plotting.plot_history(clf)
    axes = fig.get_axes()
    assert [ax.get_ylabel() for ax in axes] == ["loss", "accuracy", "learning rate"]
    labels = [line.get_label() for line in axes[0].get_lines()]
    assert labels[:2] == ["train", "validation"] and "best epoch" in labels
    assert len(axes[0].get_lines()[0].get_xdata()) == clf.n_epochs_
    assert axes[2].get_yscale() == "log"
    fig.savefig(tmp_path / "h.png")
    assert (tmp_path / "h.png").stat().st_size > 1000


def test_history_without_validation_and_bad_input():
    history = {"epoch": [0, 1, 2], "loss": [1.0, 0.5, 0.2], "accuracy": [0.3, 0.6, 0.9],
               "learning_rate": [1e-3] * 3}
    fig = plotting.plot_history(history)
    assert [line.get_label() for line in fig.get_axes()[0].get_lines()] == ["train"]
    with pytest.raises(ValueError, match="accuracy"):
        plotting.plot_history({"epoch": [0], "loss": [1.0]})


def test_confusion_matrix_counts(tmp_path):
    y_true = np.array(["a", "a", "b", "b", "b", "c"])
    y_pred = np.array(["a", "b", "b", "b", "c", "c"])
    fig = plotting.plot_confusion_matrix(y_true, y_pred)
    ax = fig.get_axes()[0]
    assert ax.get_xlabel() == "predicted" and ax.get_ylabel() == "true"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    image = ax.get_images()[0].get_array()
    np.testing.assert_array_equal(image, [[1, 1, 0], [0, 2, 1], [0, 0, 1]])
    assert [t.get_text() for t in ax.texts] == ["1", "1", "0", "0", "2", "1", "0", "0", "1"]
    norm = plotting.plot_confusion_matrix(y_true, y_pred, normalize=True).get_axes()[0]
    np.testing.assert_allclose(norm.get_images()[0].get_array().sum(axis=1), 1.0)
    fig.savefig(tmp_path / "cm.png")
    assert (tmp_path / "cm.png").is_file()


def test_se_gates_heatmap(fitted, tmp_path):
    clf, X, y = fitted
    classes, means = se_gates_by_class(clf, X, y)
    fig = plotting.plot_se_gates(classes, means)
    heatmaps = [ax for ax in fig.get_axes() if ax.get_images()]
    assert len(heatmaps) == 2  # two SE blocks (the colour bar holds no image)
    for ax, m in zip(heatmaps, means):
        np.testing.assert_allclose(ax.get_images()[0].get_array(), m)
        assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    sorted_fig = plotting.plot_se_gates(classes, means, sort=True)
    first = [ax for ax in sorted_fig.get_axes() if ax.get_images()][0].get_images()[0].get_array()
    # the same values, columns reordered so that the class with the highest gate is non-decreasing
    np.testing.assert_allclose(np.sort(first, axis=1), np.sort(means[0], axis=1))
    assert np.all(np.diff(np.asarray(first).argmax(axis=0)) >= 0)
    fig.savefig(tmp_path / "g.png")
    assert (tmp_path / "g.png").is_file()
    with pytest.raises(ValueError, match="no squeeze-and-excitation"):
        plotting.plot_se_gates(classes, [])


def test_cam_plot(fitted, tmp_path):
    clf, X, _ = fitted
    cam = class_activation_maps(clf, X)
    fig = plotting.plot_cam(X[0], cam[0, 1], label="b", channel_names=["x", "y", "z"], title="one")
    ax = fig.get_axes()[0]
    assert len(ax.get_lines()) == 3 and ax.get_title() == "one"
    np.testing.assert_allclose(np.asarray(ax.get_images()[0].get_array())[0], cam[0, 1], rtol=1e-6)
    lo, hi = ax.get_images()[0].get_clim()
    assert lo == pytest.approx(-hi)  # symmetric scale around zero
    assert "CAM (b)" in fig.get_axes()[1].get_ylabel()
    fig.savefig(tmp_path / "cam.png")
    assert (tmp_path / "cam.png").is_file()
    # padded series: NaN steps are masked, and drawing into a given axes works
    series = np.array(X[0], dtype=float)
    series[:, 15:] = np.nan
    cam_row = cam[0, 0].copy()
    cam_row[15:] = np.nan
    f2, ax2 = plt.subplots()
    assert plotting.plot_cam(series, cam_row, ax=ax2, legend=False) is f2
    assert np.ma.getmaskarray(ax2.get_images()[0].get_array())[0, 15:].all()
    with pytest.raises(ValueError, match="cam"):
        plotting.plot_cam(X[0], cam[0, 0, :5])


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # import of it now fails
    with pytest.raises(ImportError, match=r"mlstm-fcn\[plot\]"):
        plotting.plot_confusion_matrix([0, 1], [0, 1])
