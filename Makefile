# Two commands do all the set-up on a fresh Debian machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app app
PORT   ?= 5000

.PHONY: run test bench bench-load install install-dev system-deps migrate messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

system-deps:
	./scripts/install-system-deps.sh

migrate: install
	$(FLASK) db upgrade

## Start the registry on the embedded default (SQLite and files in instance/), with demo data on first run.
run: migrate
	$(FLASK) kindns seed-demo --if-empty
	./scripts/run-local.sh $(PORT)

## The whole suite: SQLite always, PostgreSQL too when KINDNS_TEST_DATABASE_URL is set, real DNS servers, chromium.
test: install-dev system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Benchmarks of the check engine (prints figures; never part of `make test`).
bench: install-dev
	./scripts/install-system-deps.sh --bench
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

## Load test of the web app on loopback: gunicorn with two workers, rate limits in Redis (127.0.0.1:6379 or
## KINDNS_TEST_REDIS_URL), 200 connections for 60 s with wrk (never part of `make test`).
bench-load: install-dev
	./scripts/install-system-deps.sh --bench
	$(BIN)/python -m tests.load $(LOAD_ARGS)

## Extract every translatable string into translations/messages.pot (then `pybabel init/update -d translations`).
messages: install
	mkdir -p translations
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o translations/messages.pot .

clean:
	rm -rf $(VENV) .pytest_cache
