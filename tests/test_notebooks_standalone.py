"""Every chapter in book/ opens on its own: in Colab, on Binder, or handed out to a class.

These are static checks of the chapters that exist (executing them is nbval's job, in the
Makefile): a title first; the Colab setup cell up to date with ``_config.yml``; outputs
stripped; no state taken from another chapter (no ``%run`` or ``%store``, no path naming another
chapter or a sibling folder, no import of a local module or of a package that is not
installed); every exercise label with a registered check and every registered check with an
exercise and a check cell; and solutions that the student edition can cut out cleanly.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest

from lessons_lib import exercises, grade, setup_cells, strip_outputs, student_edition

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = setup_cells.chapter_notebooks(BOOK)
CHAPTERS = {p.stem for p in NOTEBOOKS} | {
    "01_recurrence", "02_numpy_rnn", "03_imdb_data", "04_embeddings", "05_four_models",
    "06_training", "07_bptt", "08_gated_cells", "09_forecasting", "10_stronger_classifier",
}
_CROSS_MAGICS = re.compile(r"^\s*(%run|%store|%load\b|%%writefile|!jupyter|!python)", re.M)
_LABEL = re.compile(r"^:label:\s*(\S+)", re.M)
_EXERCISE_START = re.compile(r"^\s*(`{3,}|:{3,})\s*\{exercise(-start)?\}", re.M)

parametrize = pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def string_constants(source: str) -> list[str]:
    """Every string literal in a cell (magic lines skipped)."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise AssertionError(f"a code cell does not parse: {exc}\n{source}") from exc
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str)]


def exercise_labels(nb: nbformat.NotebookNode) -> list[str]:
    """The labels of the exercises opened in the chapter's markdown."""
    opening = [c for c in nb.cells
               if c.cell_type == "markdown" and _EXERCISE_START.search(c.source)]
    return [label for c in opening for label in _LABEL.findall(c.source)]


def test_setup_cells_match_the_config() -> None:
    stale = setup_cells.update(NOTEBOOKS, ROOT / "_config.yml", ROOT / "requirements.txt",
                               check=True)
    assert not stale, ("stale or missing Colab setup cell; run `python -m lessons_lib.setup_cells`"
                       f": {[p.name for p in stale]}")


@parametrize
def test_title_first_then_setup_cell(path: Path) -> None:
    nb = read(path)
    assert nb.cells and nb.cells[0].cell_type == "markdown"
    assert nb.cells[0].source.startswith("# "), "expected the first cell to hold the # Title"
    assert setup_cells.is_setup_cell(code_cells(nb)[0]), "expected the setup cell first"


@parametrize
def test_committed_without_outputs(path: Path) -> None:
    assert not strip_outputs.strip_notebook(read(path)), (
        f"{path.name} has outputs; run `python -m lessons_lib.strip_outputs {path}`")


@parametrize
def test_takes_no_state_from_another_chapter(path: Path) -> None:
    others = CHAPTERS - {path.stem}
    for cell in code_cells(read(path)):
        magic = _CROSS_MAGICS.search(cell.source)
        assert not magic, f"{path.name} runs {magic.group(1)!r}: a chapter must run alone"
        for text in string_constants(cell.source):
            named = [c for c in others if c in text]
            assert not named, f"{path.name} names chapter(s) {named} in {text!r}"
            assert ".ipynb" not in text, f"{path.name} names a notebook in {text!r}"
            assert not text.startswith("../"), f"{path.name} reads outside its folder: {text!r}"


@parametrize
def test_imports_only_installed_packages(path: Path) -> None:
    local = {p.stem for p in BOOK.glob("*.py")} | {p.name for p in BOOK.iterdir() if p.is_dir()}
    lessons_lib_dir = ROOT / "lessons_lib"
    for name in sorted(setup_cells.notebook_imports(read(path))):
        top = name.split(".")[0]
        assert top not in local, f"{path.name} imports {name!r} from a file beside the chapter"
        if top == "lessons_lib" and name.count(".") >= 1:
            module = name.split(".")[1]
            assert (lessons_lib_dir / f"{module}.py").is_file() or hasattr(
                __import__("lessons_lib"), module), f"{path.name}: no module {name!r}"
        elif top not in sys.stdlib_module_names:
            assert importlib.util.find_spec(top) is not None, (
                f"{path.name} imports {top!r}, which is not installed (add it to requirements)")


@parametrize
def test_every_exercise_has_a_check_and_every_check_an_exercise(path: Path) -> None:
    nb = read(path)
    labels = exercise_labels(nb)
    registered = exercises.exercises_for(path.stem)
    assert len(labels) == len(set(labels)), f"{path.name}: an exercise label is used twice"
    assert sorted(labels) == sorted(registered), (
        f"{path.name}: exercises in the chapter {sorted(labels)} differ from the checks "
        f"registered in lessons_lib.exercises for {path.stem!r}: {sorted(registered)}")
    called = [label for c in code_cells(nb) for label in grade.checked_labels(c.source)]
    assert sorted(set(called)) == sorted(registered), (
        f"{path.name}: check cells call {sorted(set(called))}, expected {sorted(registered)}")


@parametrize
def test_student_edition_keeps_stubs_and_checks(path: Path) -> None:
    nb = read(path)
    student = student_edition.student_notebook(nb, path.stem)
    text = "\n".join(c.source for c in student.cells)
    assert "{solution" not in text, f"{path.name}: a solution survived the student edition"
    assert exercise_labels(student) == exercise_labels(nb)
    for label in exercises.exercises_for(path.stem):
        assert any(label in grade.checked_labels(c.source) for c in code_cells(student)), (
            f"{path.name}: the check cell of {label} is inside a solution")
