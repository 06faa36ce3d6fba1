"""Execute the book's outdated chapters in parallel, into the cache the build then reads.

Jupyter Book 1 (myst-nb, ``execute_notebooks: cache``) executes notebooks one after another
while Sphinx reads them. Before Sphinx reads anything, this extension finds the chapters whose
code is not in the jupyter-cache yet (the cache is keyed by a hash of the code cells and the
kernel, so a chapter whose code is unchanged is never executed again, whatever happens to its
prose) and executes them in a pool of ``nb_parallel_jobs`` processes (default: one per CPU).
myst-nb then finds every chapter in the cache and only renders it.

The key also covers the course's own code: each chapter records a digest of the ``lessons_lib``
modules it imports (directly or through other ``lessons_lib`` modules). When one of them
changes, the chapter is marked outdated and executed again, so a fix in ``lessons_lib`` reaches
every number printed in the book.

A chapter whose cell fails stops the build once every chapter has run, with the cell's
traceback (``raise_on_error``); with ``raise_on_error`` off it is left out of the cache and
myst-nb handles it as usual. ``allow_errors: false`` and warnings-as-errors keep their meaning.
Each cached chapter also records its execution time and its kernel's peak
resident memory (``peak_rss_bytes``, kernel and its children, polled every 0.2 s when psutil
is installed); ``benchmarks/build.py`` reads them back.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import nbformat
from sphinx.errors import ExtensionError
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
PACKAGE = "lessons_lib"
DIGEST_KEY = "lessons_lib_digest"
# What follows ``import`` in ``from X import ...``: a parenthesised list (may span lines) or the
# rest of the line.
_NAMES = r"(?:\((?P<{0}p>[^)]*)\)|(?P<{0}>[\w \t,]+))"
_IMPORTS = re.compile(
    rf"from\s+{PACKAGE}\s+import\s+" + _NAMES.format("names")
    + rf"|(?:from|import)\s+{PACKAGE}\.(?P<module>\w+)"
    + r"|from\s+\.(?P<relative>\w*)\s+import\s+" + _NAMES.format("relnames")
    + rf"|import\s+{PACKAGE}\b(?!\.)(?P<whole>)"
)


def _package_dir() -> Path | None:
    spec = importlib.util.find_spec(PACKAGE)
    return Path(spec.origin).parent if spec and spec.origin else None


def _imported_modules(source: str, package: Path) -> set[str]:
    """The ``lessons_lib`` modules that ``source`` imports, by name."""
    modules: set[str] = set()
    for match in _IMPORTS.finditer(source):
        if match["whole"] is not None:
            return {p.stem for p in package.glob("*.py")}
        if match["module"]:
            modules.add(match["module"])
        if match["relative"]:
            modules.add(match["relative"])
        names_in_package = [match["names"], match["namesp"]]
        if match["relative"] == "":
            names_in_package += [match["relnames"], match["relnamesp"]]
        for names in names_in_package:
            for name in re.split(r"[\s,]+", names or ""):
                if (package / f"{name}.py").is_file():
                    modules.add(name)
    return modules


def lessons_digest(notebook: nbformat.NotebookNode) -> str:
    """A digest of the ``lessons_lib`` source files that ``notebook`` depends on."""
    package = _package_dir()
    if package is None:
        return "no-lessons_lib"
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    todo, seen = _imported_modules(code, package) | {"__init__"}, set()
    while todo:
        name = todo.pop()
        path = package / f"{name}.py"
        if name in seen or not path.is_file():
            continue
        seen.add(name)
        todo |= _imported_modules(path.read_text(encoding="utf-8"), package) - seen
    digest = hashlib.sha256()
    for name in sorted(seen):
        digest.update(name.encode() + b"\0" + (package / f"{name}.py").read_bytes() + b"\0")
    return digest.hexdigest()


def _cached_and_current(cache: Any, notebook: nbformat.NotebookNode) -> bool:
    """True if ``notebook``'s code is cached with today's ``lessons_lib``; drop a stale entry."""
    try:
        record = cache.match_cache_notebook(notebook)
    except KeyError:
        return False
    if record.data.get(DIGEST_KEY) == lessons_digest(notebook):
        return True
    cache.remove_cache(record.pk)
    return False


class PeakRSS:
    """Poll the resident memory of this process's children (the kernel); keep the peak."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        try:
            import psutil
        except ImportError:
            return
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def execute_into_cache(cache_path: str, uri: str, timeout: int, allow_errors: bool,
                       in_temp: bool) -> tuple[str, float, int, str | None]:
    """Execute one notebook (in a worker process) and cache it on success.

    Returns ``(uri, seconds, peak kernel RSS in bytes, error or None)``.
    """
    import tempfile

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution

    cache = get_cache(cache_path)
    notebook = nbformat.read(uri, as_version=4)
    start = time.perf_counter()
    with PeakRSS() as rss, tempfile.TemporaryDirectory() as tmp:
        cwd = tmp if in_temp else str(Path(uri).parent)
        result = single_nb_execution(notebook, cwd=cwd, timeout=timeout,
                                     allow_errors=allow_errors, meta_override=True)
    seconds = time.perf_counter() - start
    if result.err is not None:
        return uri, seconds, rss.peak, result.exc_string or f"{type(result.err).__name__}"
    cache.cache_notebook_bundle(
        CacheBundleIn(notebook, uri, data={"execution_seconds": result.time,
                                           "peak_rss_bytes": rss.peak,
                                           DIGEST_KEY: lessons_digest(notebook)}),
        check_validity=False, overwrite=True,
    )
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
        if notebook is not None and not _cached_and_current(cache, notebook):
            todo.append(path)
    return sorted(todo, key=lambda p: previous.get(p, 0), reverse=True)


def _cacheable_notebook(path: str, config: Any) -> nbformat.NotebookNode | None:
    """The notebook at ``path`` if myst-nb would execute it through the cache, else None."""
    if not path.endswith(".ipynb"):
        return None
    if any(fnmatch(path, pattern) for pattern in config.execution_excludepatterns):
        return None
    notebook = nbformat.read(path, as_version=4)
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
        notebook = _cacheable_notebook(str(env.doc2path(docname)), config)
        if notebook is not None and not _cached_and_current(cache, notebook):
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
