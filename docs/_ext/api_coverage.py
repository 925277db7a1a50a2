"""Every public name has an API page: the build fails when ``__all__`` names one the reference lacks.

A public module is any module of the package whose dotted name has no part starting with ``_``,
except those listed in :data:`INTERNAL` and the submodules of the packages in :data:`PACKAGE_API`. Each name in its ``__all__`` must be listed by an
``autosummary`` in ``docs/api/`` (as itself, or as the same object re-exported elsewhere, e.g.
``mlstm_fcn.classifier.MLSTMFCNClassifier`` as ``mlstm_fcn.MLSTMFCNClassifier``).
``tests/test_docs_api.py`` runs the same check without building the docs.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

API_DIR = Path(__file__).resolve().parents[1] / "api"

#: Packages whose ``__all__`` serve the package itself, not its users (and why).
INTERNAL = {
    "mlstm_fcn.training": "the training loop behind fit; its options are the estimators' parameters",
    "mlstm_fcn.inference": "the batched forward pass behind predict and the interpretation functions",
    "mlstm_fcn.datasets.ts_parse": "the .ts data-line parser behind load_ts",
    "mlstm_fcn.io.model_schema": "the check of a model file's content behind load (what it guarantees: saving page)",
    "mlstm_fcn.io.versions": "the versions of the files save and checkpoints write (what they mean: saving page)",
}
#: Packages whose public names are those of the package's own ``__all__``; their submodules are
#: where the names are defined, not a second way to import them.
PACKAGE_API = {"mlstm_fcn.nn"}
#: ``__all__`` entries that are not API objects.
SKIP: set[str] = set()


def _internal(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in INTERNAL) or any(
        name.startswith(p + ".") for p in PACKAGE_API) or any(part.startswith("_") for part in name.split("."))


def public_modules() -> list[str]:
    """Dotted names of the public modules that declare ``__all__``."""
    import mlstm_fcn

    names = ["mlstm_fcn"] + [m.name for m in pkgutil.walk_packages(mlstm_fcn.__path__, "mlstm_fcn.")]
    return [n for n in names if not _internal(n) and hasattr(importlib.import_module(n), "__all__")]


def documented() -> list[str]:
    """``module.name`` of every entry of the autosummary tables in ``docs/api/*.rst``."""
    names, module, in_table = [], None, False
    for page in sorted(API_DIR.glob("*.rst")):
        for line in page.read_text().splitlines():
            m = re.match(r"\.\. (?:current)?module:: (\S+)", line)
            if m:
                module, in_table = m.group(1), False
            elif line.startswith(".. autosummary::"):
                in_table = True
            elif in_table and line.strip() and not line.startswith((" ", "\t")):
                in_table = False
            elif in_table and line.strip() and not line.strip().startswith(":"):
                names.append(f"{module}.{line.strip()}")
    return names


def _resolve(dotted: str):
    module, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def undocumented() -> list[str]:
    """Public names without an API page."""
    listed = documented()
    objects = [_resolve(d) for d in listed]
    missing = []
    for module in public_modules():
        for name in importlib.import_module(module).__all__:
            if name in SKIP or f"{module}.{name}" in listed:
                continue
            obj = _resolve(f"{module}.{name}")
            if not any(obj is o for o in objects):
                missing.append(f"{module}.{name}")
    return missing


def check(app) -> None:
    missing = undocumented()
    if missing:
        from sphinx.errors import ExtensionError

        raise ExtensionError("public names without an API page (add them to docs/api/index.rst): "
                             + ", ".join(missing))


def setup(app):
    app.connect("builder-inited", check)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
