# Each target creates .venv when missing and installs the project into it first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test unit check bench preview clean wheelhouse install-offline

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/nianbao run

# Two test processes (pytest-xdist): most tests wait on a disk, a socket or a child process, and the
# machine has two cores.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

# The tiers (tests/conftest.py): unit (in-process functions, well under a minute), flows (through the
# service, the storage and the web server, in-process), system (real processes, Chromium, LibreOffice,
# SDKs, the wheel, long fuzz runs). `make check` runs unit and flows on SQLite; `make test` everything.
unit: $(STAMP)
	NIANBAO_TEST_POSTGRES=0 $(BIN)/python -m pytest -q -m unit -p no:cacheprovider

check: $(STAMP)
	NIANBAO_TEST_POSTGRES=0 $(BIN)/python -m pytest -q -n 2 -m "not system" -p no:cacheprovider

# Every bench prints its figures against its targets; a target not met is said and the others still run
# (under 10 minutes in all on the 2-core machine; docs/benchmarks.md).
bench: $(STAMP)
	-$(BIN)/python bench/check.py
	-$(BIN)/python bench/render.py
	-$(BIN)/python bench/dashboard.py
	-$(BIN)/python bench/web_load.py --clerks 200 --rounds 2
	-$(BIN)/python bench/web_load.py --clerks 200 --rounds 2 --only grid
	-$(BIN)/python bench/bot_load.py --clerks 230

# Renders a sample report to build/preview: .docx, and PDF and PNG pages when LibreOffice and pdftoppm exist.
preview: $(STAMP)
	$(BIN)/python -m bot.render.preview build/preview

clean:
	rm -rf $(VENV) build *.egg-info

# An install for a server with no internet: `make wheelhouse` (where PyPI is reachable) builds every wheel
# the project needs into wheelhouse/; copy the project folder with it; `make install-offline` there
# installs from it alone.
WHEELHOUSE ?= wheelhouse

wheelhouse: | $(BIN)/python
	$(BIN)/python -m pip wheel --quiet --wheel-dir $(WHEELHOUSE) 'pip' 'setuptools>=70.1' '.'

install-offline:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-index --find-links $(WHEELHOUSE) --upgrade pip
	$(BIN)/python -m pip install --quiet --no-index --find-links $(WHEELHOUSE) nianbao
	touch $(STAMP)
