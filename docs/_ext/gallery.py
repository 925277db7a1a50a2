"""The order of the gallery's examples: the first steps first, then the others by file name."""

from __future__ import annotations

from pathlib import Path

from sphinx_gallery.sorting import FileNameSortKey

#: Examples shown first, in this order (the rest follow by file name).
FIRST = ["quickstart.py", "your_own_data.py", "unequal_length.py", "channel_attention.py"]


class ExampleOrder(FileNameSortKey):
    """:data:`FIRST`, then the others by file name."""

    def __call__(self, filename: str):
        name = Path(filename).name
        return (FIRST.index(name), "") if name in FIRST else (len(FIRST), name)
