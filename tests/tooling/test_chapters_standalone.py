"""Every chapter in book/ opens on its own: in Colab, on Binder, or handed out to a class.

These are static checks of the chapters that exist (executing them is nbval's job, in the
Makefile): a title first; the Colab setup cell up to date with ``_config.yml``; outputs
stripped; no state taken from another chapter (no ``%run`` or ``%store``, no path naming another
chapter's files or a sibling folder, no import of a local module or of a package that is not
installed by requirements.txt); every exercise label with a registered check and every
registered check with an exercise and a check cell; solutions that the student edition can cut
out cleanly; and no cell on the page that needs a cell hidden from it (Live Code runs only the
cells on the page), and at least one exercise with a written part, an experiment to
interpret, whose solution answers it.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib.metadata
import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import AnyGluedValue
from packaging.requirements import Requirement

from lessons_lib import exercises
from lessons_lib.tooling import (
    dependencies,
    grade,
    notebooks,
    setup_cells,
    strip_outputs,
    student_edition,
)

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "book"
NOTEBOOKS = notebooks.chapter_notebooks(BOOK)
CHAPTERS = {p.stem for p in NOTEBOOKS} | {
    "01_recurrence", "02_numpy_rnn", "03_imdb_data", "04_embeddings", "05_four_models",
    "06_training", "07_bptt", "08_gated_cells", "09_forecasting", "10_stronger_classifier",
    "11_char_language_model", "12_seq2seq_attention",
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
    tree = notebooks.parse_cell(source)
    assert tree is not None, f"a code cell does not parse:\n{source}"
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
    assert not stale, ("stale or missing Colab setup cell; run "
                       f"`python -m lessons_lib.tooling.setup_cells`: {[p.name for p in stale]}")


@parametrize
def test_title_first_then_setup_cell(path: Path) -> None:
    nb = read(path)
    assert nb.cells and nb.cells[0].cell_type == "markdown"
    assert nb.cells[0].source.startswith("# "), "expected the first cell to hold the # Title"
    assert setup_cells.is_setup_cell(code_cells(nb)[0]), "expected the setup cell first"


@parametrize
def test_committed_without_outputs(path: Path) -> None:
    assert not strip_outputs.strip_notebook(read(path)), (
        f"{path.name} has outputs; run `python -m lessons_lib.tooling.strip_outputs {path}`")


def cross_chapter_problems(nb: nbformat.NotebookNode, chapter: str) -> list[str]:
    """What in a chapter takes state from another chapter: magics, paths, notebooks."""
    others, problems = CHAPTERS - {chapter}, []
    for cell in code_cells(nb):
        magic = _CROSS_MAGICS.search(cell.source)
        if magic:
            problems.append(f"runs {magic.group(1)!r}: a chapter must run alone")
        for text in string_constants(cell.source):
            named = [c for c in others if c in text]
            if named and ("/" in text or "." in text):
                problems.append(f"reads a file of chapter(s) {named}: {text!r}")
            if ".ipynb" in text:
                problems.append(f"names a notebook: {text!r}")
            if text.startswith("../"):
                problems.append(f"reads outside its folder: {text!r}")
    return problems


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@functools.cache
def reader_distributions() -> frozenset[str]:
    """What a reader's environment holds: requirements.txt, lessons_lib, and their dependencies.

    This is what Binder installs; the development extras (pytest, nbval, ...) are not in it.
    """
    todo = [*setup_cells.pinned_requirements(ROOT / "requirements.txt"), "lessons_lib"]
    seen: set[str] = set()
    while todo:
        name = _normal(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.distribution(name).requires or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for line in requires:
            requirement = Requirement(line)
            if not requirement.marker or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return frozenset(seen)


def import_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Imports a chapter opened alone could not satisfy: local files, missing packages."""
    local = {p.stem for p in BOOK.glob("*.py")} | {p.name for p in BOOK.iterdir() if p.is_dir()}
    owners = importlib.metadata.packages_distributions()
    problems = []
    for name in sorted(notebooks.source_imports(notebooks.code_source(nb))):
        top = name.split(".")[0]
        if top in local:
            problems.append(f"imports {name!r} from a file beside the chapter")
        elif top == "lessons_lib" and "." in name:
            if dependencies.module_file(name) is None \
                    and dependencies.module_file(name.rsplit(".", 1)[0]) is None:
                problems.append(f"imports {name!r}, which lessons_lib does not have")
        elif top in sys.stdlib_module_names:
            continue
        elif importlib.util.find_spec(top) is None:
            problems.append(f"imports {top!r}, which is not installed (add it to requirements)")
        elif owners.get(top) and not {_normal(d) for d in owners[top]} & reader_distributions():
            problems.append(f"imports {top!r}, which only the development tools install, not "
                            "requirements.txt (Binder and readers would lack it)")
    return problems


def exercise_problems(nb: nbformat.NotebookNode, chapter: str) -> list[str]:
    """Mismatches between a chapter's exercises, its check cells and the registered checks."""
    labels = exercise_labels(nb)
    registered = sorted(exercises.exercises_for(chapter))
    called = sorted({label for c in code_cells(nb) for label in grade.checked_labels(c.source)})
    problems = []
    if len(labels) != len(set(labels)):
        problems.append(f"an exercise label is used twice: {labels}")
    if sorted(set(labels)) != registered:
        problems.append(f"exercises in the chapter {sorted(set(labels))} differ from the checks "
                        f"registered in lessons_lib.exercises for {chapter!r}: {registered}")
    if called != registered:
        problems.append(f"check cells call {called}, expected {registered}")
    return problems


@parametrize
def test_takes_no_state_from_another_chapter(path: Path) -> None:
    assert cross_chapter_problems(read(path), path.stem) == []


@parametrize
def test_imports_only_installed_packages(path: Path) -> None:
    assert import_problems(read(path)) == []


@parametrize
def test_every_exercise_has_a_check_and_every_check_an_exercise(path: Path) -> None:
    assert exercise_problems(read(path), path.stem) == []


@parametrize
def test_student_edition_keeps_stubs_and_checks(path: Path, book_index) -> None:
    nb = read(path)
    index = dataclasses.replace(book_index, relative_links=True)  # as write_edition sets it
    student = student_edition.student_notebook(nb, path.stem, index, AnyGluedValue())
    text = "\n".join(c.source for c in student.cells)
    assert "{solution" not in text, f"{path.name}: a solution survived the student edition"
    assert "colab.research.google.com" not in text, "links lead to the edition with solutions"
    for label in exercise_labels(nb):
        assert f"(`{label}`)" in text, f"{path.name}: the heading of {label} is missing"
    for label in exercises.exercises_for(path.stem):
        assert any(label in grade.checked_labels(c.source) for c in code_cells(student)), (
            f"{path.name}: the check cell of {label} is inside a solution")
    assert notebooks.written_answers(student) == notebooks.written_answers(nb), (
        f"{path.name}: a written part for the student to answer went missing")
    # Every exercise has a stub to fill in (CONTRIBUTING.md), in the book and the edition alike,
    # and a solution: what the grading benchmark and the instructors page's test hand in.
    labels = exercises.exercises_for(path.stem)
    stubs = notebooks.exercise_stubs(student)
    assert sorted(stubs) == sorted(labels), f"{path.name}: stubs {sorted(stubs)}, not {labels}"
    assert {label: cell.source for label, cell in notebooks.exercise_stubs(nb).items()} == {
        label: cell.source for label, cell in stubs.items()}, f"{path.name}: a stub changed"
    assert sorted(notebooks.solution_code(nb)) == sorted(labels)


def _stored(tree: ast.AST) -> set[str]:
    """Names a cell binds anywhere: assignments, definitions, imports, arguments, handlers."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def hidden_dependencies(nb: nbformat.NotebookNode) -> list[str]:
    """Names that cells on the page use but only hidden cells define.

    Live Code runs only the cells on the page; a cell tagged ``remove-cell`` or
    ``remove-input`` is not there, so it may check things but must not define what a cell on
    the page needs.
    """
    visible: set[str] = set()
    hidden: set[str] = set()
    problems = []
    for index, cell in enumerate(code_cells(nb)):
        tree = notebooks.parse_cell(cell.source)
        if tree is None:
            problems.append(f"code cell {index} does not parse")
            continue
        if {"remove-cell", "remove-input"} & set(cell.metadata.get("tags", [])):
            hidden |= _stored(tree)
            continue
        used = {n.id for n in ast.walk(tree)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        needs = (used & hidden) - visible - _stored(tree)
        if needs:
            problems.append(f"code cell {index}, on the page, uses {sorted(needs)}, defined "
                            "only in cells hidden from the page (remove-cell/remove-input)")
        visible |= _stored(tree)
    return problems


_DIRECTIVE_LINE = re.compile(r"^\s*(`{3,}|:{3,}).*$|^\s*:[a-z]+:.*$", re.M)


def written_part_problems(nb: nbformat.NotebookNode) -> list[str]:
    """What is wrong with the chapter's written parts (CONTRIBUTING.md, "An exercise").

    Each is a markdown cell tagged ``written-answer`` inside an exercise, opening with the
    heading and ending with the answer mark (nothing written after it in the book); the
    exercise's solution answers the question in prose. A chapter has at least one.
    """
    problems, label, inside, solution_of, in_solution = [], None, False, None, False
    written: list[str] = []
    prose: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        text = cell.source if cell.cell_type == "markdown" else ""
        if notebooks.exercise_label(text):
            label, inside = notebooks.exercise_label(text), True
        if "{exercise-end}" in text:
            inside = False
        if "{solution-start}" in text:
            solution_of, in_solution = text.split("{solution-start}")[1].split()[0], True
        if in_solution and cell.cell_type == "markdown":
            words = len(_DIRECTIVE_LINE.sub("", text).split())
            prose[solution_of] = prose.get(solution_of, 0) + words
        if "{solution-end}" in text:
            in_solution = False
        if notebooks.WRITTEN_ANSWER_TAG not in cell.metadata.get("tags", []):
            continue
        where = f"cell {index} (written part of {label})"
        if not inside:
            problems.append(f"{where} is not inside an exercise")
            continue
        written.append(label)
        if not text.startswith(notebooks.WRITTEN_ANSWER_HEADING):
            problems.append(f"{where} does not open with {notebooks.WRITTEN_ANSWER_HEADING}")
        if not text.rstrip().endswith(notebooks.ANSWER_MARK):
            problems.append(f"{where} does not end with {notebooks.ANSWER_MARK}, left blank")
    if not written:
        problems.append("no exercise has a written part (an experiment to interpret)")
    problems += [f"the solution of {label} answers its written part in {prose.get(label, 0)} "
                 "words of prose: say what an instructor should accept"
                 for label in written if prose.get(label, 0) < 25]
    return problems


@parametrize
def test_an_experiment_to_interpret_with_a_written_part(path: Path) -> None:
    assert written_part_problems(read(path)) == []


@parametrize
def test_visible_cells_do_not_need_hidden_ones(path: Path) -> None:
    assert hidden_dependencies(read(path)) == []


# --- the checks above can fail ------------------------------------------------------------


def bad_chapter() -> nbformat.NotebookNode:
    """A chapter that breaks each rule once."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    return nbformat.v4.new_notebook(cells=[
        md("# Bad\n\n```{exercise-start}\n:label: ex-nobody-checks\n```"),
        code("%run 03_imdb_data.ipynb"),
        code('import numpy as np\nx = np.load("../05_four_models/weights.npy")'),
        code("import surely_not_a_package_xyz\nfrom lessons_lib.no_such_module import f\n"
             "import nbval"),
        code("secret = 41", metadata={"tags": ["remove-cell"]}),
        code("print(secret + 1)"),
        code('check("ex-nobody-checks", x)'),
    ])


def test_the_rules_catch_a_bad_chapter() -> None:
    nb = bad_chapter()
    crossing = " ".join(cross_chapter_problems(nb, "99_bad"))
    assert "%run" in crossing and "05_four_models" in crossing and "outside" in crossing
    imports = " ".join(import_problems(nb))
    assert "surely_not_a_package_xyz" in imports and "no_such_module" in imports
    assert "'nbval', which only the development tools install" in imports
    assert "numpy" not in imports
    assert "registered" in " ".join(exercise_problems(nb, "99_bad"))
    assert written_part_problems(nb) == [
        "no exercise has a written part (an experiment to interpret)"]
    md = nbformat.v4.new_markdown_cell
    nb.cells += [md("```{exercise-start}\n:label: ex-think\n```"),
                 md("**For your instructor**: why?\n\n*Your answer:* because",
                    metadata={"tags": ["written-answer"]}),
                 md("```{exercise-end}\n```"),
                 md("```{solution-start} ex-think\n:class: dropdown\n```\nBecause.")]
    assert written_part_problems(nb) == [
        "cell 8 (written part of ex-think) does not end with *Your answer:*, left blank",
        "the solution of ex-think answers its written part in 1 words of prose: say what an "
        "instructor should accept"]
    assert hidden_dependencies(nb) == [
        "code cell 4, on the page, uses ['secret'], defined only in cells hidden from the "
        "page (remove-cell/remove-input)"]
