"""The project's benchmarks: studies, speed, peers and the report tables, run as ``python -m benchmarks.<group>.<script>``.

See ``benchmarks/README.md`` for what each script measures and which result it writes.
"""

from pathlib import Path

#: The repository's root (the scripts run from there).
REPO = Path(__file__).resolve().parent.parent
#: The committed results: every script's default output folder is under it.
RESULTS = Path(__file__).resolve().parent / "results"
