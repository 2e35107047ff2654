# Storefront: `make demo` runs the marketplace with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
FLASK := $(BIN)/flask --app storefront
PYTEST_WORKERS ?= auto

.PHONY: demo test lint install translations db chromium clean bench

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

# Benchmarks (not tests): buyer pages against their limit, data at scale, checkout, renewals.
# They start and stop their own servers, seed their own databases next to BENCH_DATABASE_URL
# (PostgreSQL) and use the Redis at BENCH_REDIS_URL; about 10 minutes on 2 cores.
bench: translations
	@mkdir -p .tmp/bench
	@for script in pages scale checkout renewals; do \
	  test -f bench/$$script.py || { echo "== bench/$$script.py: not there yet"; continue; }; \
	  echo "== bench/$$script.py"; \
	  TMPDIR=$(CURDIR)/.tmp/bench \
	  DATABASE_URL=$${BENCH_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/storefront_bench} \
	  $(BIN)/python bench/$$script.py || exit 1; \
	done

lint: $(INSTALLED)
	$(BIN)/ruff check storefront tests wsgi.py
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .tmp
