# The README's commands and the maintenance targets. Every target installs what it needs into .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The launch-script suite's own environment: the pinned Ray the pods run, kept apart from the project's tools.
LAUNCH_VENV ?= .venv-launch
LAUNCH_STAMP := $(LAUNCH_VENV)/.installed
K8S_VERSION ?= 1.33
RECIPES ?= recipes
# make publish: the OCI repository root, whether it speaks plain HTTP, and where the HTTP chart repository goes.
REGISTRY ?=
PLAIN_HTTP ?=
REPOSITORY_DIR ?= dist/repository
VALUES ?= values
SCAN_VENV ?= .venv-scan
# make test-vllm: vLLM's own parser, installed from PyPI into its own virtualenv (≈9 GB with torch; pip's
# cache is reused). VLLM_VENV may point at an existing install of the same version.
VLLM_VENV ?= .venv-vllm
VLLM_PIN ?= 0.23.0

.PHONY: catalog index publish help install generate validate test test-launch test-vllm lint typecheck unit check-drift golden dashboards bench wheel package crds e2e scan schemas docs clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP) ## Create .venv with the package and its test tools

validate: $(STAMP) ## Check every recipe in recipes/
	$(BIN)/rocm-vllm validate $(RECIPES)

generate: $(STAMP) ## Validate the catalog and write values/ from recipes/ (the main job), and the stacks' values
	$(BIN)/rocm-vllm generate $(RECIPES) --out $(VALUES)
	$(BIN)/rocm-vllm stack generate --out $(VALUES)/stacks --helmreleases helmreleases/stacks

lint: $(STAMP) ## Ruff
	$(BIN)/ruff check generator tests scripts
	$(BIN)/ruff format --check generator tests scripts

typecheck: $(STAMP) ## mypy --strict on the package
	$(BIN)/mypy

unit: $(STAMP) ## The pytest suite (kind end-to-end tests are collected and skipped)
	$(BIN)/pytest -q

test: lint typecheck unit ## The whole test suite: lint, types, tests (drift checks run inside pytest)

$(LAUNCH_STAMP): tests/launch/requirements.txt
	$(PYTHON) -m venv $(LAUNCH_VENV)
	$(LAUNCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LAUNCH_VENV)/bin/python -m pip install --quiet -r tests/launch/requirements.txt
	@touch $@

test-launch: $(STAMP) $(LAUNCH_STAMP) ## Run the chart's Ray launch scripts for real: two pods in network namespaces (root)
	ROCM_VLLM_LAUNCH=1 ROCM_VLLM_LAUNCH_VENV=$(LAUNCH_VENV) $(BIN)/pytest -q tests/launch

test-vllm: $(STAMP) ## Every rendered vllm serve line (recipes, chart ci scenarios, stacks) through vLLM's real parser
	@if ! $(VLLM_VENV)/bin/python -c 'import importlib.metadata as m, sys; sys.exit(m.version("vllm") != "$(VLLM_PIN)")' 2>/dev/null; then \
	  echo "installing vllm==$(VLLM_PIN) into $(VLLM_VENV) (from PyPI; several minutes the first time)"; \
	  $(PYTHON) -m venv $(VLLM_VENV) && \
	  $(VLLM_VENV)/bin/python -m pip install --quiet --upgrade pip && \
	  $(VLLM_VENV)/bin/python -m pip install --quiet 'vllm==$(VLLM_PIN)'; \
	fi
	ROCM_VLLM_VLLM_PYTHON=$(VLLM_VENV)/bin/python $(BIN)/pytest -q tests/test_vllm_argv.py -k vllm_itself
	$(BIN)/python scripts/test_vllm.py --vllm-python $(VLLM_VENV)/bin/python --out build/test-vllm

catalog: $(STAMP) ## Write the built-in models.yaml from the stored config facts (catalog/configs/) by the import code
	$(BIN)/python scripts/generate_models_catalog.py

check-drift: $(STAMP) ## Fail when values/ or Chart-index.yaml differ from what recipes/ and charts/ give
	$(BIN)/python scripts/generate_models_catalog.py --check
	$(BIN)/python scripts/generate_dashboards.py --check
	$(BIN)/rocm-vllm generate $(RECIPES) --out $(VALUES) --check
	$(BIN)/rocm-vllm stack generate --out $(VALUES)/stacks --helmreleases helmreleases/stacks --check
	$(BIN)/python scripts/sync_field_table.py --check
	$(BIN)/python scripts/sync_stack_schema.py --check
	$(BIN)/python scripts/k8s_schema_defs.py --check
	$(BIN)/python scripts/render_docs.py --check
	$(BIN)/rocm-vllm index --check
	$(BIN)/python scripts/extract_crd_schemas.py --check

# The scanners live in their own virtualenv: checkov pins versions (packaging<24) the dev tools outgrew.
$(SCAN_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SCAN_VENV)/bin/python -m pip install --quiet -e '.[scan]'
	@touch $@

scan: $(SCAN_VENV)/.installed ## checkov + trivy on every ci scenario and recipe render; fails on findings not in ci/scan-exceptions.yaml
	$(SCAN_VENV)/bin/python scripts/scan_charts.py

schemas: $(STAMP) ## Rewrite the schemas: recipe and chart entries from the field table, Kubernetes types, the stack's embedded ones
	$(BIN)/python scripts/sync_field_table.py
	$(BIN)/python scripts/k8s_schema_defs.py
	$(BIN)/python scripts/sync_stack_schema.py
	$(BIN)/python scripts/k8s_schema_defs.py

docs: $(STAMP) ## Rewrite the generated doc tables (chart READMEs' values, README's recipe fields) with jinja2
	$(BIN)/python scripts/render_docs.py

dashboards: $(STAMP) ## Rewrite the rocm-vllm chart's Grafana dashboards (charts/rocm-vllm/files/dashboards/*.json)
	$(BIN)/python scripts/generate_dashboards.py

golden: $(STAMP) ## Rewrite the reviewed golden renders under tests/golden/
	$(BIN)/python scripts/update_golden.py

bench: $(STAMP) ## Benchmarks: CLI start-up, validate+generate vs bare Helm render, stacks vs single releases, 1,000 recipes
	$(BIN)/python scripts/bench.py

wheel: $(STAMP) ## Build the wheel and sdist into dist/ (charts, recipes, stacks and schemas inside)
	$(BIN)/python -m build --no-isolation --outdir dist .

package: $(STAMP) ## Package every chart reproducibly into dist/ through Helm's engine
	$(BIN)/python scripts/package_charts.py --out dist

publish: $(STAMP) ## Push every chart to REGISTRY=oci://HOST/PATH (PLAIN_HTTP=1 locally), pull back, check digests, write REPOSITORY_DIR
	@test -n "$(REGISTRY)" || { echo "usage: make publish REGISTRY=oci://HOST/PATH [PLAIN_HTTP=1] [REPOSITORY_DIR=$(REPOSITORY_DIR)]" >&2; exit 2; }
	$(BIN)/python scripts/publish.py '$(REGISTRY)' $(if $(PLAIN_HTTP),--plain-http) --out $(REPOSITORY_DIR)

crds: $(STAMP) ## Re-extract the shipped CRD schemas from the pinned CRDs (../shared/crds, else downloaded)
	$(BIN)/python scripts/extract_crd_schemas.py

e2e: $(STAMP) ## End-to-end tests on a kind cluster (needs docker, kind, kubectl, helm)
	bash ci/kind/run-e2e.sh $(K8S_VERSION)

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) $(SCAN_VENV) $(LAUNCH_VENV) .pytest_cache .mypy_cache .ruff_cache dist .cache

index: $(STAMP) ## Rewrite Chart-index.yaml (the Helm repository index of the charts' archives)
	$(BIN)/rocm-vllm index
