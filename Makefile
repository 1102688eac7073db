# Each target creates .venv when missing and installs the project into it first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench preview clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/nianbao run

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/check.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/dashboard.py

# Renders a sample report to build/preview: .docx, and PDF and PNG pages when LibreOffice and pdftoppm exist.
preview: $(STAMP)
	$(BIN)/python -m bot.render.preview build/preview

clean:
	rm -rf $(VENV) build *.egg-info
