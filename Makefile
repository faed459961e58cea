# rolefit: the commands people and CI type. `make run` and `make test` set up what they need.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup run test lint typecheck check-bank bench simulate clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-* && touch $@

run: setup
	$(BIN)/rolefit serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

check-bank: setup
	$(BIN)/rolefit questions check

test: lint typecheck check-bank
	$(BIN)/pytest --cov --cov-report=term-missing:skip-covered
	$(BIN)/coverage report --include='scoring/*' --fail-under=100 > /dev/null \
	  || { echo "scoring/ must have 100% line coverage:"; $(BIN)/coverage report --include='scoring/*'; exit 1; }

simulate: setup
	$(BIN)/rolefit simulate --n 2000 --seed 1

bench: setup
	$(BIN)/python -m bench.scoring

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage var/
