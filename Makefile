# One entry point for people and CI. The first target run creates .venv and installs the project.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help install proto proto-check lint test test-fast bench demo loadtest-smoke loadtest-peak clean

help:
	@echo "make demo   - run the main job on embedded defaults (SQLite, local processes)"
	@echo "make test   - run the whole test suite (SQLite and PostgreSQL)"
	@echo "make bench  - print performance figures"
	@echo "make proto  - regenerate the gRPC code from proto/alliance/v1"
	@echo "make loadtest-smoke / loadtest-peak - load, faults and invariants (reports/loadtest/)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

proto: $(STAMP)
	$(BIN)/python scripts/gen_proto.py

# Fails when the committed generated code differs from what the .proto files produce.
proto-check: $(STAMP)
	$(BIN)/python scripts/check_proto.py

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) proto-check
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

demo: $(STAMP)
	$(BIN)/alliance demo --no-wait

# Load, faults and invariants across the whole alliance on PostgreSQL (loadtest/, issue 7).
# Exits non-zero on an invariant violation or a counted error rate above 1 %; the report
# goes to reports/loadtest/PROFILE-TIME/. LOADTEST_ARGS, e.g. --faults none or --duration 120.
loadtest-smoke: $(STAMP)
	$(BIN)/python -m loadtest run --profile smoke $(LOADTEST_ARGS)

loadtest-peak: $(STAMP)
	$(BIN)/python -m loadtest run --profile peak $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
