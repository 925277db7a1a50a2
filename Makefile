# One command to set up and run the demo, one to set up and run the tests.
#   make demo   - create .venv, install, train and evaluate MLSTM-FCN on bundled BasicMotions
#   make test   - create .venv, install with test tools, run the test suite
#   make docs   - create .venv, install with the docs tools, build the site into docs/_build/html
#   make tables - rewrite the result tables of README.md and docs/ from benchmarks/results/
#   (each benchmark runs as python -m benchmarks.<group>.<script>: benchmarks/README.md)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test docs tables clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

$(VENV)/.installed-docs: $(VENV)/.installed
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev,docs]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	mkdir -p out
	$(VENV)/bin/mlstm-fcn fit BasicMotions --seed 0 --out out/basicmotions.model
	$(VENV)/bin/mlstm-fcn evaluate out/basicmotions.model BasicMotions

test: setup
	$(PY) -m pytest

# Warnings are errors (-W, nitpicky -n): broken references, undocumented public names, stale result
# tables, failing examples. The gallery runs the examples in smoke mode (MLSTM_FCN_DOCS_FULL=1: as
# written); the doctest pass then runs the docstrings' examples, reusing the HTML pass's doctrees.
SPHINXOPTS ?= -W --keep-going -n -q
docs: $(VENV)/.installed-docs
	$(VENV)/bin/sphinx-build $(SPHINXOPTS) -b html -d docs/_build/doctrees docs docs/_build/html
	$(VENV)/bin/sphinx-build $(SPHINXOPTS) -b doctest -d docs/_build/doctrees docs docs/_build/doctest
	@echo "HTML: docs/_build/html/index.html"

tables: setup
	$(PY) -m benchmarks.report.readme_tables

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache docs/_build docs/auto_examples docs/api/generated
