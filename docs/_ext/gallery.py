"""How sphinx-gallery runs the examples: their command line, and the figures they write to files.

The examples are scripts: they parse ``sys.argv`` and save their figures into ``--out`` (closing
them), so matplotlib's scraper alone would show none. Each example that takes ``--out`` gets a
folder of its own under ``_build/gallery-out/``, emptied before it runs, and :func:`scrape_figures`
puts every PNG it wrote there into the page, in the order written.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from sphinx_gallery.scrapers import figure_rst
from sphinx_gallery.sorting import FileNameSortKey

OUT = Path(__file__).resolve().parents[1] / "_build" / "gallery-out"
#: Examples shown first, in this order (the rest follow by file name).
FIRST = ["quickstart.py", "unequal_length.py", "channel_attention.py"]


def _takes_out(src_file: Path) -> bool:
    """Whether the example has an ``--out`` option (read from its source, not by running it)."""
    for node in ast.walk(ast.parse(src_file.read_text())):
        if (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument"
                and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == "--out"):
            return True
    return False


def _out_dir(src_file) -> Path:
    return OUT / Path(src_file).stem


def example_argv(gallery_conf, script_vars) -> list[str]:
    """``sys.argv[1:]`` of an example: ``--out`` a fresh folder where it writes files."""
    src = Path(script_vars["src_file"])
    if not _takes_out(src):
        return []
    out = _out_dir(src)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    return ["--out", str(out)]


def scrape_figures(block, block_vars, gallery_conf) -> str:
    """The PNGs the example wrote into its ``--out`` folder since the last code block."""
    out = _out_dir(block_vars["src_file"])
    if not out.is_dir():
        return ""
    seen = block_vars.setdefault("mlstm_fcn_seen", set())
    new = sorted((p for p in out.glob("*.png") if p not in seen), key=lambda p: p.stat().st_mtime_ns)
    paths = []
    for png, dest in zip(new, block_vars["image_path_iterator"]):
        shutil.copyfile(png, dest)
        seen.add(png)
        paths.append(dest)
    # One figure at a time, full width (a list of them would be drawn as small thumbnails side by side).
    return "".join(figure_rst([path], gallery_conf["src_dir"]) for path in paths)


class ExampleOrder(FileNameSortKey):
    """:data:`FIRST`, then the others by file name."""

    def __call__(self, filename: str):
        name = Path(filename).name
        return (FIRST.index(name), "") if name in FIRST else (len(FIRST), name)
