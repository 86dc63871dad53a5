# `make demo` and `make test` do all set-up themselves, from a fresh clone on a fresh machine,
# and are quick when everything is already in place.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
ORACLE := tests/oracle
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := $(ORACLE)/node_modules/.installed
ROWS ?= 1000000

.PHONY: setup demo test support clean

setup: $(INSTALLED) $(NODE_INSTALLED)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip >/dev/null

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[dev]'
	touch $@

$(NODE_INSTALLED): $(ORACLE)/package.json $(ORACLE)/package-lock.json
	cd $(ORACLE) && npm ci --no-audit --no-fund
	touch $@

demo: $(INSTALLED)
	$(PY) -m vegafusion_core.demo --rows $(ROWS)

test: setup
	$(PY) -m pytest -n 2 -q

support: $(INSTALLED)
	$(VENV)/bin/vegafusion-suite support

clean:
	rm -rf $(VENV) $(ORACLE)/node_modules .pytest_cache
