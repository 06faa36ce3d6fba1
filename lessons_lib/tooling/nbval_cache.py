"""A pytest plugin: chapters that pass under nbval go into the book's cache, for the build.

``make notebooks`` runs every chapter under nbval, one kernel per chapter. Loaded with
``-p lessons_lib.tooling.nbval_cache --book-cache DIR``, this plugin collects the outputs nbval
received for each cell and, when every cell of a chapter passed, stores the executed chapter in
the jupyter-cache folder ``DIR`` through ``book_cache.store``, exactly as the book's build would
have executed it. ``make book`` then finds the chapter cached and current and only renders it,
so ``make test`` executes each chapter once for both nbval and the build.

A chapter with a failing, skipped or timed-out cell is not stored: the build executes it
itself (and fails on the same cell). Without ``--book-cache`` the plugin does nothing.

One difference from the build's executor is removed: nbval runs cells with
``store_history=False``, which makes IPython ignore a trailing ``;`` (the cell's value is then
shown, where Jupyter and the build show nothing). With ``--book-cache`` cells are run with
history, as in Jupyter; ``tests/tooling/test_book_cache.py`` checks that nbval's outputs then
match the build's. One remains: nbval drops ``clear_output`` and ``update_display_data``
messages, so a cell that replaces its own output while the book is built (no chapter does;
live progress bars and widgets are switched off by ``LESSONS_BOOK_BUILD``) would be stored
with every output it ever showed. The plugin runs under pytest with nbval, the development
tools (``lessons_lib[dev]``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from lessons_lib.tooling import book_cache
from lessons_lib.tooling.dependencies import lessons_digest


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--book-cache DIR`` option."""
    parser.getgroup("nbval").addoption(
        "--book-cache", metavar="DIR", default=None,
        help="store each chapter whose cells all pass in this jupyter-cache folder "
             "(the book's build then renders it without executing it again)")


class _Chapter:
    """What nbval reported for one notebook so far.

    The notebook is the one nbval collected and runs, and the ``lessons_lib`` digest is taken
    before its first cell: an edit made while it runs cannot be stored under the new key.
    """

    def __init__(self, path: Path, notebook: nbformat.NotebookNode) -> None:
        self.path = path
        self.notebook = nbformat.from_dict(notebook)
        self.digest = lessons_digest(self.notebook, path)
        self.outputs: dict[int, list[Any]] = {}
        self.passed = True
        self.start = time.perf_counter()
        self.memory = book_cache.PeakRSS().start()


class BookCachePlugin:
    """Collect nbval's outputs per notebook and store passing notebooks in the cache."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.chapters: dict[Path, _Chapter] = {}

    def _chapter(self, item: pytest.Item, begin: bool = False) -> _Chapter | None:
        """The record of ``item``'s notebook (begun when ``begin``); None for other tests."""
        notebook = getattr(item.parent, "nb", None)
        if notebook is None or not hasattr(item, "cell_num"):
            return None  # not a cell of a notebook nbval collected
        path = Path(item.parent.path)
        if begin and path not in self.chapters:
            self.chapters[path] = _Chapter(path, notebook)
        return self.chapters.get(path)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Begin a notebook's record before nbval starts its kernel (the clock and memory)."""
        self._chapter(item, begin=True)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo
                                  ) -> Iterator[None]:
        """Record each cell's outputs and whether it passed."""
        outcome = yield
        chapter = self._chapter(item)
        if chapter is None:
            return
        report = outcome.get_result()
        if report.failed or (report.when == "call" and not report.passed):
            chapter.passed = False
        if report.when == "call" and report.passed:
            chapter.outputs[item.cell_num] = list(getattr(item, "test_outputs", None) or [])

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_teardown(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        """After a notebook's last cell, store the notebook if every cell passed."""
        chapter = self._chapter(item)
        if chapter is None or (nextitem is not None and nextitem.parent is item.parent):
            return
        peak = chapter.memory.stop()
        seconds = time.perf_counter() - chapter.start
        del self.chapters[chapter.path]
        if chapter.passed:
            self._store(chapter, seconds, peak)

    def _store(self, chapter: _Chapter, seconds: float, peak: int) -> None:
        from jupyter_cache import get_cache

        notebook = chapter.notebook
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        if set(chapter.outputs) != set(range(len(code))):
            return  # a cell nbval did not run: leave the chapter to the build
        for number, cell in enumerate(code):  # nbval numbers the code cells from 0
            cell.outputs = [nbformat.from_dict(_output(o)) for o in chapter.outputs[number]]
            cell.execution_count = number + 1
        nbformat.validate(notebook)
        book_cache.store(get_cache(self.folder), notebook, chapter.path, seconds, peak,
                         digest=chapter.digest)


def _output(output: Any) -> dict[str, Any]:
    """One of nbval's outputs as an nbformat output (nbval keeps extra fields off)."""
    output = dict(output)
    kind = output["output_type"]
    if kind in ("display_data", "execute_result"):
        output.setdefault("metadata", {})
    if kind == "execute_result":
        output.setdefault("execution_count", None)
    return output


def _execute_with_history(kernel: Any, cell_input: str, allow_stdin: bool | None = None) -> str:
    """nbval's ``execute_cell_input``, with the history a notebook front end keeps."""
    return kernel.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin,
                             stop_on_error=False)


def pytest_configure(config: pytest.Config) -> None:
    """Register the plugin when ``--book-cache`` is given."""
    folder = config.getoption("--book-cache")
    if folder:
        from nbval.kernel import RunningKernel

        RunningKernel.execute_cell_input = _execute_with_history
        config.pluginmanager.register(BookCachePlugin(folder), "lessons-book-cache")
