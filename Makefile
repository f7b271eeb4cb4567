# Two commands on a fresh machine:
#   make run    the product with demo data on http://127.0.0.1:8000 (SQLite under instance/)
#   make test   the whole test suite (SQLite; set TEST_DATABASE_URL for PostgreSQL)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
MO := translations/id/LC_MESSAGES/messages.mo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test install install-test chromium translations messages bench clean

run: install translations
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(BIN)/gunicorn --config gunicorn.conf.py app:app

test: install-test translations chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The browser tests drive the system's Chromium (Playwright's own download does not work on a
# closed network); install it from the distribution's packages where it is missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium)

# Catalogues are kept as .po text and compiled here, never committed as binaries.
translations: $(MO)
$(MO): translations/id/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile -d translations --use-fuzzy

# After changing user-visible text: extract, merge into the .po, translate, commit the .po.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k bi -o translations/messages.pot \
	  --no-location --omit-header --sort-output --ignore-dirs=".venv migrations tests bench" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --width 100

clean:
	rm -rf $(VENV) instance artifacts .pytest_cache
