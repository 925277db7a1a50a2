"""The README's example is the docs home page's, which the docs build runs (its doctest pass)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_example_is_the_one_the_docs_run():
    readme = re.search(r"## Example\n\n```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    home = re.search(r"```\{testcode\}\n(.*?)```", (ROOT / "docs" / "index.md").read_text(), re.S)
    assert readme and home
    assert readme.group(1) == home.group(1)
