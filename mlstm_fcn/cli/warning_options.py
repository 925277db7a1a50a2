"""``-W`` and ``PYTHONWARNINGS`` options that name this package's warnings, applied once the package is imported.

Python reads those options at start-up, before the installed packages can be
imported, so ``PYTHONWARNINGS=ignore::mlstm_fcn.LayoutWarning`` is dropped
("invalid module name") when ``mlstm-fcn`` starts. The command applies such
options again here, as Python would have.
"""

from __future__ import annotations

import importlib
import re
import sys
import warnings
from collections.abc import Iterable

_PACKAGE = "mlstm_fcn"
_ACTIONS = ("default", "always", "ignore", "module", "once", "error")


def _category(name: str) -> type[Warning] | None:
    module, _, klass = name.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), klass, None)
    except ImportError:
        return None
    return found if isinstance(found, type) and issubclass(found, Warning) else None


def apply_package_warning_options(options: Iterable[str] | None = None) -> None:
    """Add the filters of ``options`` (default ``sys.warnoptions``) whose category is one of this package's.

    Each option is ``action:message:category:module:lineno``, read as Python
    reads it (an action may be abbreviated; message and module match
    literally). Options about other categories are Python's own, already applied.
    """
    for option in sys.warnoptions if options is None else options:
        parts = [p.strip() for p in option.split(":")]
        if len(parts) > 5:
            continue
        action, message, category, module, lineno = parts + [""] * (5 - len(parts))
        if not category.startswith(_PACKAGE + "."):
            continue
        actions = [a for a in _ACTIONS if action and a.startswith(action)]
        cls = _category(category)
        if len(actions) != 1 or cls is None or not (lineno.isdigit() or not lineno):
            continue
        warnings.filterwarnings(actions[0], re.escape(message), cls, re.escape(module) + r"\Z" if module else "",
                                int(lineno or 0))
