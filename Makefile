# The two commands a newcomer needs: `make demo` and `make test`. Everything installs into a
# project-local virtualenv (.venv) from pyproject.toml; nothing is installed system-wide.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

# No telemetry anywhere: the product must run on a closed network.
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export DAGSTER_HOME ?= $(CURDIR)/.llmcosts/dagster

.PHONY: install demo test test-fast ui lint bench clean dagster-home manifest

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (Python >= 3.11 is required; set PYTHON=...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# dbt's manifest, prepared ahead (like `dagster-dbt project prepare-and-package`) so that loading
# the Dagster definitions never has to parse dbt; the definitions re-parse only if it is stale.
manifest: install
	@$(BIN)/python -c "from orchestration.defs.dbt.project import ensure_manifest; ensure_manifest()"

dagster-home:
	@mkdir -p $(DAGSTER_HOME)
	@test -f $(DAGSTER_HOME)/dagster.yaml || printf 'telemetry:\n  enabled: false\nnux:\n  enabled: false\n' > $(DAGSTER_HOME)/dagster.yaml

# `make demo WAREHOUSE=spark`: the same demo on a local Spark cluster (docs/scaling.md).
WAREHOUSE ?=
demo: install dagster-home manifest
	$(if $(WAREHOUSE),LLMCOSTS_WAREHOUSE=$(WAREHOUSE) )$(BIN)/llmcosts demo

test: install dagster-home manifest
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test-fast: install dagster-home manifest
	$(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

ui: install dagster-home manifest
	$(BIN)/dagster dev -m orchestration.definitions

lint: install
	$(BIN)/ruff check .

# Sizes as arguments: make bench N=1000000
N ?= 1000000
bench: install dagster-home
	$(BIN)/python -m benchmarks.run --observations $(N)

clean:
	rm -rf $(VENV) .llmcosts dbt_project/target dbt_project/logs
