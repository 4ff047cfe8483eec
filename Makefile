# The two commands the README promises: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SERVICES_ENV ?= $(CURDIR)/.test-services/env

.PHONY: run test install services lint unit bench package clean

$(STAMP): pyproject.toml
	@bash scripts/bootstrap-python.sh "$(PYTHON)" "$(VENV)"
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[gui,dev]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	@bash scripts/run-app.sh "$(VENV)"

services: install
	@bash scripts/test-services.sh "$(SERVICES_ENV)"

lint: install
	$(VENV)/bin/ruff check pixel_desktop tests scripts bench packaging
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

test: install services
	@set -a; source "$(SERVICES_ENV)"; set +a; \
	$(VENV)/bin/ruff check pixel_desktop tests && \
	$(VENV)/bin/lint-imports && \
	$(VENV)/bin/mypy && $(VENV)/bin/mypy tests/*_fakes.py && \
	$(PY) -m pytest -p no:cacheprovider -ra $(PYTEST_ARGS)

unit: install
	$(PY) -m pytest tests/unit -q

bench: install
	@set -a; [ -f "$(SERVICES_ENV)" ] && source "$(SERVICES_ENV)"; set +a; \
	$(PY) bench/run.py

package: install
	@bash packaging/build.sh "$(VENV)"

clean:
	rm -rf build dist .pytest_cache
