# contract-mock: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
REDOCLY := npx --yes @redocly/cli@2.77.0

HOST ?= 127.0.0.1
PORT ?= 9000
SEED ?= 42
SCENARIO ?= fixtures/default.yaml

# Python writes its bytecode caches (and pytest its rewritten modules) even where the environment
# says not to (Python's Docker images set PYTHONDONTWRITEBYTECODE=1): `make test` starts dozens of
# Python processes, and without the caches each one compiles every module again (pytest's
# collection alone takes 9 s instead of 4).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install run test lint spec-check docs docs-serve unit clients bench soak clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/mockserver run --host $(HOST) --port $(PORT) --seed $(SEED) --scenario $(SCENARIO)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

spec-check: install
	$(BIN)/openapi-spec-validator openapi.yaml
	@if command -v npx >/dev/null 2>&1; then \
		$(REDOCLY) lint --config redocly.yaml openapi.yaml; \
	else \
		echo "spec-check: npx not found, skipping Redocly's linter"; \
	fi

unit: install
	$(BIN)/pytest -q -n 2 --dist loadgroup --no-loadscope-reorder tests examples

# The quick checks (lint, contract, docs) run beside the tests: they mostly wait on npx and disk,
# and each target's output is printed whole when it ends.
test: install
	$(MAKE) --no-print-directory -j4 --output-sync=target lint spec-check docs unit

# The docs site, strictly: a broken link, a missing page or snippet fails the build (not --quiet:
# it hides the warnings that strict mode counts). Connexion's import warnings are not the docs'.
DOCS_ENV := NO_MKDOCS_2_WARNING=1 PYTHONWARNINGS=ignore::DeprecationWarning

docs: install
	$(DOCS_ENV) $(BIN)/mkdocs build --strict

docs-serve: install
	$(DOCS_ENV) $(BIN)/mkdocs serve --strict

clients: install
	$(BIN)/python -m tests.clients build/clients

bench: install
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench

# Hostile requests and a mixed load against one mock on 127.0.0.1 (about a minute, bounded).
soak: install
	$(BIN)/python -m bench.soak --out bench/soak.md

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
