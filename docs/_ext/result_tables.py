"""The result tables of the docs pages are the committed results, checked as the README's are.

A page holds a table between ``<!-- generated: NAME -->`` and ``<!-- end generated -->``;
``benchmarks/report/readme_tables.py`` writes it from ``benchmarks/results/``. When a page's table differs
from what the results give, the build warns (an error under ``-W``) and shows the results' table.
"""

from __future__ import annotations

from sphinx.util import logging

logger = logging.getLogger(__name__)


def _render(text: str) -> str:
    from benchmarks.report import readme_tables  # the repository's root is on the path (conf.py)

    return readme_tables.render(text)


def check_tables(app, docname: str, source: list[str]) -> None:
    text = source[0]
    if "<!-- generated: " not in text:
        return
    new = _render(text)
    if new != text:
        logger.warning("%s: a result table differs from benchmarks/results/; run python -m "
                       "benchmarks.report.readme_tables", docname, location=docname)
        source[0] = new


def setup(app):
    app.connect("source-read", check_tables)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
