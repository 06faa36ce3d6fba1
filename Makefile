# The two commands of the README: `make book` builds the book, `make test` runs every test.
# Each sets up its own virtual environment on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Chapters read this to keep their output compact (one line per epoch, no progress bars).
export LESSONS_BOOK_BUILD := 1
export TF_CPP_MIN_LOG_LEVEL := 2
# The browser test's Chromium (Debian's package by default; any Chromium or Chrome will do).
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser)
export CHROMIUM
# How many chapters (or unit-test workers) run at a time in `make test`: one per core.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# With one process per core, NumPy's OpenBLAS keeps to one thread: its threads spin while they
# wait, and two processes' threads fighting over two cores made chapter 11's numpy training loop
# about 100 times slower than one thread each (measured; alone, one thread is faster too).
export OPENBLAS_NUM_THREADS ?= 1
# The cache of executed chapters that the book's build renders from: Jupyter Book's default
# (_config.yml sets no execute.cache; tests/tooling/test_makefile.py checks the two agree).
BOOK_CACHE := _build/.jupyter_cache

# The Python of the Colab-like environment (`make colab`): Colab's version when this machine has
# it (python3.13, or pyenv's), else the one the tool runs on, which it then reports.
COLAB_PYTHON ?=

.PHONY: book test preflight lint unit notebooks editions colab colab-edition pdf browser \
	bench-build clean
# The stages of `make test` depend on each other's results: never run them side by side.
.NOTPARALLEL:

$(BIN)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# requirements.txt installs lessons_lib editable, as Binder does; ".[dev]" adds the tooling's
	# and the tests' extras to that same install.
	$(BIN)/python -m pip install --quiet -r requirements.txt -e ".[dev]"
	touch $@

# Executes the chapters that are not cached yet (in parallel), then renders every page with
# warnings as errors. Needs only Python 3.11 and make.
book: $(BIN)/.installed
	$(BIN)/jupyter-book build . -W -n --keep-going

# Each chapter executes once for nbval and the build: nbval stores every chapter that passes
# in the book's cache (lessons_lib.tooling.nbval_cache) and `book` then only renders it. The
# student edition is a different notebook and runs once more, through the grader.
test: preflight lint unit notebooks editions colab book pdf browser

# What `make test` needs beyond Python, checked in one line before any long work starts.
preflight:
	@test -n "$(CHROMIUM)" && test -x "$(CHROMIUM)" || { echo "make test: Chromium not found;" \
		"the browser test needs it: install it (Debian and Ubuntu: sudo apt-get install" \
		"chromium) or set CHROMIUM=/path/to/chromium" >&2; exit 1; }

lint: $(BIN)/.installed
	$(BIN)/ruff check .

unit: $(BIN)/.installed
	$(BIN)/python -m pytest -p no:cacheprovider -n $(JOBS) tests

# Every chapter under nbval, with nothing but the virtual environment on PATH: a chapter that
# needs a system program (Graphviz's dot, say) fails here, as it would on a reader's machine.
# The chapters start last first (lessons_lib.tooling.chapter_order): the later ones train more.
# Each check cell also leaves its answer in _build/answers (labels are unique, one folder does),
# which `editions` checks again in the grader's clean processes, without running a chapter twice.
notebooks: $(BIN)/.installed
	rm -rf _build/answers
	LESSONS_ANSWERS_DIR="$(abspath _build/answers)" \
	PATH="$(abspath $(BIN))" $(BIN)/python -m pytest --nbval-lax --nbval-cell-timeout=1200 \
		-p no:cacheprovider -n $(JOBS) --dist loadfile -p lessons_lib.tooling.nbval_cache \
		--book-cache $(BOOK_CACHE) -p lessons_lib.tooling.chapter_order \
		--no-loadscope-reorder book

# The book's own solutions, captured by `notebooks`, through the grader's clean verdict: every
# exercise must be there and pass. Then the student edition (solutions removed) run through the
# grader: every exercise must come back "not attempted" and no other cell may fail.
editions: $(BIN)/.installed
	$(BIN)/python -m lessons_lib.tooling.verdicts --captured _build/answers --expect passed
	rm -rf _build/student
	$(BIN)/python -m lessons_lib.tooling.student_edition _build/student
	$(BIN)/python -m lessons_lib.tooling.grade --jobs $(JOBS) --expect "not attempted" \
		_build/student/*.ipynb

# Every chapter of the Colab edition, alone in an empty folder, in a virtual environment holding
# Colab's packages (lessons_lib/tooling/colab_runtime.txt) and nothing of the book's build; the
# setup cell installs lessons_lib from a local repository. Needs the chapters executed
# (`notebooks`), whose values the edition quotes. Report: _build/colab-run/report.json.
colab: $(BIN)/.installed
	$(BIN)/python -m lessons_lib.tooling.colab_env --jobs $(JOBS) \
		$(if $(COLAB_PYTHON),--python $(COLAB_PYTHON))

# The Colab edition alone, to publish: _build/colab/book/*.ipynb go to the branch that the
# book's Colab button opens (lessons_colab_branch in _config.yml), beside the website.
colab-edition: $(BIN)/.installed
	rm -rf _build/colab
	$(BIN)/python -m lessons_lib.tooling.colab_edition _build/colab

# The whole book as one A4 PDF to hand out (_build/pdf/book.pdf), solutions left out: the
# single-page build rendered from the execution cache (run `make book` first, or nothing is
# cached and every chapter executes), printed by the browser test's Chromium. Fails when a code
# block, output, figure or table is wider than the paper's column.
pdf: preflight $(BIN)/.installed
	$(BIN)/python -m lessons_lib.tooling.pdf --out _build/pdf/book.pdf

# The built book in headless Chromium: JS errors, images, math, error outputs, solution
# dropdowns, table of contents, internal links. Builds nothing itself.
browser: preflight $(BIN)/.installed
	@test -f _build/html/index.html || { echo "make browser: no built book in _build/html;" \
		"run 'make book' first" >&2; exit 1; }
	LESSONS_BROWSER=1 $(BIN)/python -m pytest -p no:cacheprovider tests/browser/test_browser_book.py

# Cold and warm build times of the whole book and each chapter's peak memory.
bench-build: $(BIN)/.installed
	$(BIN)/python benchmarks/build.py

clean:
	rm -rf _build
