# vfund: `make run` starts the whole system on embedded servers; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast bench lint format verify clean chromium i18n

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m services

# The web pages are tested in Debian's Chromium (never a downloaded browser): installed here
# when missing and we may install packages; otherwise stop with a clear message. Browser tests
# are never skipped silently.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "The web tests need Chromium at $(CHROMIUM): install Debian's 'chromium' package" \
	         "(sudo apt-get install chromium) or set CHROMIUM=/path/to/chromium." >&2; exit 1; \
	  fi; \
	fi

test: $(STAMP) chromium
	VFUND_CHROMIUM=$(CHROMIUM) $(PY) -m pytest -q -p no:cacheprovider

test-fast: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider tests/unit

# Extract the web's messages, update every area's catalogues, compile them (fails on a message
# still untranslated or fuzzy).
i18n: $(STAMP)
	$(PY) -m dev.i18n

bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check shared services dev bench tests
	$(VENV)/bin/mypy shared services dev bench

format: $(STAMP)
	$(VENV)/bin/ruff format shared services dev bench tests

clean:
	rm -rf .vfund $(VENV)
