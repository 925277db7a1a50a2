"""The one rule for every file a command writes: checked before any work, never one of its inputs.

A command names its output and its inputs; :func:`check_output` refuses an
output that is (by resolved path, or by device and inode: a hard link, a
symbolic link) one of the inputs, or that cannot be written, before anything
is read or trained. The writers themselves are atomic
(:func:`mlstm_fcn.io.atomic.atomic_write`), so an interrupted command leaves
an existing output as it was. :class:`InterruptWatch` tells a command whether
Ctrl-C arrived during a step that keeps going after it (a fit keeps its best
weights so far), so that the command can still exit as interrupted.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable
from pathlib import Path

from .common import CLIError

#: What an interrupted fit's partial model is written to, beside ``--out`` (which stays untouched).
INTERRUPTED_SUFFIX = ".interrupted"


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether ``a`` and ``b`` name one file: the same resolved path, or (both existing) the same inode."""
    a, b = Path(a), Path(b)
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:  # unresolvable (a loop of links, no permission): compare the names as given
        return os.path.abspath(a) == os.path.abspath(b)


def data_inputs(spec: str, split: str | None = None, data_dir: str | None = None,
                labels: str | None = None) -> list[Path]:
    """The files a command reads for a DATASET argument (a file, a dataset folder or a UEA name) and ``--y``."""
    from ..datasets import find_uea, split_file

    files = [Path(labels)] if labels else []
    path = Path(spec)
    if path.is_dir():
        folder = path
    elif path.exists() or os.sep in spec or (os.altsep and os.altsep in spec) or path.suffix:
        return files + [path]
    else:
        try:
            folder = find_uea(spec, data_dir)
        except (ValueError, OSError):  # not a dataset name: the reader says so, later
            folder = None
        if folder is None:
            return files
    splits = [split] if split else ["train", "test"]
    return files + [split_file(folder, s) for s in splits]


def check_output(out: str | os.PathLike, flag: str, inputs: Iterable[str | os.PathLike]) -> Path:
    """``out`` if a command may write it: not one of ``inputs``, its folder there and writable.

    Raises
    ------
    CLIError
        When ``out`` is one of the inputs (writing it would destroy that input)
        or cannot be written (see :func:`mlstm_fcn.io.atomic.check_writable_file`).
    """
    from ..io.atomic import check_writable_file

    out = Path(out)
    for source in inputs:
        if same_file(out, source):
            raise CLIError(f"{flag} {out} is the input file {source}: writing it would destroy that input; "
                           "name another output file")
    try:
        return check_writable_file(out, flag)
    except ValueError as exc:
        raise CLIError(str(exc)) from None


def interrupted_path(out: str | os.PathLike) -> Path:
    """Where a fit interrupted before its end writes its partial model: ``<out>.interrupted``."""
    out = Path(out)
    return out.with_name(out.name + INTERRUPTED_SUFFIX)


class InterruptWatch:
    """Within ``with``, Ctrl-C still raises ``KeyboardInterrupt``, and ``seen`` records that it came.

    Training catches the interrupt and returns the best model so far; the
    command reads ``seen`` to exit as interrupted all the same. Outside the
    main thread (where no signal handler can be set) it watches nothing.
    """

    def __init__(self) -> None:
        self.seen = False
        self._previous = None

    def _handler(self, signum, frame) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def __enter__(self) -> InterruptWatch:
        # Only over Python's own handler: an ignored SIGINT (nohup) or a caller's handler stays as it is.
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            try:
                self._previous = signal.signal(signal.SIGINT, self._handler)
            except ValueError:  # not the main thread
                self._previous = None
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        if exc[0] is KeyboardInterrupt:
            self.seen = True
