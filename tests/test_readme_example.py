"""The README's example is the docs home page's, which the docs build runs (its doctest pass)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_example_is_the_one_the_docs_run():
    readme = re.search(r"## Example\n\n```python\n(.*?)```", README, re.S)
    home = re.search(r"```\{testcode\}\n(.*?)```", (ROOT / "docs" / "index.md").read_text(), re.S)
    assert readme and home
    assert readme.group(1) == home.group(1)


def test_readme_output_is_the_one_the_docs_check():
    # The output the README shows is the home page's testoutput, which the doctest pass compares.
    readme = re.search(r"## Example\n\n```python\n.*?```\n\nOutput[^\n]*\n\n```text\n(.*?)```", README, re.S)
    home = re.search(r"```\{testoutput\}\n(.*?)```", (ROOT / "docs" / "index.md").read_text(), re.S)
    assert readme and home
    assert readme.group(1) == home.group(1)


def test_readme_links_point_at_files_of_the_repository():
    # Relative links render on GitHub when they name a file or folder of the repository.
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    local = [link for link in links if not link.startswith(("http://", "https://"))]
    assert local
    missing = [link for link in local if not (ROOT / link).exists()]
    assert missing == []
