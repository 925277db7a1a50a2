"""``python -m mlstm_fcn``: the same as the ``mlstm-fcn`` command."""

import sys

from .cli import main

sys.exit(main())
