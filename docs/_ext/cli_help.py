"""The command-line page shows what the argparse parsers print, taken from them at build time.

``.. cli-help:: COMMAND`` is the ``--help`` text of COMMAND: a sub-command of ``mlstm-fcn``
(``fit``, ``evaluate``, ...), ``mlstm-fcn`` itself, or ``distributed`` (the
``torchrun -m mlstm_fcn.distributed`` launcher). ``.. cli-commands::`` is a section per sub-command,
in the parser's order, so a new sub-command gets its section without editing the page.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

WIDTH = "80"  # argparse wraps at $COLUMNS; a fixed width keeps the page the same on every machine


@contextmanager
def _columns(width: str):
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = width
    try:
        yield
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


def help_text(command: str) -> str:
    """The help ``COMMAND --help`` prints."""
    from mlstm_fcn import cli, distributed

    with _columns(WIDTH):
        if command == "distributed":
            return distributed.parser().format_help()
        parser = cli.build_parser()
        if command == cli.PROG:
            return parser.format_help()
        subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
        if command not in subparsers.choices:
            raise ValueError(f"cli-help: no command {command!r}; known: {sorted(subparsers.choices)}")
        return subparsers.choices[command].format_help()


def commands() -> list[str]:
    """The sub-commands of ``mlstm-fcn``, in the parser's order."""
    from mlstm_fcn import cli

    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return list(subparsers.choices)


class CLIHelp(SphinxDirective):
    required_arguments = 1

    def run(self):
        text = help_text(self.arguments[0]).rstrip()
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


class CLICommands(SphinxDirective):
    def run(self):
        text = "\n".join(f"{cli_name(name)}\n{'-' * len(cli_name(name))}\n\n.. cli-help:: {name}\n"
                         for name in commands())
        return self.parse_text_to_nodes(text, allow_section_headings=True)


def cli_name(command: str) -> str:
    return f"mlstm-fcn {command}"


def setup(app):
    app.add_directive("cli-help", CLIHelp)
    app.add_directive("cli-commands", CLICommands)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
