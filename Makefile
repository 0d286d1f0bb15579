# The README's quick start: `make book` builds the book, `make test` runs every test.
# Both work on a fresh Debian/Ubuntu machine that has Python 3.11 and apt.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
LOCK   := requirements/lock.txt
# Strict: warnings are errors, nitpicky cross-references, report every problem at once.
BUILD_FLAGS ?= --warningiserror --nitpick --keep-going

.PHONY: book instructor-book test check lint format bench lab serve lock clean browser-deps grading-deps

# A venv is made once; `pip install` runs again only when the dependencies change.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: install python3.11")'
	$(PYTHON) -m venv $(VENV) || { \
	  echo "python -m venv failed: on Debian/Ubuntu install the venv module:"; \
	  echo "  sudo apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23.2"

$(VENV)/.book-installed: $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/python -m pip install --quiet --constraint $(LOCK) --editable .
	@# Build matplotlib's font cache now: its first-run notice on stderr would fail the strict build.
	$(BIN)/python -c "import matplotlib.pyplot"
	touch $@

$(VENV)/.test-installed: $(VENV)/.book-installed
	$(BIN)/python -m pip install --quiet --constraint $(LOCK) --editable ".[test]"
	touch $@

book: $(VENV)/.book-installed
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)
	@echo ""
	@echo "The book is built. Open $(CURDIR)/_build/html/index.html"
	@echo "or serve it: $(BIN)/python -m http.server --directory _build/html 8000"

# The whole book as one PDF, printed offline by Debian's Chromium (also copied into _build/html/_downloads/).
.PHONY: pdf
pdf: $(VENV)/.test-installed browser-deps book
	$(BIN)/python -m qantar.pdf _build/html --output _build/pdf/qandy-qantar.pdf

# The instructor edition: answer keys, worked solutions and teaching notes. Keep it private.
instructor-book: $(VENV)/.book-installed
	QANTAR_EDITION=instructor $(BIN)/jupyter-book build . $(BUILD_FLAGS) --path-output _build/instructor
	@echo ""
	@echo "The instructor edition is built. Open $(CURDIR)/_build/instructor/_build/html/index.html"
	@echo "It holds every answer: do not publish it."

# A Debian package the tests need: installed with apt when run as root (as CI is), else the
# command to run. $(call debian-package,PROGRAM,PACKAGE,WHY)
define debian-package
	@if [ -x "$(1)" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2); \
	else \
	  echo "$(3) Run:"; \
	  echo "  sudo apt-get install $(2)"; \
	  echo "then run the command again."; exit 1; \
	fi
endef

# Browser tests drive Debian's Chromium (Playwright's own browser download does not work offline).
browser-deps:
	$(call debian-package,/usr/bin/chromium,chromium,The browser tests need Debian's Chromium.)

# `qantar grade` runs each submission in a bubblewrap sandbox (Debian's bubblewrap package).
grading-deps:
	$(call debian-package,/usr/bin/bwrap,bubblewrap,qantar grade runs every submission in a bubblewrap sandbox.)

# Every test: data, exercises, kernels, real book builds, Chromium, grading (about 10 minutes).
test: $(VENV)/.test-installed browser-deps grading-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fast tests (no book build, no browser): under two minutes, for every change.
check: $(VENV)/.test-installed
	$(BIN)/python -m pytest -m "not book and not browser" $(PYTEST_ARGS)

# Lint and format check of the package, the tests and the benchmarks (ruff, configured in pyproject.toml).
lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# Apply ruff's fixes and formatting.
format: $(VENV)/.test-installed
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

# Benchmarks: a table on screen and bench/results.json. Never part of `make test`.
bench: $(VENV)/.test-installed browser-deps
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The chapters as notebooks in JupyterLab (jupytext opens the MyST .md files as notebooks).
lab: $(VENV)/.book-installed
	$(BIN)/python -m pip install --quiet --constraint $(LOCK) --editable ".[lab]"
	$(BIN)/jupyter lab chapters/

# The built site on http://127.0.0.1:8000 (after `make book`).
serve:
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory _build/html 8000

# Refresh the exact versions after changing the ranges in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade --editable ".[test,lab]"
	$(BIN)/python -m pip freeze --exclude-editable --exclude qantar | grep -v '^-e' > $(LOCK)

clean:
	rm -rf _build
