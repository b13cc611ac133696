# vfund: `make run` starts the whole system on embedded servers; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast bench lint format verify clean system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m services

test: $(STAMP) system-deps
	$(PY) -m pytest -q -p no:cacheprovider

test-fast: $(STAMP) system-deps
	$(PY) -m pytest -q -p no:cacheprovider tests/unit

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
