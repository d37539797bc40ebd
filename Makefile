# Ajar's vocabulary: `make run`, `make test`, and a few more.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: run test demo lint format migrations-check check-deploy install install-test bench clean

$(VENV)/.runtime: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.test: $(VENV)/.runtime pyproject.toml
	$(PIP) install -q -e ".[test]"
	touch $@

install: $(VENV)/.runtime
install-test: $(VENV)/.test

## The app on embedded defaults: SQLite, filesystem broker, web + worker + beat, demo data.
run: $(VENV)/.runtime
	$(PY) -m config.embedded

## The whole suite: PostgreSQL and Redis when DATABASE_URL / CELERY_BROKER_URL point at them.
test: $(VENV)/.test
	$(PY) -m pytest $(PYTEST_ARGS)

## The demo account (idempotent; refuses with DEBUG off unless --force).
demo: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py demo

lint: $(VENV)/.test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.test
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

migrations-check: $(VENV)/.runtime
	$(PY) manage.py makemigrations --check --dry-run

bench: $(VENV)/.test
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf data staticfiles
