# Ajar's vocabulary: `make run`, `make test`, and a few more.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: run test demo lint typecheck format migrations-check install install-test bench bench-engine bench-stats bench-data bench-mail bench-web bench-web-profile clean prod-check prod-check-http

$(VENV)/.runtime: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.test: $(VENV)/.runtime pyproject.toml
	$(PIP) install -q -e ".[test,sentry]"
	touch $@

install: $(VENV)/.runtime
install-test: $(VENV)/.test

## The app on embedded defaults: SQLite, filesystem broker, web + worker + beat, demo data.
run: $(VENV)/.runtime
	$(PY) -m config.embedded

## The whole suite: PostgreSQL and Redis when DATABASE_URL / CELERY_BROKER_URL point at them.
## Two parts: most tests (the browser's included) run on TEST_WORKERS processes
## (pytest-xdist, a file to a process, each with its own test database); the
## tests that start real Celery workers, beat, Redis and SMTP servers and time
## what they see run one at a time after them. Line and branch coverage of both
## parts together; below the floor in pyproject.toml it fails.
TEST_WORKERS ?= 2
SERIAL_TESTS := tests/engine tests/reminders/test_digest_faults.py tests/test_embedded.py
test: $(VENV)/.test
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --cov --cov-report= --cov-fail-under=0 \
		$(addprefix --ignore=,$(SERIAL_TESTS)) $(PYTEST_ARGS)
	$(PY) -m pytest --cov --cov-append --cov-report=term:skip-covered $(SERIAL_TESTS) $(PYTEST_ARGS)

## The demo account (idempotent; refuses with DEBUG off unless --force).
demo: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py demo

## ruff (lint and format), the layers contract (import-linter), djLint over the templates.
lint: $(VENV)/.test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/djlint templates --lint

## mypy with django-stubs (pyproject.toml says which modules must be fully typed).
typecheck: $(VENV)/.test
	$(PY) -m mypy .

format: $(VENV)/.test
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

migrations-check: $(VENV)/.runtime
	$(PY) manage.py makemigrations --check --dry-run

## Benchmarks on PostgreSQL and Redis (figures and method: docs/benchmarks.md).
BENCH_DATABASE_URL ?= postgres:///ajar_bench
BENCH_SIZES ?= 10000,1000000
bench: bench-engine bench-stats bench-mail bench-data bench-web

bench-engine: $(VENV)/.test
	$(PY) -m bench.engine --database-url $(BENCH_DATABASE_URL) --sizes $(BENCH_SIZES)

bench-stats: $(VENV)/.test
	DATABASE_URL=$${DATABASE_URL:-postgres:///ajar} $(PY) -m bench.stats

## Import of 5,000 rows; backup and restore of 5,000 applications with 10 and 100 MB of letters.
bench-data: $(VENV)/.test
	DATABASE_URL=$${DATABASE_URL:-postgres:///ajar} $(PY) -m bench.data

## Every page under wrk as a ratio to a floor view, at 2,000 and 200,000 applications.
## Needs wrk (Debian: apt-get install wrk). BENCH_WEB_ARGS="--duration 5 --rounds 1" for a quick look.
BENCH_WEB_DATABASE_URL ?= postgres:///ajar_bench_web
bench-web: $(VENV)/.test
	BENCH_WEB_DATABASE_URL=$(BENCH_WEB_DATABASE_URL) $(PY) -m bench.web $(BENCH_WEB_ARGS)

## Where the time of the board, list, contacts, reminders and dashboard goes: pyinstrument
## over Django's test client on a seeded account of 2,000 applications (its own bench database).
BENCH_WEB_PROFILE_DATABASE_URL ?= postgres:///ajar_bench_profile
bench-web-profile: $(VENV)/.test
	BENCH_WEB_DATABASE_URL=$(BENCH_WEB_PROFILE_DATABASE_URL) $(PY) -m bench.web_profile $(BENCH_WEB_PROFILE_ARGS)

## The README's production deployment, run for real (deploy/prod_check.py): DEBUG off on
## PostgreSQL and Redis, gunicorn, two workers, beat, sign-in, a circle-back at an SMTP sink.
prod-check: $(VENV)/.test
	$(PY) deploy/prod_check.py

## The same in the README's plain-HTTP loopback try-out of production mode.
prod-check-http: $(VENV)/.test
	$(PY) deploy/prod_check.py --plain-http

clean:
	rm -rf data staticfiles

## Mail in: parse and draft a 10,000-message mbox (messages/s, peak memory from 1,000 to 10,000).
bench-mail: $(VENV)/.test
	DATABASE_URL=$${DATABASE_URL:-postgres:///ajar} $(PY) -m bench.mail --sizes $${BENCH_MAIL_SIZES:-1000,10000}
