#!/usr/bin/env bash
# The packaging check (`make package-check`, run by .ci/run): build the sdist and the wheel, check their
# metadata with twine, install the wheel into a fresh virtual environment with its runtime dependencies
# only (no extras), and fit, predict, save and load a model there, from outside the checkout, so that
# nothing is imported from the source tree.
#
#   PY        the Python that has `build` and `twine` (the dev extra); default .venv/bin/python
#   PIP_ARGS  extra arguments of the wheel's installation; default: the pinned versions of constraints.txt
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PY:-$ROOT/.venv/bin/python}"
PIP_ARGS="${PIP_ARGS:--c $ROOT/constraints.txt}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== build (sdist and wheel)"
"$PY" -m build --sdist --wheel --outdir "$WORK/dist" "$ROOT" > "$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log"; exit 1; }
ls "$WORK/dist"

echo "== twine check"
"$PY" -m twine check --strict "$WORK"/dist/*

echo "== install the wheel into a fresh venv (runtime dependencies only)"
"$PY" -m venv "$WORK/venv"
# shellcheck disable=SC2086
"$WORK/venv/bin/python" -m pip install --quiet $PIP_ARGS "$WORK"/dist/*.whl

echo "== smoke test from outside the checkout"
cd "$WORK"
MLSTM_FCN_DATA="$ROOT/datasets" "$WORK/venv/bin/python" "$ROOT/.ci/smoke_installed.py" "$ROOT"
"$WORK/venv/bin/mlstm-fcn" --version
echo "package check: OK"
