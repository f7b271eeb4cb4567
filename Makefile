# Two commands on a fresh machine:
#   make run    the product with demo data on http://127.0.0.1:8000, or where BIND says (SQLite under instance/)
#   make test   the whole test suite (SQLite; set TEST_DATABASE_URL for PostgreSQL)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
MO := translations/id/LC_MESSAGES/messages.mo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test bench install install-test system-run system-test translations messages clean

run: install translations system-run
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(BIN)/gunicorn --config gunicorn.conf.py 'app:create_app()'

test: install-test translations system-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The benchmarks: one table of measure, value, baseline (same run), ratio, target, met (bench/run).
# A smoke run in a few minutes: make bench BENCH_ARGS=--quick; some only: BENCH_ARGS="load report".
bench: install-test translations system-test
	$(BIN)/python bench/run $(BENCH_ARGS)

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

# System packages, from the distribution: Pango and a font for the PDF posters (WeasyPrint);
# for the tests also Chromium (Playwright's own browser download does not work on a closed
# network), zbar to decode QR codes and poppler to turn PDFs into images. Only missing ones are
# installed; on a system without apt-get, install the equivalents by hand.
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
TEST_DEBS := $(RUN_DEBS) chromium libzbar0 poppler-utils

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
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k bi -k t -o translations/messages.pot \
	  --no-location --omit-header --sort-output --ignore-dirs=".venv migrations tests bench" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --width 100

clean:
	rm -rf $(VENV) instance artifacts .pytest_cache
