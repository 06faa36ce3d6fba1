"""The book's cache of executed chapters, which both the tests and the build fill and read.

Jupyter Book 1 (``execute_notebooks: cache``) keeps each executed chapter in a jupyter-cache
folder and renders a chapter from it when its code is unchanged. This module stores chapters
in that same cache, with a digest of the ``lessons_lib`` files the chapter depends on
(``dependencies.lessons_digest``), and decides whether a cached chapter is still current. Two
executors use it, so that ``make test`` executes each chapter once for nbval and the build:

- ``make notebooks`` runs every chapter under nbval; ``lessons_lib.tooling.nbval_cache``
  stores each chapter whose every cell passed;
- ``_ext/parallel_execute.py`` executes, before Sphinx reads anything, the chapters that are
  not cached and current yet (after a code change, or on a fresh clone), in parallel.

A cached chapter is current when jupyter-cache matches its code cells exactly and its recorded
digest equals today's: editing prose re-executes nothing, editing a module re-executes exactly
the chapters that depend on it, and editing one chapter's checks re-executes that chapter.
Each entry also records the execution time and the kernel's peak memory, which
``benchmarks/build.py`` reports.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import nbformat
import yaml

from lessons_lib.tooling.dependencies import lessons_digest

DIGEST_KEY = "lessons_lib_digest"
DEFAULT_CACHE = Path("_build") / ".jupyter_cache"


def cache_path(config: Path | str = "_config.yml") -> Path:
    """The jupyter-cache folder the book's build uses: ``execute.cache`` or Jupyter Book's
    default, ``_build/.jupyter_cache``, relative to the folder of ``_config.yml``."""
    config = Path(config)
    settings = yaml.safe_load(config.read_text(encoding="utf-8")) if config.is_file() else {}
    folder = ((settings or {}).get("execute") or {}).get("cache") or DEFAULT_CACHE
    return (config.parent / folder).resolve()


def is_current(cache: Any, notebook: nbformat.NotebookNode, path: Path | str) -> bool:
    """Whether ``cache`` holds ``notebook``'s code executed with today's ``lessons_lib``.

    A stale entry (same code, other ``lessons_lib``) is removed, so it cannot be rendered.
    """
    try:
        record = cache.match_cache_notebook(notebook)
    except KeyError:
        return False
    if record.data.get(DIGEST_KEY) == lessons_digest(notebook, path):
        return True
    cache.remove_cache(record.pk)
    return False


def execution_seconds(cache_dir: Path, notebooks: dict[str, nbformat.NotebookNode]) -> \
        dict[str, float]:
    """How long each chapter (name to notebook) took when the cache in ``cache_dir`` stored
    it, in seconds; chapters it holds no record of are left out."""
    if not Path(cache_dir).is_dir():
        return {}
    from jupyter_cache import get_cache

    cache, seconds = get_cache(cache_dir), {}
    for name, notebook in notebooks.items():
        try:
            record = cache.match_cache_notebook(notebook)
        except KeyError:
            continue
        if "execution_seconds" in record.data:
            seconds[name] = float(record.data["execution_seconds"])
    return seconds


def store(cache: Any, executed: nbformat.NotebookNode, path: Path | str, seconds: float,
          peak_rss: int, digest: str | None = None) -> None:
    """Put an executed chapter (every cell ran without error) into ``cache``.

    ``digest`` is the ``lessons_lib`` digest the chapter ran with (taken now when not given).
    """
    from jupyter_cache.base import CacheBundleIn

    data = {"execution_seconds": seconds, "peak_rss_bytes": peak_rss,
            DIGEST_KEY: digest or lessons_digest(executed, path)}
    cache.cache_notebook_bundle(CacheBundleIn(executed, str(path), data=data),
                                check_validity=False, overwrite=True)


class PeakRSS:
    """Poll the resident memory of this process's children (the kernel); keep the peak.

    Needs psutil (a development dependency); without it the peak stays 0.
    """

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

    def start(self) -> PeakRSS:
        """Start polling in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> int:
        """Stop polling; return the peak in bytes."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.peak

    def __enter__(self) -> PeakRSS:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
