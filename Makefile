# pyengine: `make help` lists the targets. Everything installs into ./.venv and ./target; nothing
# outside the checkout is touched.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LISTEN ?= 127.0.0.1:50051
DATA ?= ./var
WORKERS ?= 1
PY_SOURCES := pyengine tests scripts $(wildcard adapters loadtests)
RUST_SOURCES := $(shell find engine_rs protos -type f \( -name '*.rs' -o -name '*.toml' -o -name '*.proto' \) 2>/dev/null) Cargo.toml Cargo.lock

.PHONY: help
help: ## List the targets with one line each
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

$(BIN)/maturin:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check 'maturin>=1.9,<2'

# The stamp rebuilds the extension only when Rust, protos or the project's dependencies changed.
$(VENV)/.built: $(BIN)/maturin pyproject.toml $(RUST_SOURCES)
	$(BIN)/maturin develop --release --extras dev --quiet
	@touch $@

.PHONY: setup
setup: $(VENV)/.built ## Create .venv, install dependencies, build the Rust extension (release)

.PHONY: run
run: setup ## Set up, then serve the sample shop on $(LISTEN) with SQLite under $(DATA) (WORKERS=N: N processes)
	$(BIN)/pyengine serve --listen $(LISTEN) --data $(DATA) --workers $(WORKERS)

.PHONY: demo
demo: setup ## Set up, then drive a compressed rush through a real server and print the results
	$(BIN)/pyengine demo --orders 200

.PHONY: test
test: setup ## Set up, then run every test: Rust (cargo) and Python (pytest, real gRPC server)
	cargo test --workspace --exclude pyengine-native --release --quiet --lib --tests
	$(BIN)/python -m pytest

.PHONY: bench
bench: setup ## Benchmarks (not part of test): criterion, pytest-benchmark vs the Python reference, the service vs grpc.aio echo (docs/benchmarks.md)
	cargo bench -p pyengine-core
	$(BIN)/python -m pytest benchmarks --benchmark-only -p no:cacheprovider
	$(BIN)/python -m benchmarks.bench_service --out docs/benchmarks.md

LOADTEST_S ?= 300
LOADTEST_USERS ?= 60
.PHONY: loadtest
loadtest: setup ## Peak-rush locust load test, headless, against its own server: report in var/loadtest/
	$(BIN)/python -m loadtests.run --duration $(LOADTEST_S) --peak-users $(LOADTEST_USERS) --out var/loadtest

.PHONY: lint
lint: setup ## rustfmt --check, clippy, ruff, mypy, and the native stub against the build
	cargo fmt --all --check
	cargo clippy --workspace --release --all-targets -- -D warnings
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)
	$(BIN)/mypy

.PHONY: fmt
fmt: setup ## Format Rust and Python sources
	cargo fmt --all
	$(BIN)/ruff format $(PY_SOURCES)
	$(BIN)/ruff check --fix $(PY_SOURCES)

.PHONY: proto
proto: $(BIN)/maturin ## Regenerate the Python gRPC stubs in pyengine/v1 from protos/
	$(BIN)/python scripts/gen_protos.py

.PHONY: clean
clean: ## Remove the virtualenv, build output and local data
	rm -rf $(VENV) target var pyengine/_native*.so
