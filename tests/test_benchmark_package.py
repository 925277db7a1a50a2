"""The benchmarks package: every script imports as ``benchmarks.<group>.<script>``, through public API only."""

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import benchmarks

MODULES = sorted(m.name for m in pkgutil.walk_packages(benchmarks.__path__, "benchmarks."))


def _private_imports(source: str) -> list[str]:
    """The imports of ``source`` that name a part of mlstm_fcn starting with an underscore."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module.split(".")[0] == "mlstm_fcn":
            parts = node.module.split(".") + [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            parts = [p for a in node.names if a.name.split(".")[0] == "mlstm_fcn" for p in a.name.split(".")]
        else:
            continue
        if any(p.startswith("_") for p in parts):
            found.append(ast.unparse(node))
    return found


def test_the_groups_are_there():
    assert {"benchmarks.studies", "benchmarks.speed", "benchmarks.peers", "benchmarks.report",
            "benchmarks.cli"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_a_script_imports_and_uses_only_the_public_api(name):
    module = importlib.import_module(name)
    source = Path(module.__file__).read_text()
    assert _private_imports(source) == []
    assert "sys.path" not in source  # imports go through the package, never through a path


def test_a_private_import_is_caught():
    assert _private_imports("from mlstm_fcn._runtime.device import resolve_device\nimport mlstm_fcn._estimator.base\n"
                            "from mlstm_fcn.training import _helper\nfrom mlstm_fcn.training import train\n") == [
        "from mlstm_fcn._runtime.device import resolve_device", "import mlstm_fcn._estimator.base",
        "from mlstm_fcn.training import _helper"]
