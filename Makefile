# Storefront: `make demo` runs the marketplace with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
FLASK := $(BIN)/flask --app storefront
PYTEST_WORKERS ?= auto

.PHONY: demo test lint install translations db chromium clean

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(INSTALLED)

translations: $(INSTALLED)
	@$(BIN)/pybabel compile --domain messages --directory translations >/dev/null

db: translations
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo-data
	$(BIN)/python -m storefront.devtools.demo

chromium:
	@scripts/ensure-chromium

test: translations chromium
	@mkdir -p .tmp
	TMPDIR=$(CURDIR)/.tmp $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --basetemp=.tmp/pytest $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check storefront tests wsgi.py
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .tmp
