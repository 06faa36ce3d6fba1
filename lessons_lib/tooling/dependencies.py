"""What a chapter's code depends on: the one import walker of the course's tooling.

A chapter depends on the ``lessons_lib`` source files it imports, directly or through other
``lessons_lib`` modules, wherever the import stands (at the top of a module or inside a
function: a function-level import runs when the chapter calls that function). A chapter that
imports ``lessons_lib.exercises`` depends on the framework and on its own checks module,
``lessons_lib/exercises/ch<chapter id>.py``, and on no other chapter's checks: at run time the
framework imports only the checks module that registers the label asked for (found in the
modules' source), which this walker mirrors instead of following the framework's dynamic
imports. A page without checks of its own that imports ``lessons_lib.exercises`` (the
instructors page, which lists every check) depends on every chapter's checks. A module's own
data files, named as it is with another suffix (``self_check.css`` and ``self_check.js``
beside ``self_check.py``), are part of it.

Two tools read the result:

- the book's build (``_ext/parallel_execute.py``) and ``make notebooks`` key each chapter's
  cached outputs on :func:`lessons_digest`, so editing a module re-executes exactly the
  chapters that use it, and editing one chapter's checks re-executes that chapter alone;
- the Colab setup cells (``setup_cells``) install the third-party packages the chapter needs
  that Colab lacks, from :func:`third_party_imports`.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import nbformat

import lessons_lib
from lessons_lib.tooling.notebooks import chapter_id, code_source, source_imports

PACKAGE = "lessons_lib"
PACKAGE_DIR = Path(lessons_lib.__file__).resolve().parent
EXERCISES = f"{PACKAGE}.exercises"
CHECKS_MODULE = re.compile(r"ch\d\d_\w+")


def checks_module(chapter: str) -> str:
    """The dotted name of the module holding chapter ``chapter``'s exercise checks."""
    return f"{EXERCISES}.ch{chapter}"


def checks_modules(package_dir: Path = PACKAGE_DIR) -> list[str]:
    """The dotted names of every chapter's checks module."""
    return sorted(f"{EXERCISES}.{path.stem}" for path in (package_dir / "exercises").glob("ch*.py")
                  if CHECKS_MODULE.fullmatch(path.stem))


def module_file(name: str, package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The source file of ``lessons_lib`` module ``name`` (dotted), or None if it is not one."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = package_dir.joinpath(*parts[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _package_of(path: Path, package_dir: Path) -> str:
    """The dotted name of the package a ``lessons_lib`` source file belongs to."""
    relative = path.relative_to(package_dir).parent.parts
    return ".".join((PACKAGE, *relative))


def _with_parents(name: str) -> list[str]:
    """``a.b.c`` and the packages it is imported through: ``a``, ``a.b``, ``a.b.c``."""
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def lessons_files(source: str, chapter: str | None = None,
                  package_dir: Path = PACKAGE_DIR) -> set[Path]:
    """The ``lessons_lib`` source files that ``source`` (a chapter's code) depends on."""
    todo = {n for name in source_imports(source) for n in _with_parents(name)}
    if chapter is not None and EXERCISES in todo:
        own = checks_module(chapter)
        todo |= {own} if module_file(own, package_dir) else set(checks_modules(package_dir))
    files: set[Path] = set()
    while todo:
        path = module_file(todo.pop(), package_dir)
        if path is None or path in files:
            continue
        files.add(path)
        files |= {data for data in path.parent.glob(f"{path.stem}.*")
                  if data.suffix not in (".py", ".pyc") and data.is_file()}
        imported = source_imports(path.read_text(encoding="utf-8"), _package_of(path, package_dir))
        todo |= {n for name in imported for n in _with_parents(name)}
    return files


def notebook_files(nb: nbformat.NotebookNode, path: Path | str,
                   package_dir: Path = PACKAGE_DIR) -> set[Path]:
    """The ``lessons_lib`` source files the chapter notebook ``nb`` (at ``path``) depends on."""
    return lessons_files(code_source(nb), chapter_id(nb, path), package_dir)


def lessons_digest(nb: nbformat.NotebookNode, path: Path | str,
                   package_dir: Path = PACKAGE_DIR) -> str:
    """A SHA-256 of the ``lessons_lib`` files the chapter depends on: their names and bytes."""
    digest = hashlib.sha256()
    for file in sorted(notebook_files(nb, path, package_dir)):
        digest.update(file.relative_to(package_dir).as_posix().encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def third_party_imports(nb: nbformat.NotebookNode, path: Path | str,
                        package_dir: Path = PACKAGE_DIR) -> set[str]:
    """Top-level names of the modules outside ``lessons_lib`` the chapter imports.

    Counted are the notebook's own imports and those of every ``lessons_lib`` file it
    depends on, standard library included (the caller filters).
    """
    sources = [code_source(nb)]
    for file in notebook_files(nb, path, package_dir):
        sources.append(file.read_text(encoding="utf-8"))
    tops = {name.split(".")[0] for source in sources for name in source_imports(source)}
    return tops - {PACKAGE}
