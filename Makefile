# Two entry points: `make run` (the sandbox on 127.0.0.1:8080) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run PORT=9000` or ACTION_GATEWAY_PORT=9000 (likewise HOST, ACTION_GATEWAY_HOST).
HOST ?= $(or $(ACTION_GATEWAY_HOST),127.0.0.1)
PORT ?= $(or $(ACTION_GATEWAY_PORT),8080)

.PHONY: run test check lint typecheck layers openapi install install-dev install-bench redis-server node jq wrk fault-suite bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The simulators are a sibling distribution (sandbox/, never deployed), installed beside the
# gateway in the same pip command, so its `action-gateway` requirement is this checkout.
PROJECTS := pyproject.toml sandbox/pyproject.toml
SANDBOX := -e ./sandbox

$(VENV)/.installed-runtime: $(PROJECTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . $(SANDBOX)
	touch $@

$(VENV)/.installed-dev: $(PROJECTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]' $(SANDBOX)
	touch $@ $(VENV)/.installed-runtime

$(VENV)/.installed-bench: $(PROJECTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]' $(SANDBOX)
	touch $@ $(VENV)/.installed-dev $(VENV)/.installed-runtime

install: $(VENV)/.installed-runtime
install-dev: $(VENV)/.installed-dev
install-bench: $(VENV)/.installed-bench

run: install
	$(BIN)/action-gateway serve --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

# The layers contract ([tool.importlinter] in pyproject.toml): imports only point down.
layers: install-dev
	$(BIN)/lint-imports --no-cache

check: lint typecheck layers
	$(BIN)/action-gateway openapi --check

# $(call debian_install,COMMAND,PACKAGES): install Debian's PACKAGES when COMMAND is missing.
define debian_install
@command -v $(1) >/dev/null 2>&1 || { \
	echo "installing $(2) (Debian packages)"; \
	apt-get update -qq >/dev/null && \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		$(2) >/dev/null; }
endef

# The Redis store's tests start a real redis-server; install Debian's when it is missing.
redis-server:
	$(call debian_install,redis-server,redis-server)

# The TypeScript client check needs node and npm; install Debian's when they are missing.
node:
	$(call debian_install,npm,nodejs npm)

# The README's log query (tests/test_logging.py runs it); install Debian's when it is missing.
jq:
	$(call debian_install,jq,jq)

# The load generator of `make bench`; install Debian's when it is missing.
wrk:
	$(call debian_install,wrk,wrk)

test: check redis-server node jq
	$(BIN)/python -m pytest

# The reliability fault suite (>= 2,000 actions under seeded faults); prints its figures.
fault-suite: install-dev
	$(BIN)/python -m pytest -s -p no:cacheprovider tests/test_fault_suite.py

# The benchmark (BENCHMARKS.md; ~7 minutes, loopback): prints figures, checks nothing. Not part
# of `make test`. BENCH_ARGS passes options, e.g. BENCH_ARGS="--quick" or "--only order".
bench: install-bench wrk
	$(BIN)/python -m bench $(BENCH_ARGS)

openapi: install
	$(BIN)/action-gateway openapi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
