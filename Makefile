# Every target bootstraps .venv on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
DEMO_DB ?= $(CURDIR)/.demo/frontdesk.db

# The suite runs in parallel, one pytest-xdist worker per core (JOBS=0: in this process);
# each worker migrates one template database and copies it for every test.
# PYTHONDONTWRITEBYTECODE is dropped so pytest keeps its rewritten test modules between runs.
JOBS ?= auto
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q -n $(JOBS) --dist worksteal

.PHONY: run test test-fast check bench demo clean fmt

# One .venv. Running needs only the runtime dependencies (RUN_STAMP: `make run`,
# `make demo`); tests, checks and benchmarks add the extras on top (STAMP).
$(RUN_STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install -q -e '.[test,dev,bench]'
	touch $(STAMP)

run: $(RUN_STAMP)
	@test -f $(DEMO_DB) || (mkdir -p $(dir $(DEMO_DB)) && $(BIN)/frontdesk demo --db $(DEMO_DB))
	$(BIN)/frontdesk --db $(DEMO_DB) run

demo: $(RUN_STAMP)
	mkdir -p $(dir $(DEMO_DB))
	$(BIN)/frontdesk demo --db $(DEMO_DB)

test: $(STAMP)
	$(PYTEST) $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PYTEST) -m "unit or ui" $(PYTEST_ARGS)

check: $(STAMP)
	$(BIN)/ruff check console screens tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format console screens tests bench
	$(BIN)/ruff check --fix console screens tests bench

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache
