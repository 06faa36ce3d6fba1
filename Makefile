# The two commands of the README: `make book` builds the book, `make test` runs every test.
# Each sets up its own virtual environment on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Chapters read this to keep their output compact (one line per epoch, no progress bars).
export LESSONS_BOOK_BUILD := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: book test lint unit notebooks browser editions bench-build clean

$(BIN)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e ".[dev]"
	touch $@

book: $(BIN)/.installed
	$(BIN)/jupyter-book build . -W -n --keep-going

lint: $(BIN)/.installed
	$(BIN)/ruff check .

unit: $(BIN)/.installed
	$(BIN)/python -m pytest -p no:cacheprovider tests

notebooks: $(BIN)/.installed
	$(BIN)/python -m pytest --nbval-lax --nbval-cell-timeout=1200 -p no:cacheprovider book

test: lint unit notebooks editions book browser

# The built book in headless Chromium (Debian's `chromium`): JS errors, images, math, error
# outputs, solution dropdowns, table of contents, internal links. Builds nothing itself.
browser: $(BIN)/.installed
	@test -f _build/html/index.html || { echo "make browser: no built book in _build/html;" \
		"run 'make book' first" >&2; exit 1; }
	LESSONS_BROWSER=1 $(BIN)/python -m pytest -p no:cacheprovider tests/browser/test_browser_book.py

# The student edition (solutions removed) run through the grader: every exercise must come back
# "not attempted" and no other cell may fail.
editions: $(BIN)/.installed
	rm -rf _build/student
	$(BIN)/python -m lessons_lib.student_edition _build/student
	$(BIN)/python -m lessons_lib.grade --expect "not attempted" _build/student/*.ipynb

# Cold and warm build times of the whole book and each chapter's peak kernel memory.
bench-build: $(BIN)/.installed
	$(BIN)/python benchmarks/build.py

clean:
	rm -rf _build
