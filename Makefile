# Social Inbox — every target creates .venv and installs what it needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TESTSTAMP := $(VENV)/.installed-test

.PHONY: run test lint bench clean dist

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml setup.py | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(TESTSTAMP): pyproject.toml setup.py | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP) $@

run: $(STAMP)
	$(BIN)/social-inbox $(ARGS)

lint: $(TESTSTAMP)
	$(BIN)/ruff check inbox tests packaging
	$(BIN)/mypy inbox
	$(BIN)/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(TESTSTAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tests.bench

# One-folder bundle in dist/social-inbox/ (PyInstaller; see packaging/social-inbox.spec).
dist: $(TESTSTAMP)
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
		packaging/social-inbox.spec

clean:
	rm -rf $(VENV) build dist *.egg-info
