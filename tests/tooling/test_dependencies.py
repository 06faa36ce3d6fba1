"""The one import walker: which lessons_lib files a chapter depends on, and its digest.

The build (``_ext/parallel_execute.py``) and ``make notebooks`` key each cached chapter on
``lessons_digest``: editing a module re-executes exactly the chapters that use it, and editing
one chapter's checks re-executes that chapter alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from lessons_lib.tooling import dependencies
from lessons_lib.tooling.notebooks import chapter_notebooks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A fake lessons_lib: a imports b inside a function; c stands alone; two chapters' checks,
    the second of which imports c inside its check."""
    pkg = tmp_path / "lessons_lib"
    (pkg / "exercises").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from lessons_lib.b import g\n    return g()\n")
    (pkg / "b.py").write_text("def g():\n    return 1\n")
    (pkg / "c.py").write_text("X = 1\n")
    (pkg / "exercises" / "__init__.py").write_text("import importlib\n")
    (pkg / "exercises" / "ch01_one.py").write_text("from . import exercise\n")
    (pkg / "exercises" / "ch02_two.py").write_text(
        "from lessons_lib.exercises import exercise\n\ndef check():\n"
        "    from lessons_lib import c\n")
    return pkg


def names(files: set[Path], package: Path) -> set[str]:
    return {f.relative_to(package).as_posix() for f in files}


@pytest.mark.parametrize(("source", "expected"), [
    ("from lessons_lib.a import f", {"__init__.py", "a.py", "b.py"}),
    ("from lessons_lib import a, c\nimport numpy", {"__init__.py", "a.py", "b.py", "c.py"}),
    ("from lessons_lib import (\n    c,\n)", {"__init__.py", "c.py"}),
    ("import lessons_lib.c as c", {"__init__.py", "c.py"}),
    ("%matplotlib inline\nimport lessons_lib.c", {"__init__.py", "c.py"}),
    ("def later():\n    from lessons_lib.b import g", {"__init__.py", "b.py"}),
    ("import numpy as np", set()),
])
def test_files_a_source_depends_on(package: Path, source: str, expected: set[str]) -> None:
    assert names(dependencies.lessons_files(source, package_dir=package), package) == expected


def test_a_chapter_depends_on_its_own_checks_only(package: Path) -> None:
    source = "from lessons_lib.exercises import check"
    common = {"__init__.py", "exercises/__init__.py"}
    one = dependencies.lessons_files(source, "01_one", package)
    two = dependencies.lessons_files(source, "02_two", package)
    assert names(one, package) == common | {"exercises/ch01_one.py"}
    assert names(two, package) == common | {"exercises/ch02_two.py", "c.py"}
    assert names(dependencies.lessons_files(source, None, package), package) == common


def test_a_modules_own_data_files_are_part_of_it(package: Path) -> None:
    (package / "c.css").write_text("p {}")  # read by c.py, as self_check.py reads its own
    (package / "cc.css").write_text("p {}")  # another module's name
    files = names(dependencies.lessons_files("import lessons_lib.c", package_dir=package), package)
    assert files == {"__init__.py", "c.py", "c.css"}


def _chapter(code: str, chapter: str = "01_one") -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"),
                                         nbformat.v4.new_code_cell(code)])
    nb.metadata["lessons"] = {"chapter": chapter}
    return nb


def test_digest_follows_what_the_chapter_uses(package: Path) -> None:
    chapter = _chapter("from lessons_lib.a import f\nfrom lessons_lib.exercises import check")

    def digest() -> str:
        return dependencies.lessons_digest(chapter, "book/01_one.ipynb", package)

    before = digest()
    (package / "c.py").write_text("X = 2\n")  # not used by the chapter
    (package / "exercises" / "ch02_two.py").write_text("# another chapter's checks\n")
    assert digest() == before
    (package / "b.py").write_text("def g():\n    return 2\n")  # used through a
    assert digest() != before
    changed = digest()
    (package / "exercises" / "ch01_one.py").write_text("# its own checks, edited\n")
    assert digest() != changed


def test_editing_one_chapters_checks_re_executes_that_chapter_alone(tmp_path: Path) -> None:
    """On a copy of the real package: each chapter's checks module moves its chapter's digest
    and the instructors page's (which lists every check), and no other."""
    from myst_nb.core.read import read_myst_markdown_notebook

    copy = tmp_path / "lessons_lib"
    shutil.copytree(dependencies.PACKAGE_DIR, copy,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    pages = {p.stem: nbformat.read(p, as_version=4) for p in chapter_notebooks(ROOT / "book")}
    chapters = list(pages)
    instructors = ROOT / "book" / "instructors.md"
    pages["instructors"] = read_myst_markdown_notebook(instructors.read_text(encoding="utf-8"))

    def digests() -> dict[str, str]:
        return {name: dependencies.lessons_digest(nb, f"{name}.ipynb", copy)
                for name, nb in pages.items()}

    checked = [name for name in chapters if (copy / "exercises" / f"ch{name}.py").is_file()]
    assert checked == chapters and len(chapters) >= 10  # every chapter has its checks module
    before = digests()
    for name in checked:  # the edits add up: each one is compared with the state before it
        module = copy / "exercises" / f"ch{name}.py"
        module.write_text(module.read_text() + "\n# edited\n")
        after = digests()
        assert [page for page in pages if after[page] != before[page]] == [name, "instructors"]
        before = after


def test_a_page_without_checks_of_its_own_depends_on_every_chapters_checks(package: Path):
    files = dependencies.lessons_files("from lessons_lib import exercises", "instructors",
                                       package)
    assert {"exercises/ch01_one.py", "exercises/ch02_two.py", "c.py"} <= names(files, package)


def test_third_party_imports_include_lessons_lib_dependencies(package: Path) -> None:
    (package / "c.py").write_text("import vega_datasets\n")
    chapter = _chapter("import numpy as np\nfrom lessons_lib.exercises import check", "02_two")
    found = dependencies.third_party_imports(chapter, "02_two.ipynb", package)
    assert {"numpy", "vega_datasets", "importlib"} <= found and "lessons_lib" not in found
