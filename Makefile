# One command to set up and run the demo, one to set up and run the tests.
#   make demo   - create .venv, install, train and evaluate MLSTM-FCN on bundled BasicMotions
#   make test   - create .venv, install with test tools, run the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

setup: $(VENV)/.installed

demo: setup
	mkdir -p out
	$(VENV)/bin/mlstm-fcn fit BasicMotions --seed 0 --out out/basicmotions.model
	$(VENV)/bin/mlstm-fcn evaluate out/basicmotions.model BasicMotions

test: setup
	$(PY) -m pytest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
