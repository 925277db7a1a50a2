"""An argument parser that answers a mistyped option with the options it may have meant.

``--lstm_units 4`` is an unknown option to argparse (the option is
``--lstm-units``); instead of "unrecognized arguments" alone, the command's
parser names the closest of its own options.
"""

from __future__ import annotations

import argparse
import difflib

#: How close (difflib's ratio) an option must be to a mistyped one to be suggested.
CUTOFF = 0.75


def close_options(typed: str, options: list[str]) -> list[str]:
    """The long options closest to ``typed`` (``_`` read as ``-``, any ``=value`` dropped), best first."""
    name = typed.split("=", 1)[0]
    candidates = [o for o in options if o.startswith("--")]
    spelled = "--" + name.lstrip("-").replace("_", "-").lower()
    if spelled in candidates:
        return [spelled]
    return difflib.get_close_matches(spelled, candidates, n=3, cutoff=CUTOFF)


def suggestion(unknown: list[str], options: list[str]) -> str:
    """`` (did you mean --x?)`` for the unknown arguments that look like mistyped options, else ``""``."""
    hints = []
    for arg in unknown:
        if arg.startswith("-") and len(arg) > 1 and not _is_number(arg):
            close = close_options(arg, options)
            if close:
                hints.append(f"{arg.split('=', 1)[0]}: did you mean {' or '.join(close)}?")
    return f" ({'; '.join(hints)})" if hints else ""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class SuggestingParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose commands refuse unknown options with the closest known ones.

    A command's parser (one without sub-commands) refuses unknown arguments
    itself, with its own options to suggest from, rather than leaving them to
    the top-level parser, which knows only its own.
    """

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        if extras and self._subparsers is None:
            hint = suggestion(extras, list(self._option_string_actions))
            if hint:
                self.error(f"unrecognized arguments: {' '.join(extras)}{hint}")
        return namespace, extras
