# vfund: `make run` starts the whole system on embedded servers; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast bench lint format verify clean system-deps chromium i18n

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

test: $(STAMP) system-deps chromium
	VFUND_CHROMIUM=$(CHROMIUM) $(PY) -m pytest -q -p no:cacheprovider

test-fast: $(STAMP) system-deps
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

# System packages: the donor report PDF (WeasyPrint) needs pango and harfbuzz, and fonts with Latin
# and Arabic glyphs (Noto Sans, Noto Sans Arabic, DejaVu Sans Mono), all from Debian. Installed
# when missing and the user may (root, or sudo without a password); otherwise a clear stop.
PDF_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
            fonts-noto-core fonts-dejavu-core
system-deps:
	@missing=$$(for p in $(PDF_DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; \
	  else echo "make: the donor report PDF needs these Debian packages: $$missing" >&2; \
	    echo "make: install them with: sudo apt-get install $$missing" >&2; exit 1; fi; \
	  echo "installing $$missing"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

clean:
	rm -rf .vfund $(VENV)
