# Ajar's vocabulary: `make run`, `make test`, and a few more.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: run test demo lint format migrations-check install install-test bench bench-engine bench-stats bench-web clean

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

## Benchmarks on PostgreSQL and Redis (figures and method: docs/benchmarks.md).
BENCH_DATABASE_URL ?= postgres:///ajar_bench
BENCH_SIZES ?= 10000,1000000
bench: bench-engine bench-stats

bench-engine: $(VENV)/.test
	$(PY) -m bench.engine --database-url $(BENCH_DATABASE_URL) --sizes $(BENCH_SIZES)

bench-stats: $(VENV)/.test
	DATABASE_URL=$${DATABASE_URL:-postgres:///ajar} $(PY) -m bench.stats

## Every page under wrk as a ratio to a floor view, at 2,000 and 200,000 applications.
## Needs wrk (Debian: apt-get install wrk). BENCH_WEB_ARGS="--duration 5 --rounds 1" for a quick look.
BENCH_WEB_DATABASE_URL ?= postgres:///ajar_bench_web
bench-web: $(VENV)/.test
	BENCH_WEB_DATABASE_URL=$(BENCH_WEB_DATABASE_URL) $(PY) -m bench.web $(BENCH_WEB_ARGS)

clean:
	rm -rf data staticfiles
