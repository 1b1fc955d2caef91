# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml clients/python/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]' -e clients/python
	touch $@ $(STAMP)

run: $(STAMP)
	$(BIN)/prex demo --host 127.0.0.1 --port 8000

test: $(DEVSTAMP)
	$(BIN)/pytest -q -n 2 --dist loadfile --durations=25

lint: $(DEVSTAMP)
	$(BIN)/ruff check src tests bench examples clients/python
	$(BIN)/ruff format --check src tests bench examples clients/python
	$(BIN)/mypy
	$(BIN)/prex db check
	$(BIN)/prex sdk generate --check

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
