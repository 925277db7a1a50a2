"""The result tables of the docs pages are the committed results, checked as the README's are.

A page holds a table between ``<!-- generated: NAME -->`` and ``<!-- end generated -->``;
``benchmarks/report/readme_tables.py`` writes it from ``benchmarks/results/``. When a page's table differs
from what the results give, the build warns (an error under ``-W``) and shows the results' table.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sphinx.util import logging

ROOT = Path(__file__).resolve().parents[2]
logger = logging.getLogger(__name__)


def _render(text: str) -> str:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import readme_tables

    return readme_tables.render(text)


def check_tables(app, docname: str, source: list[str]) -> None:
    text = source[0]
    if "<!-- generated: " not in text:
        return
    new = _render(text)
    if new != text:
        logger.warning("%s: a result table differs from benchmarks/results/; run python "
                       "benchmarks/report/readme_tables.py", docname, location=docname)
        source[0] = new


def setup(app):
    app.connect("source-read", check_tables)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
