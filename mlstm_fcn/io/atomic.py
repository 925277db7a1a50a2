"""Writing a file so that readers see the old one or the new one, never a part; and checking, before
long work, that it can be written at all."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

#: Longest file name most file systems take (ext4, XFS, APFS, NTFS: 255 bytes).
NAME_MAX = 255


def temporary_name(path: Path) -> Path:
    """The temporary file beside ``path`` that :func:`atomic_write` writes first.

    ``.<name>.<pid>.tmp`` where that is a valid name; for a name already near
    :data:`NAME_MAX`, a hash of it stands in, so that every valid name can be written.
    """
    suffix = f".{os.getpid()}.tmp"
    name = f".{path.name}{suffix}"
    if len(os.fsencode(name)) > NAME_MAX:
        name = f".{hashlib.sha256(os.fsencode(path.name)).hexdigest()[:32]}{suffix}"
    return path.with_name(name)


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` through ``write(file)`` into a temporary file beside it, then move it into place.

    ``os.replace`` within one directory is atomic, so a process killed during
    the write leaves the previous file intact; the temporary file is removed
    whatever happens.
    """
    path = Path(path)
    tmp = temporary_name(path)
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _probe(folder: Path, what: str) -> None:
    # Permission bits say nothing to root, nor about read-only mounts: only a write tells.
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ValueError(f"{what} {os.fspath(folder)!r} cannot be written to ({exc.strerror or exc}).") from None


def check_writable_folder(directory: str | os.PathLike, what: str = "folder") -> Path:
    """Create ``directory`` if missing and check that files can be written in it; before the work that writes them.

    Raises
    ------
    ValueError
        When ``directory`` is a file, cannot be created, or cannot be written to.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"{what} {os.fspath(directory)!r} is a file, not a folder.")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{what} {os.fspath(directory)!r} cannot be created ({exc.strerror or exc}).") from None
    _probe(directory, what)
    return directory


def check_writable_file(path: str | os.PathLike, what: str = "output file") -> Path:
    """Check, before the work, that :func:`atomic_write` can write ``path`` (its folder exists and is writable).

    Raises
    ------
    ValueError
        When ``path`` is a folder, its folder is missing or not writable, or its name is too long.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{what} {os.fspath(path)!r} is a folder; name a file.")
    folder = path.parent
    if not folder.is_dir():
        raise ValueError(f"the folder of {what} {os.fspath(path)!r} does not exist.")
    if len(os.fsencode(path.name)) > NAME_MAX:
        raise ValueError(f"{what} name is longer than {NAME_MAX} bytes: {path.name[:40]!r}...")
    _probe(folder, f"the folder of {what}")
    return path
