"""A pytest plugin for ``make notebooks``: hand the chapters to nbval's workers last first.

``make notebooks`` runs the chapters under nbval on two workers, a whole chapter at a time
(``--dist loadfile``). By default pytest-xdist hands them out largest first by number of cells,
which put chapter 10, whose five training runs take most of the stage, after four others: one
worker then ran it alone while the other had finished. The later chapters of the book train
the larger models, so this plugin orders the chapters from the last to the first (each
chapter's cells in their own order), and ``--no-loadscope-reorder`` makes xdist keep that order.
Without the plugin nothing changes but the order in which chapters start. Measured from empty
caches on the 2-core machine: the stage took 934 s instead of 968 s (chapter 10, sharing the
two cores with the others, is most of it either way).
"""

from __future__ import annotations

from pathlib import Path

import pytest


def last_chapter_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """``items`` grouped by file, the files in reverse order, each file's items as they were."""
    by_file: dict[Path, list[pytest.Item]] = {}
    for item in items:
        by_file.setdefault(Path(item.path), []).append(item)
    return [item for path in sorted(by_file, reverse=True) for item in by_file[path]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Reorder the collected cells: last chapter first."""
    items[:] = last_chapter_first(items)
