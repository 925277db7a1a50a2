"""The release's files agree with the package: one version, a licence, a changelog entry, a citation."""

import re
from pathlib import Path

import pytest

import mlstm_fcn

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_version_is_stated_once():
    project = PYPROJECT["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "mlstm_fcn.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", mlstm_fcn.__version__)


def test_the_citation_file_cites_this_version_and_the_paper():
    text = (ROOT / "CITATION.cff").read_text()
    versions = re.findall(r"^version: *\"?([^\"\s]+)\"?$", text, flags=re.M)
    assert versions == [mlstm_fcn.__version__]
    assert re.search(r"^license: BSD-3-Clause$", text, flags=re.M)
    preferred = text[text.index("preferred-citation:"):]
    assert "Multivariate LSTM-FCNs for time series classification" in preferred
    assert "doi: 10.1016/j.neunet.2019.04.014" in preferred and "volume: 116" in preferred


def test_the_licence_is_the_declared_one():
    assert PYPROJECT["project"]["license"] == "BSD-3-Clause"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text().startswith("BSD 3-Clause License")


def test_the_changelog_has_this_version_and_an_unreleased_section():
    headings = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), flags=re.M)
    assert headings[0] == "Unreleased"
    assert mlstm_fcn.__version__ in headings[1:]


def test_the_dev_extra_has_the_packaging_tools():
    # .ci/check_package.sh runs `python -m build` and `twine check` with the dev extra's Python.
    names = {re.split(r"[<>=\[ ]", req)[0] for req in PYPROJECT["project"]["optional-dependencies"]["dev"]}
    assert {"build", "twine", "pytest"} <= names


def test_the_install_page_lists_every_extra():
    # Getting started names each extra of pyproject.toml and what it brings.
    text = (ROOT / "docs" / "user_guide" / "getting_started.md").read_text()
    listed = text[text.index("<!-- extras"):].split("\n\n")[0]
    names = re.findall(r"^- `([a-z]+)`:", listed, flags=re.M)
    assert names and sorted(names) == sorted(PYPROJECT["project"]["optional-dependencies"])


def test_the_docs_are_built_with_the_hosts_dependencies():
    # The documentation host and `make docs` install the docs extra alone, which holds what the build
    # needs (the extras whose modules the API pages import and the examples run).
    host = (ROOT / ".readthedocs.yaml").read_text()
    assert re.findall(r"^ +- (\w+)$", host.split("extra_requirements:")[1], flags=re.M) == ["docs"]
    make = (ROOT / "Makefile").read_text()
    installs = re.findall(r'-e "\.\[([\w,]+)\]"', make)
    assert sorted(installs) == ["dev", "docs"]  # the test venv and the docs venv, one each
    assert re.search(r"^docs: \$\(DOCS_VENV\)/\.installed$", make, flags=re.M)
    docs = PYPROJECT["project"]["optional-dependencies"]["docs"]
    assert "mlstm-fcn[plot,sktime,pandas,dask,export]" in docs
