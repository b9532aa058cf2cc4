# Set-up and everyday commands. `make demo` and `make test` work on a fresh machine:
# they create .venv, install the package with its development tools, then run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint unit nightly clean

demo: $(STAMP)  ## run the whole segmentation on generated demo data (./segment_demo)
	$(BIN)/segment demo

test: lint unit  ## the whole suite: lint, types, unit, integration, CLI and end-to-end tests

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest

nightly: $(STAMP)  ## bounded memory on a generated 10 GB transaction log (about 30 min)
	$(BIN)/python benchmarks/large_log.py --gigabytes 10 --memory-limit 2GB --max-rss 4GB

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,mixed,dashboard]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) segment_demo .pytest_cache .mypy_cache .ruff_cache
