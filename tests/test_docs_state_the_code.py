"""Values the documentation states that the code holds: each is read from the page and checked."""

import ast
import re
from pathlib import Path

import pytest

from mlstm_fcn import MLSTMFCNClassifier, MLSTMFCNRegressor, cli

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "user_guide"
DEVELOPMENT = ROOT / "docs" / "development" / "index.md"


def _paragraph(page: str, start: str) -> str:
    text = (GUIDE / page).read_text()
    return " ".join(text[text.index(start):].split("\n\n")[0].split())


def _params(text: str) -> dict:
    return {name: ast.literal_eval(value) for name, value in re.findall(r"(\w+)=([\w.]+)", text)}


def test_regression_page_states_both_estimators_training_defaults():
    text = _paragraph("regression.md", "Its training defaults differ from the classifier's")
    regressor, _, classifier = text.partition("(the classifier:")
    stated_regressor, stated_classifier = _params(regressor), _params(classifier)
    assert set(stated_regressor) == {"batch_size", "epochs", "min_epochs"}
    assert set(stated_classifier) == {"batch_size", "min_epochs", "epochs", "stop_when_fitted"}
    reg, clf = MLSTMFCNRegressor().get_params(), MLSTMFCNClassifier().get_params()
    assert {k: reg[k] for k in stated_regressor} == stated_regressor
    assert {k: clf[k] for k in stated_classifier} == stated_classifier
    assert "stop_when_fitted" not in reg  # the regressor has no such rule


def test_cli_page_states_the_exit_statuses(capsys):
    text = _paragraph("cli.md", "`fit`'s options override")
    assert "exit with status 1" in text and "exits with status 2" in text
    assert cli.main(["evaluate", "no-such.model", "BasicMotions"]) == 1  # an error: one line, status 1
    with pytest.raises(SystemExit) as wrong:
        cli.main(["fit", "BasicMotions", "--no-such-option"])  # a wrong command line: usage, status 2
    assert wrong.value.code == 2
    capsys.readouterr()


def test_model_files_are_named_as_the_command_line_names_them():
    # One extension for model files throughout the guide: the command line's `<dataset>.model`.
    for page in sorted(GUIDE.glob("*.md")):
        names = re.findall(r"[\w/-]+\.safetensors\b", page.read_text())
        assert names == [], f"{page.name} names model files {names}; the guide writes .model"
    from mlstm_fcn.cli import commands

    assert 'f"{Path(args.dataset).stem}.model"' in Path(commands.__file__).read_text()


def _package_tree() -> dict[str, set[str]]:
    """The ``mlstm_fcn/`` tree of the development page: each entry, with the modules its text names."""
    text = DEVELOPMENT.read_text()
    start = "```text\nmlstm_fcn/\n"
    entries: dict[str, set[str]] = {}
    for line in text[text.index(start) + len(start):].splitlines():
        if not line.startswith("  "):  # the next folder of the checkout, or the end of the block
            break
        if line[2] != " ":
            entry, _, line = line.strip().partition(" ")
            entries[entry] = set()
        entries[entry] |= set(re.findall(r"\b\w+\.py\b", line))
    return entries


def test_development_page_names_every_module_where_it_is():
    tree = _package_tree()
    package = ROOT / "mlstm_fcn"
    on_disk = {p.name for p in package.glob("*.py")} | {p.parent.name + "/" for p in package.glob("*/__init__.py")}
    assert sorted(on_disk - set(tree)) == [], "modules and packages the page does not name"
    assert sorted(set(tree) - on_disk) == [], "entries of the page that are not in the package"
    for entry, named in tree.items():
        if entry.endswith("/"):
            modules = {p.name for p in (package / entry).glob("*.py")}
            assert sorted(named - modules) == [], f"{entry} has no such modules"
            assert sorted(modules - named - {"__init__.py"}) == [], f"modules of {entry} the page does not name"
        else:
            assert named == set(), f"{entry}'s line names other modules: put each under its package"
