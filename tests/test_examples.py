"""The examples are sphinx-gallery scripts on the bundled data; the documentation build runs them.

Running them is the gallery's job (``make docs``, in CI, stops at an example that fails, and the
examples assert what they show); these tests check what the build relies on without training.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
BUNDLED = {p.name for p in (ROOT / "datasets").iterdir() if p.is_dir()}
#: The examples shown without being run, each for a reason its page gives.
NOT_RUN = {"dask_grid_search.py", "gpu_training.py"}


def _gallery_pattern() -> re.Pattern:
    conf = (ROOT / "docs" / "conf.py").read_text()
    return re.compile(ast.literal_eval(re.search(r'"filename_pattern": (r"[^"]+")', conf).group(1)))


def _docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text()), clean=False)


def test_the_build_runs_every_example_but_those_it_cannot():
    pattern = _gallery_pattern()
    not_run = {p.name for p in SCRIPTS if not pattern.search(str(p))}
    assert not_run == NOT_RUN
    for name in NOT_RUN:
        assert "not run when the documentation is built" in " ".join(_docstring(EXAMPLES / name).split())


def test_examples_are_gallery_scripts_with_text():
    titles = []
    for path in SCRIPTS:
        lines = _docstring(path).strip("\n").splitlines()
        title, underline = lines[0], lines[1]
        assert underline == "=" * len(title), f"{path.name}: the title's underline must match its length"
        assert len(lines) > 3 and lines[2] == "" and lines[3].strip(), f"{path.name}: an introduction"
        source = path.read_text()
        cells = re.findall(r"^# %%\n((?:#.*\n)*)", source, flags=re.M)
        assert cells, f"{path.name} has no # %% cell"
        titles.append(title)
        if path.name not in NOT_RUN:
            # The text cells explain the code: most say something, not only mark a boundary.
            assert sum(len(c.splitlines()) >= 2 for c in cells) >= len(cells) / 2, path.name
            assert "argparse" not in source and "sys.argv" not in source, path.name
    assert len(set(titles)) == len(titles)


def test_examples_the_build_runs_use_the_bundled_data():
    for path in SCRIPTS:
        if path.name in NOT_RUN:
            continue
        source = path.read_text()
        names = set(re.findall(r'load_uea\("(\w+)"', source))
        assert names and names <= BUNDLED, (path.name, names - BUNDLED)
        assert "download=True" not in source, path.name


def test_the_examples_shown_first_exist():
    # Read from the source: the test environment need not have sphinx-gallery.
    tree = ast.parse((ROOT / "docs" / "_ext" / "gallery.py").read_text())
    first = next(ast.literal_eval(node.value) for node in tree.body
                 if isinstance(node, ast.Assign) and node.targets[0].id == "FIRST")
    assert first and set(first) <= {p.name for p in SCRIPTS}
