# fanloop: `make demo` runs everything locally, `make test` runs every check.
# Both create .venv and install the locked dependencies on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck test-sqlite test-postgres bench screenshots install clean

$(STAMP): requirements-dev.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "fanloop needs Python 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/fanloop demo

test: $(STAMP)
	./scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/deptry .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy fanloop emulator

test-sqlite: $(STAMP)
	./scripts/test.sh sqlite

test-postgres: $(STAMP)
	./scripts/test.sh postgres

# Every benchmark in bench/ (bench/_*.py are shared helpers), one after another.
BENCHES := $(sort $(filter-out bench/_%,$(wildcard bench/*.py)))

bench: $(STAMP)
	@set -e; for bench in $(BENCHES); do echo "== $$bench"; $(BIN)/python $$bench; done

# The browser tests whose screenshots the README shows, saving them into docs/screenshots/
# (other runs save them in a temporary folder).
SCREENSHOT_TESTS := fanloop/campaigns/tests/test_page_look_in_a_browser.py \
	fanloop/catalog/tests/test_page_forms_in_a_browser.py \
	fanloop/flows/tests/test_editor_keyboard_in_a_browser.py \
	fanloop/fulfillment/tests/test_home_in_a_browser.py \
	fanloop/insights/tests/test_pages_in_a_browser.py

screenshots: $(STAMP)
	FANLOOP_SCREENSHOTS=1 FANLOOP_TEST_WORKERS=0 ./scripts/test.sh sqlite $(SCREENSHOT_TESTS)

clean:
	rm -rf $(VENV) build *.egg-info
