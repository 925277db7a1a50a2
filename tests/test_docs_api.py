"""Every public name has a page in the API reference (the docs build runs the same check)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import api_coverage  # noqa: E402


def test_every_public_name_has_an_api_page():
    assert "mlstm_fcn" in api_coverage.public_modules()
    assert api_coverage.undocumented() == []


def test_every_listed_name_exists():
    # A renamed or removed name must leave the reference too (autosummary would only warn).
    for dotted in api_coverage.documented():
        assert api_coverage._resolve(dotted) is not None, dotted


def test_a_missing_name_is_caught(monkeypatch):
    # The check can fail: with the top-level names unlisted, they are reported.
    listed = [d for d in api_coverage.documented() if d != "mlstm_fcn.MLSTMFCNClassifier"]
    monkeypatch.setattr(api_coverage, "documented", lambda: listed)
    assert "mlstm_fcn.MLSTMFCNClassifier" in api_coverage.undocumented()


def test_helpers_users_should_not_depend_on_are_not_public():
    # What the package's own messages and search path use stays out of __all__ (and the reference).
    import mlstm_fcn.datasets
    import mlstm_fcn.datasets.archive
    import mlstm_fcn.datasets.arrays
    import mlstm_fcn.io.onnx_export

    helpers = {mlstm_fcn.datasets: {"closest_names", "not_found_hint", "sktime_data_dir"},
               mlstm_fcn.datasets.archive: {"closest_names", "not_found_hint", "sktime_data_dir"},
               mlstm_fcn.datasets.arrays: {"NPY_CONTENT", "NPZ_CONTENT"},
               mlstm_fcn.io.onnx_export: {"EXTRA"}}
    for module, names in helpers.items():
        assert not names & set(module.__all__), module.__name__
    assert not {d.rpartition(".")[2] for d in api_coverage.documented()} & set().union(*helpers.values())


def test_the_network_and_the_version_have_pages():
    import mlstm_fcn.nn

    listed = api_coverage.documented()
    assert "mlstm_fcn.__version__" in listed
    assert {f"mlstm_fcn.nn.{name}" for name in mlstm_fcn.nn.__all__} <= set(listed)
