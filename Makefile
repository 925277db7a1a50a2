# One command to set up and run the demo, one to set up and run the tests.
#   make demo   - create .venv, install, train and evaluate MLSTM-FCN on bundled BasicMotions
#   make test   - create .venv, install with test tools, run the test suite
#   make docs   - create .venv-docs with the docs extra alone (as the documentation host does), build
#                 the site into docs/_build/html
#   make package-check - build sdist and wheel, twine check, install the wheel in a fresh venv and use it
#   make tables - rewrite the result tables of README.md and docs/ from benchmarks/results/
#   (each benchmark runs as python -m benchmarks.<group>.<script>: benchmarks/README.md)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The docs are built in a venv of their own holding the docs extra and nothing else: the set the
# documentation host installs (.readthedocs.yaml), so that a build passing here passes there.
DOCS_VENV ?= .venv-docs

.PHONY: setup demo test docs package-check tables clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

$(DOCS_VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_VENV)/bin/python -m pip install --quiet -c constraints.txt -e ".[docs]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	mkdir -p out
	$(VENV)/bin/mlstm-fcn fit BasicMotions --seed 0 --out out/basicmotions.model
	$(VENV)/bin/mlstm-fcn evaluate out/basicmotions.model BasicMotions

test: setup
	$(PY) -m pytest

# Warnings are errors (-W, nitpicky -n): broken references, undocumented public names, stale result
# tables, failing examples. The gallery runs the examples as written (short real fits); the doctest
# pass then runs the docstrings' examples, reusing the HTML pass's doctrees.
SPHINXOPTS ?= -W --keep-going -n -q
docs: $(DOCS_VENV)/.installed
	$(DOCS_VENV)/bin/sphinx-build $(SPHINXOPTS) -b html -d docs/_build/doctrees docs docs/_build/html
	$(DOCS_VENV)/bin/sphinx-build $(SPHINXOPTS) -b doctest -d docs/_build/doctrees docs docs/_build/doctest
	@echo "HTML: docs/_build/html/index.html"

# The sdist and wheel build, pass `twine check`, and the wheel installed with its runtime dependencies
# only fits, predicts, saves and loads from outside the checkout (.ci/check_package.sh).
package-check: setup
	PY=$(abspath $(PY)) .ci/check_package.sh

tables: setup
	$(PY) -m benchmarks.report.readme_tables

clean:
	rm -rf $(VENV) $(DOCS_VENV) build *.egg-info .pytest_cache docs/_build docs/auto_examples docs/api/generated
