# `make demo` and `make test` do all set-up themselves, from a fresh clone on a fresh machine,
# and are quick when everything is already in place.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ORACLE := tests/oracle
FRONTEND := frontend
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := $(ORACLE)/node_modules/.installed
FRONTEND_INSTALLED := $(FRONTEND)/node_modules/.installed
BUNDLES := $(FRONTEND)/.built
ROWS ?= 1000000
HOST ?= streamlit
PORT ?= 8501

.PHONY: setup demo test support browser clean

setup: $(INSTALLED) $(NODE_INSTALLED) $(BUNDLES) browser

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip >/dev/null

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[all]'
	touch $@

$(NODE_INSTALLED): $(ORACLE)/package.json $(ORACLE)/package-lock.json
	cd $(ORACLE) && npm ci --no-audit --no-fund
	touch $@

$(FRONTEND_INSTALLED): $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund
	touch $@

# The host bundles land in each component's static/ folder (never committed).
$(BUNDLES): $(FRONTEND_INSTALLED) $(shell find $(FRONTEND)/src -type f 2>/dev/null) $(FRONTEND)/build.mjs
	cd $(FRONTEND) && npm run build
	touch $@

# Browser tests drive Debian's Chromium (a browser download would fail here).
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update && apt-get install -y chromium)

demo: $(INSTALLED) $(BUNDLES)
	ROWS=$(ROWS) DEMO_HOST=$(HOST) PORT=$(PORT) $(PY) examples/run_demo.py

test: setup
	cd $(FRONTEND) && npm test --silent
	$(PY) -m pytest -n 2 -q --ignore=tests/hosts
	# The browser tests share a server and a page per host, and their timing checks need the
	# cores to themselves: one after the other, last.
	$(PY) -m pytest -q -p no:xdist tests/hosts

support: $(INSTALLED)
	$(VENV)/bin/vegafusion-suite support

clean:
	rm -rf $(VENV) $(ORACLE)/node_modules $(FRONTEND)/node_modules $(BUNDLES) .pytest_cache

# Benchmarks side by side with VegaFusion 2.0.3 (installed only in benchmarks/.venv), Vega JS
# and hand-written DuckDB. BENCH_ROWS, BENCH_QUICK=1 and BENCH_100M=1: see the README.
BENCH_VENV := benchmarks/.venv
BENCH_PY := $(BENCH_VENV)/bin/python
BENCH_INSTALLED := $(BENCH_VENV)/.installed

.PHONY: bench

$(BENCH_INSTALLED): pyproject.toml benchmarks/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_PY) -m pip install --upgrade pip >/dev/null
	$(BENCH_PY) -m pip install -e . -r benchmarks/requirements.txt
	touch $@

bench: $(BENCH_INSTALLED) $(NODE_INSTALLED)
	PYTHONPATH=. $(BENCH_PY) -m benchmarks.run
