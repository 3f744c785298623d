# Two commands do all the set-up on a fresh Debian machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app app
PORT   ?= 5000

.PHONY: run demo screenshots test bench bench-load bench-web bench-observatory install install-dev system-deps migrate messages translations clean
LANGUAGES := es pt_BR fr

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

migrate: install translations
	$(FLASK) db upgrade

## Compile the message catalogues (translations/*/LC_MESSAGES/messages.po -> .mo); make run and make test do it.
translations: install
	$(BIN)/pybabel -q compile -d translations

## Start the registry on the embedded default (SQLite and files in instance/), with demo data on first run.
run: migrate
	$(FLASK) kindns seed-demo --if-empty
	./scripts/run-local.sh $(PORT)

## The registry with demo participants measured for real: the DNS lab (as make test installs it) on loopback,
## its zones and resolvers declared by the demo participants, the worker checking them. Needs root or sudo.
demo: install-dev system-deps translations
	./scripts/run-demo.sh $(PORT)

## The README's screenshots of a report and the leaderboard, taken in chromium from a registry measuring the lab.
screenshots: install-dev system-deps translations
	$(BIN)/python -m scripts.screenshots docs/screenshots

## The whole suite: SQLite always, PostgreSQL too when KINDNS_TEST_DATABASE_URL is set, real DNS servers, chromium.
test: install-dev system-deps translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Benchmarks of the check engine (prints figures; never part of `make test`).
bench: install-dev
	./scripts/install-system-deps.sh --bench
	$(BIN)/python -m tests.bench --with-zonemaster $(BENCH_ARGS)

## A measurement campaign of 20,000 lab zones on PostgreSQL and Redis (KINDNS_TEST_DATABASE_URL's server,
## KINDNS_TEST_REDIS_URL or 127.0.0.1:6379), with one then two worker processes; needs root for the lab (never
## part of `make test`).
bench-observatory: install-dev
	./scripts/install-system-deps.sh --bench
	$(BIN)/python -m tests.bench_observatory $(BENCH_ARGS)

## Load test of the web app on loopback: gunicorn with two workers, rate limits in Redis (127.0.0.1:6379 or
## KINDNS_TEST_REDIS_URL), 200 connections for 60 s with wrk (never part of `make test`).
bench-load: install-dev
	./scripts/install-system-deps.sh --bench
	$(BIN)/python -m tests.load $(LOAD_ARGS)

## Each public page's cost with 28 and 10,000 participants (kindns seed-scale) on SQLite and PostgreSQL
## (KINDNS_TEST_DATABASE_URL or the local one), beside a hello-world page; a 150 s soak; a year's storage.
bench-web: install-dev translations
	./scripts/install-system-deps.sh --bench
	$(BIN)/python -m tests.bench_web --year $(BENCH_ARGS)

## Update the catalogues from the code: extract every translatable string into translations/messages.pot,
## then merge it into each language's messages.po (new strings arrive untranslated; see the README).
messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext -k _l -k N_ -k NP_:1,2 -c "Translators:" --sort-by-file \
	  --add-location=file --width 120 --project "KINDNS Registry" -o translations/messages.pot .
	for lang in $(LANGUAGES); do \
	  $(BIN)/pybabel -q update --init-missing -N --ignore-obsolete --width 120 -d translations \
	    -i translations/messages.pot -l $$lang || exit 1; \
	done

clean:
	rm -rf $(VENV) .pytest_cache
