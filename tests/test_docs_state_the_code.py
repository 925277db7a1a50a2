"""Values the user guide states that the code holds: each is read from the page and checked."""

import ast
import re
from pathlib import Path

import pytest

from mlstm_fcn import MLSTMFCNClassifier, MLSTMFCNRegressor, cli

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "user_guide"


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
