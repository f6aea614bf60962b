# opsgraph — the two commands that do all set-up: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-unit bench docs install dev clean help

help:
	@echo "make run    - create .venv, install, migrate, seed the demo on first start, serve on http://$(HOST):$(PORT)/"
	@echo "make test   - create .venv, install with dev extras, run the whole test suite"
	@echo "make docs   - refresh docs/screenshots and docs/evals/latest.md from a test run"
	@echo "make bench  - run the benchmarks in bench/ (results belong in docs/benchmarks.md)"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("opsgraph needs Python 3.11+") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.installed-dev

run: install
	$(VENV)/bin/opsgraph serve --host $(HOST) --port $(PORT)

test: dev
	$(PY) -m pytest -q $(PYTEST_ARGS)

test-unit: dev
	$(PY) -m pytest -q tests/unit $(PYTEST_ARGS)

# Refresh what the README shows (screenshots, the offline evaluation report) from a test run.
docs: dev
	OPSGRAPH_TEST_ARTIFACTS=docs $(PY) -m pytest -q tests/evals tests/browser $(PYTEST_ARGS)

bench: dev
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
