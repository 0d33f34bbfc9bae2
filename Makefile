# Every target bootstraps .venv on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= $(CURDIR)/.demo/frontdesk.db

.PHONY: run test check bench demo clean fmt

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dev,bench]'
	touch $(STAMP)

run: $(STAMP)
	@test -f $(DEMO_DB) || (mkdir -p $(dir $(DEMO_DB)) && $(BIN)/frontdesk demo --db $(DEMO_DB))
	$(BIN)/frontdesk --db $(DEMO_DB) run

demo: $(STAMP)
	mkdir -p $(dir $(DEMO_DB))
	$(BIN)/frontdesk demo --db $(DEMO_DB)

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

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
