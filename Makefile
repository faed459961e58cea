# rolefit: the commands people and CI type. `make run` and `make test` set up everything they need.
VENV    ?= .venv
PYTHON  ?= $(shell scripts/python.sh)
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PO      := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO      := $(PO:.po=.mo)
PYTEST_ARGS ?=

.PHONY: setup run test lint typecheck check-bank unit messages bench bench-1m simulate screenshots lighthouse system-deps clean

setup: $(STAMP) $(MO)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

# compiled catalogs are build artefacts: made from the .po files on set-up
locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -D messages -i $< -o $@ >/dev/null

messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ --no-location --sort-output --project rolefit \
	  --copyright-holder "rolefit authors" -o locales/messages.pot . >/dev/null
	$(BIN)/pybabel update -D messages -i locales/messages.pot -d locales --no-fuzzy-matching --ignore-obsolete

# one machine: the web server and one job worker (mail); the worker stops with the server
run: setup
	$(BIN)/rolefit db upgrade
	$(BIN)/rolefit worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; $(BIN)/rolefit serve

system-deps:
	@scripts/system-deps.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

check-bank: setup
	$(BIN)/rolefit questions check

# Every gate with a summary line each (scripts/gates.sh): lint, format, types, bank, import contracts,
# tests (SQLite + PostgreSQL + Chromium end-to-end), coverage. PostgreSQL is started by scripts/postgres.sh
# when we are root; without it (or without Chromium) those tests skip with a reason, unless
# ROLEFIT_REQUIRE_SERVICES=1 (set by .ci/run) turns the skips into failures.
test: setup system-deps
	@BIN=$(BIN) PYTEST_ARGS="$(PYTEST_ARGS)" scripts/gates.sh

unit: setup
	$(BIN)/pytest $(PYTEST_ARGS)

simulate: setup
	$(BIN)/rolefit simulate --n 5000 --seed 1

# Benchmarks: 127.0.0.1 only, each bounded in time; JSON on stdout. PostgreSQL runs when root can start it.
bench: setup system-deps
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q wrk >/dev/null; }
	$(BIN)/python -m bench.scoring
	$(BIN)/python -m pip install --quiet "catsim>=0.21" && $(BIN)/python -m bench.adaptive
	$(BIN)/python -m bench.pdf
	ROLEFIT_BENCH_POSTGRES_URL="$${ROLEFIT_BENCH_POSTGRES_URL:-$$(scripts/postgres.sh 2>/dev/null)}" $(BIN)/python -m bench.dashboard
	ROLEFIT_BENCH_POSTGRES_URL="$${ROLEFIT_BENCH_POSTGRES_URL:-$$(scripts/postgres.sh 2>/dev/null)}" $(BIN)/python -m bench.http
	$(BIN)/python -m bench.takers
	$(BIN)/python -m bench.durability
	$(BIN)/python -m bench.storage
	$(BIN)/python -m bench.startup --workers 1 2 4 --bytecode compiled
	$(BIN)/python -m bench.serve_memory
	$(BIN)/python -m bench.rollout --deliver 2000
	ROLEFIT_BENCH_POSTGRES_URL="$${ROLEFIT_BENCH_POSTGRES_URL:-$$(scripts/postgres.sh 2>/dev/null)}" $(BIN)/python -m bench.hr_pages --sizes 100000

# HR pages at 100k and 1M people on SQLite and PostgreSQL (builds 1M rows twice: tens of minutes)
bench-1m: setup system-deps
	ROLEFIT_BENCH_POSTGRES_URL="$${ROLEFIT_BENCH_POSTGRES_URL:-$$(scripts/postgres.sh 2>/dev/null)}" $(BIN)/python -m bench.hr_pages --sizes 100000 1000000 --keep var/bench-1m.sqlite3

# Lighthouse (npm, pinned; Node 18.16+: 13.x needs Node 22) with Debian's Chromium on the landing page, a question
# and the result, mobile and desktop. Installed into var/lighthouse on first use. Not part of `make test`.
LIGHTHOUSE_VERSION ?= 12.8.2
lighthouse: setup system-deps
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q npm >/dev/null; }
	@test -x var/lighthouse/node_modules/.bin/lighthouse || npm install --prefix var/lighthouse --no-save --no-audit \
	  --no-fund --loglevel=error lighthouse@$(LIGHTHOUSE_VERSION)
	$(BIN)/python -m bench.lighthouse

screenshots: setup system-deps
	$(BIN)/python -m scripts.screenshots var/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage var/ locales/*/LC_MESSAGES/*.mo
