"""What every part of the command line shares: its name and the error it shows as is."""

from __future__ import annotations

PROG = "mlstm-fcn"


class CLIError(Exception):
    """An error whose message is shown to the user as is."""
