# Bulkhead — every target sets up what it needs on first use (venv from the lock file,
# anvil/cast from the npm registry) and reuses it afterwards.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
ROOT := $(abspath .)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
STAMPS := $(ROOT)/.stamps
export APE_DATA_FOLDER := $(ROOT)/.ape
export PATH := $(VENV)/bin:$(ROOT)/node_modules/.bin:$(PATH)
export PYTHONPATH := $(ROOT)
export HYPOTHESIS_PROFILE ?= ci

NETWORK ?= arbitrum
PYTEST_ARGS ?=

.PHONY: help setup compile abi gas sizes test test-fast demo fork-demo simulate fuzz mutation reasons lint clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'

$(STAMPS)/venv: requirements.lock
	@mkdir -p $(STAMPS)
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

$(STAMPS)/node: package.json package-lock.json
	@mkdir -p $(STAMPS)
	@# npm ci rejects this lock (npm omits the other platforms' optional binaries from it);
	@# versions are exact in package.json, so install honours them.
	npm install --no-audit --no-fund --no-save --loglevel=error
	@anvil --version | head -1
	@touch $@

setup: $(STAMPS)/venv $(STAMPS)/node ## create .venv and node_modules (idempotent)

compile: setup ## compile all contracts from scratch (incremental builds can go stale)
	rm -rf .build
	ape compile --force

abi: compile ## regenerate interfaces/*.json from the compiled deployables
	$(PY) -m scripts._reports abi

gas: compile ## re-measure gas scenarios and bytecode sizes into gas_reports/
	@# The whole suite, not just -m gas: a scenario's calldata holds addresses that depend on
	@# what was deployed before it, so only the order `make test` uses gives its exact figures.
	@# Sizes first: the suite checks them, and the snapshot is only rewritten by a green run.
	$(PY) -m scripts._reports sizes
	ape test tests --update-gas $(PYTEST_ARGS)
	$(PY) -m scripts._reports sizes

test: compile ## the whole suite (what CI runs)
	ape test tests $(PYTEST_ARGS)

test-fast: setup ## the suite without recompiling or the slow markers
	ape test tests -m "not slow" $(PYTEST_ARGS)

demo: compile ## start a local anvil, deploy with mocks, play the scenario, stop the chain
	ape run demo --network ethereum:local:foundry -v WARNING

fork-demo: compile ## offline L2 fork (NETWORK=arbitrum|optimism): upstream anvil with real feed addresses, fork, deploy, checks, stop
	$(PY) -m scripts._fork run --network $(NETWORK)

simulate: compile ## risk lab: reports/scale_1000.md (1,000 traders), then reports/risk_lab.md (300 traders + sweep); SIM_ARGS=... runs one custom lab instead
ifeq ($(SIM_ARGS),)
	ape run simulate --network ethereum:local:foundry --traders 1000 --no-sweep --name scale_1000
	ape run simulate --network ethereum:local:foundry
else
	ape run simulate --network ethereum:local:foundry $(SIM_ARGS)
endif

fuzz: compile ## long Hypothesis runs: the system state machine at 1,000 examples x 50 steps
	HYPOTHESIS_PROFILE=fuzz ape test tests/invariants tests/regressions $(PYTEST_ARGS)

mutation: compile ## mutate the core contracts, run the fast suite per mutant, report in docs/mutation.md (hours)
	$(PY) -m scripts.mutation $(MUTATION_ARGS)

reasons: setup ## list revert reasons that no test checks (exit 1 if any)
	$(PY) -m scripts._reasons

lint: setup ## ruff over the Python code
	ruff check scripts tests
	ruff format --check scripts tests

clean: ## remove build outputs (keeps .venv and node_modules)
	rm -rf .build .ape .hypothesis .pytest_cache
