# The two commands: `make demo` and `make test`. Nothing else is needed but Python 3.11 and make.
#
# Installs are reproducible: every package comes from a lock file with hashes (requirements/),
# uccert itself is installed without build isolation so that nothing unpinned is fetched.
# `make lock` refreshes the locks; `make test-latest` runs the suite on the newest releases.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# -qq: pip's own notices (index locations, upgrade hints) are not uccert's to show; errors still are.
PIP_INSTALL = $(1)/python -m pip install -qq
LOCKS := requirements/requirements.lock requirements/requirements-test.lock
UV_VERSION := 0.13.9

.PHONY: demo test check lint bench faults clean lock test-latest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements/requirements.lock
	$(call PIP_INSTALL,$(BIN)) --require-hashes -r requirements/requirements.lock
	$(call PIP_INSTALL,$(BIN)) --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml requirements/requirements-test.lock
	$(call PIP_INSTALL,$(BIN)) --require-hashes -r requirements/requirements-test.lock
	$(call PIP_INSTALL,$(BIN)) --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/uccert demo

# Benchmarks: each bench/NAME.py prints its own numbers and the ratio against a baseline it
# measures in the same run (bench/README.md). `make bench BENCHES=inventory` runs just one.
BENCHES ?= cli_start inventory outage fleet

bench: $(VENV)/.installed
	@set -e; for b in $(BENCHES); do \
		if [ -f bench/$$b.py ]; then \
			echo "== bench/$$b.py"; $(BIN)/python bench/$$b.py; \
		else \
			echo "== bench/$$b.py: not there, skipped"; \
		fi; \
	done

# ruff, ruff format, strict mypy and the layer contracts (pyproject.toml's [tool.importlinter])
# with the tools of the venv given as $(1).
LINT = $(1)/ruff check --no-cache src tests bench && \
	$(1)/ruff format --no-cache --check src tests bench && \
	$(1)/mypy src tests && \
	$(1)/lint-imports --no-cache

lint: $(VENV)/.installed-test
	$(call LINT,$(BIN))

test: lint
	$(BIN)/pytest

# The fast tier, to run before every commit: lint, types, layer contracts and the pure tests
# (no lab, no network: tests/conftest.py says which). Under a minute; `make test` runs everything.
check: lint
	$(BIN)/pytest -q -m pure

# Refresh both locks from pyproject.toml with uv (the runtime lock is constrained by the test
# lock, so a package has the same version in both). Review the diff before committing it.
lock: $(BIN)/python
	$(call PIP_INSTALL,$(BIN)) 'uv==$(UV_VERSION)'
	$(BIN)/uv pip compile pyproject.toml requirements/build.in --extra test --universal \
		--python-version 3.11 --generate-hashes --upgrade -q -o requirements/requirements-test.lock
	$(BIN)/uv pip compile pyproject.toml requirements/build.in --universal \
		--python-version 3.11 --generate-hashes -c requirements/requirements-test.lock -q \
		-o requirements/requirements.lock

# The whole suite on the newest releases of every dependency, ignoring the locks, in a venv of
# its own: what a `pip install uccert` user gets today. Not part of CI: run it before a lock refresh.
LATEST := .venv-latest
test-latest:
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(call PIP_INSTALL,$(LATEST)/bin) --upgrade -e '.[test]'
	$(LATEST)/bin/python -m pip list --format=freeze 2>/dev/null | grep -iE '^(cryptography|asyncssh|dbos|typer|rich|fastapi|httpx|pytest)=='
	$(call LINT,$(LATEST)/bin)
	$(LATEST)/bin/pytest

# Every lab fault kind at every step kind of a small regen and prune (tests/run/test_fault_matrix.py;
# `make test` runs a few representative cells of it).
faults: $(VENV)/.installed-test
	$(BIN)/pytest -q -m faults tests/run/test_fault_matrix.py

clean:
	rm -rf $(VENV) $(LATEST) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
