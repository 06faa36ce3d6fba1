"""Execute the book's outdated chapters in parallel, into the cache the build then reads.

Jupyter Book 1 (myst-nb, ``execute_notebooks: cache``) executes notebooks one after another
while Sphinx reads them. Before Sphinx reads anything, this extension finds the chapters (and
MyST Markdown notebook pages, such as the instructors page) that
are not cached and current (``lessons_lib.tooling.book_cache.is_current``: the same code cells,
and the same ``lessons_lib`` files under them) and executes them in a pool of
``nb_parallel_jobs`` processes (default: one per CPU). myst-nb then finds every chapter in the
cache and only renders it. ``make notebooks`` fills the same cache from its nbval run
(``lessons_lib.tooling.nbval_cache``), so after it this extension executes nothing.

So a chapter whose code is unchanged is never executed again, whatever happens to its prose,
and a change in ``lessons_lib`` re-executes exactly the chapters that depend on it, so that a
fix reaches every number printed in the book.

A chapter whose cell fails stops the build once every chapter has run, with the cell's
traceback (``raise_on_error``); with ``raise_on_error`` off it is left out of the cache and
myst-nb handles it as usual. ``allow_errors: false`` and warnings-as-errors keep their meaning.
Each cached chapter also records its execution time and its kernel's peak resident memory
(``peak_rss_bytes``, kernel and its children, polled every 0.2 s when psutil is installed);
``benchmarks/build.py`` reads them back.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import nbformat
from sphinx.errors import ExtensionError
from sphinx.util import logging

from lessons_lib.tooling import book_cache
from lessons_lib.tooling.dependencies import lessons_digest

LOGGER = logging.getLogger(__name__)


def execute_into_cache(cache_path: str, uri: str, timeout: int, allow_errors: bool,
                       in_temp: bool) -> tuple[str, float, int, str | None]:
    """Execute one notebook (in a worker process) and cache it on success.

    Returns ``(uri, seconds, peak kernel RSS in bytes, error or None)``.
    """
    import tempfile

    from jupyter_cache import get_cache
    from jupyter_cache.executors.utils import single_nb_execution

    cache = get_cache(cache_path)
    notebook = read_notebook(uri)
    digest = lessons_digest(notebook, uri)  # what it runs with, whatever changes meanwhile
    start = time.perf_counter()
    with book_cache.PeakRSS() as rss, tempfile.TemporaryDirectory() as tmp:
        cwd = tmp if in_temp else str(Path(uri).parent)
        result = single_nb_execution(notebook, cwd=cwd, timeout=timeout,
                                     allow_errors=allow_errors, meta_override=True)
    seconds = time.perf_counter() - start
    if result.err is not None:
        return uri, seconds, rss.peak, result.exc_string or f"{type(result.err).__name__}"
    book_cache.store(cache, notebook, uri, result.time, rss.peak, digest=digest)
    return uri, seconds, rss.peak, None


def _outdated_notebooks(app: Any, docnames: list[str]) -> list[str]:
    """The notebooks among ``docnames`` that the cache does not hold yet, longest first."""
    from jupyter_cache import get_cache

    config = app.env.mystnb_config
    cache = get_cache(config.execution_cache_path)
    previous = {r.uri: r.data.get("execution_seconds", 0) for r in cache.list_cache_records()}
    todo = []
    for docname in docnames:
        path = str(app.env.doc2path(docname))
        notebook = _cacheable_notebook(path, config)
        if notebook is not None and not book_cache.is_current(cache, notebook, path):
            todo.append(path)
    return sorted(todo, key=lambda p: previous.get(p, 0), reverse=True)


def read_notebook(path: str) -> nbformat.NotebookNode | None:
    """A chapter (``.ipynb``) or a MyST Markdown notebook page (``.md`` with a jupytext or
    ``file_format: mystnb`` top matter, such as the instructors page), as myst-nb reads it;
    None for a page that is not a notebook."""
    if path.endswith(".ipynb"):
        return nbformat.read(path, as_version=4)
    if path.endswith(".md"):
        from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook

        text = Path(path).read_text(encoding="utf-8")
        if is_myst_markdown_notebook(text):
            return read_myst_markdown_notebook(text, add_source_map=True, path=path)
    return None


def _cacheable_notebook(path: str, config: Any) -> nbformat.NotebookNode | None:
    """The notebook at ``path`` if myst-nb would execute it through the cache, else None."""
    if any(fnmatch(path, pattern) for pattern in config.execution_excludepatterns):
        return None
    notebook = read_notebook(path)
    if notebook is None:
        return None
    mode = notebook.metadata.get("mystnb", {}).get("execution_mode", config.execution_mode)
    return notebook if mode == "cache" else None


def stale_chapters(app: Any, env: Any, added: set[str], changed: set[str],
                   removed: set[str]) -> list[str]:
    """Unchanged chapters whose cached outputs are stale (``lessons_lib`` changed): re-read."""
    from jupyter_cache import get_cache

    config = env.mystnb_config
    if config.execution_mode != "cache":
        return []
    cache = get_cache(config.execution_cache_path)
    stale = []
    for docname in sorted(env.found_docs - added - changed - removed):
        path = str(env.doc2path(docname))
        notebook = _cacheable_notebook(path, config)
        if notebook is not None and not book_cache.is_current(cache, notebook, path):
            stale.append(docname)
    if stale:
        LOGGER.info(f"[parallel_execute] lessons_lib changed under: {', '.join(stale)}")
    return stale


def preexecute(app: Any, env: Any, docnames: list[str]) -> None:
    """Execute the outdated notebooks in parallel before Sphinx reads them."""
    config = env.mystnb_config
    jobs = app.config.nb_parallel_jobs or os.cpu_count() or 1
    if config.execution_mode != "cache":
        return
    todo = _outdated_notebooks(app, docnames)
    if not todo:
        return
    LOGGER.info(f"[parallel_execute] executing {len(todo)} notebooks, {jobs} at a time")
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
        futures = [pool.submit(execute_into_cache, config.execution_cache_path, uri,
                               config.execution_timeout, config.execution_allow_errors,
                               config.execution_in_temp) for uri in todo]
        failed = []
        for future in futures:
            uri, seconds, peak, error = future.result()
            name = Path(uri).name
            if error:
                failed.append(f"{name} ({seconds:.0f} s):\n{error}")
                LOGGER.info(f"[parallel_execute] {name}: a cell failed after {seconds:.1f} s")
            else:
                LOGGER.info(f"[parallel_execute] {name}: {seconds:.1f} s, "
                            f"kernel peak {peak / 2**20:.0f} MiB")
    if failed and config.execution_raise_on_error:
        # Fail now, with the tracebacks, rather than let myst-nb run the chapter a second time.
        raise ExtensionError("executing notebooks failed:\n\n" + "\n\n".join(failed))


def setup(app: Any) -> dict[str, Any]:
    """Register the pre-execution step and its ``nb_parallel_jobs`` setting (0: one per CPU)."""
    app.add_config_value("nb_parallel_jobs", 0, "env")
    app.connect("env-get-outdated", stale_chapters)
    app.connect("env-before-read-docs", preexecute)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
