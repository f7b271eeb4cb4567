# Two commands on a fresh machine:
#   make run    the product with demo data on http://127.0.0.1:8000, or where BIND says (SQLite under instance/)
#   make test   the whole test suite (SQLite; set TEST_DATABASE_URL for PostgreSQL)
#   make lint   ruff (lint and format), mypy, and the models against the migrations
#   make lock   requirements*.txt again from requirements*.in (see the README's "Upgrading dependencies")

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
MO := translations/id/LC_MESSAGES/messages.mo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint lock bench install install-test system-run system-test translations messages clean

run: install translations system-run
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(BIN)/gunicorn --config gunicorn.conf.py 'app:create_app()'

# One worker per core (at most four: each has a database of its own; tests/conftest.py).
# PYTEST_ARGS="-n 0" runs them one by one, in this process.
test: install-test translations system-test
	$(BIN)/python -m pytest --numprocesses=auto --maxprocesses=4 --dist loadgroup $(PYTEST_ARGS)

# Lint and format (ruff), types (mypy, the packages pyproject.toml names), and `flask db check`:
# the models agree with the migrations, on a fresh SQLite database migrated to the head.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@check=$$(mktemp -d) && trap 'rm -rf "$$check"' EXIT && \
	  export DATABASE_URL="sqlite:///$$check/check.db" && $(FLASK) db upgrade && $(FLASK) db check

# The locked sets, from the direct dependencies in requirements*.in: every package pinned, with
# its hashes, for any platform and Python 3.11 on. UV_ARGS=--upgrade takes the newest releases;
# UV_ARGS="--upgrade-package NAME" one package. Then `make test lint` before committing.
lock: install-test
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes --no-config \
	  --custom-compile-command "make lock" $(UV_ARGS) requirements.in -o requirements.txt
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes --no-config \
	  --custom-compile-command "make lock" $(UV_ARGS) requirements-test.in -o requirements-test.txt

# The benchmarks: one table of measure, value, baseline (same run), ratio, target, met (bench/run).
# A smoke run in a few minutes: make bench BENCH_ARGS=--quick; some only: BENCH_ARGS="load report".
bench: install-test translations system-test
	$(BIN)/python bench/run $(BENCH_ARGS)

# pip itself comes from the lock (pinned and hashed like everything else), not from an upgrade.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Only what the lock names, each file checked against its hash.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# System packages, from the distribution: Pango and a font for the PDF posters (WeasyPrint);
# for the tests also Chromium (Playwright's own browser download does not work on a closed
# network) and poppler to turn PDFs into images (QR codes are decoded by the zxing-cpp wheel). Only missing ones are
# installed; on a system without apt-get, install the equivalents by hand.
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
# nginx and openssl: tests/deploy runs the shipped nginx site, with a certificate made there.
TEST_DEBS := $(RUN_DEBS) chromium poppler-utils nginx openssl

define install_debs
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing system packages:" $$missing; \
	    $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; \
	  else echo "Please install:" $$missing; fi; \
	fi
endef

system-run:
	$(call install_debs,$(RUN_DEBS))

system-test:
	$(call install_debs,$(TEST_DEBS))

# Catalogues are kept as .po text and compiled here, never committed as binaries.
translations: $(MO)
$(MO): translations/id/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile -d translations --use-fuzzy

# After changing user-visible text: extract, merge into the .po, translate, commit the .po.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k bi -k nbi:1,2 -k Plural:1,2 -k t -o translations/messages.pot \
	  --no-location --omit-header --sort-output --ignore-dirs=".venv migrations tests bench" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --width 100

clean:
	rm -rf $(VENV) instance artifacts .pytest_cache .mypy_cache .ruff_cache
