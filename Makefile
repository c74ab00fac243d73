# The two commands: `make demo` and `make test`. Nothing else is needed but Python 3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench faults clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/uccert demo

# Benchmarks: each bench/NAME.py prints its own numbers and the ratio against a baseline it
# measures in the same run (bench/README.md). `make bench BENCHES=inventory` runs just one.
BENCHES ?= inventory outage

bench: $(VENV)/.installed
	@set -e; for b in $(BENCHES); do \
		if [ -f bench/$$b.py ]; then \
			echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py; \
		else \
			echo "== bench/$$b.py: not there, skipped"; \
		fi; \
	done

lint: $(VENV)/.installed-test
	$(BIN)/ruff check --no-cache src tests bench
	$(BIN)/ruff format --no-cache --check src tests bench
	$(BIN)/mypy src

test: lint
	$(BIN)/pytest

# Every lab fault kind at every step kind of a small regen and prune (tests/run/test_fault_matrix.py;
# `make test` runs a few representative cells of it).
faults: $(VENV)/.installed-test
	$(BIN)/pytest -q -m faults tests/run/test_fault_matrix.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
