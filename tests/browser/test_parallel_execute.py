"""The build's cache key: a chapter is executed again when a lessons_lib module it uses changes.

``_ext/parallel_execute.py`` keys each cached chapter by its code (jupyter-cache) and by a digest
of the lessons_lib modules the chapter imports, directly or through other lessons_lib modules.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "_ext"))
import parallel_execute as pe  # noqa: E402


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake lessons_lib: a imports b; c stands alone."""
    pkg = tmp_path / "lessons_lib"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from lessons_lib.b import g\n    return g()\n")
    (pkg / "b.py").write_text("def g():\n    return 1\n")
    (pkg / "c.py").write_text("X = 1\n")
    monkeypatch.setattr(pe, "_package_dir", lambda: pkg)
    return pkg


def _chapter(code: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"),
                                           nbformat.v4.new_code_cell(code)])


@pytest.mark.parametrize(("source", "expected"), [
    ("from lessons_lib.a import f", {"a"}),
    ("from lessons_lib import a, c\nimport numpy", {"a", "c"}),
    ("from lessons_lib import (\n    a,\n    b,\n)", {"a", "b"}),
    ("import lessons_lib.c as c", {"c"}),
    ("from . import b\nfrom .c import X", {"b", "c"}),
    ("import lessons_lib", {"__init__", "a", "b", "c"}),
    ("import numpy as np", set()),
])
def test_imported_modules(package: Path, source: str, expected: set[str]) -> None:
    assert pe._imported_modules(source, package) == expected


def test_digest_follows_transitive_imports_only(package: Path) -> None:
    chapter = _chapter("from lessons_lib.a import f\nf()")
    before = pe.lessons_digest(chapter)
    (package / "c.py").write_text("X = 2\n")  # not used by the chapter
    assert pe.lessons_digest(chapter) == before
    (package / "b.py").write_text("def g():\n    return 2\n")  # used through a
    assert pe.lessons_digest(chapter) != before
