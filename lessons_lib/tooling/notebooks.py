"""Reading and writing the book's chapter notebooks, and reading their code as Python.

Every tool of the course (setup cells, student edition, grader, output stripping, the build's
cache) finds chapters, writes notebooks and parses code cells through these functions:

- :func:`chapter_notebooks` lists the chapters of ``book/``; :func:`chapter_id` names one (its
  file name without ``.ipynb``, or the id recorded in its metadata);
- :func:`write_notebook` writes a notebook atomically, through ``lessons_lib.cache``;
- :func:`python_source` and :func:`parse_cell` read a code cell as Python (IPython magics and
  shell lines become ``pass``); :func:`source_imports` lists the modules a piece of code
  imports, anywhere in it, functions included;
- :func:`written_answers` reads what a student wrote in the written parts of the exercises
  (markdown cells tagged ``written-answer``), for the grader's report.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

from lessons_lib.cache import atomic_write

# The written part of an exercise: a markdown cell inside it, tagged so, whose text after the
# answer mark is the student's (CONTRIBUTING.md, "An exercise"). No check reads it.
WRITTEN_ANSWER_TAG = "written-answer"
WRITTEN_ANSWER_HEADING = "**For your instructor**"
ANSWER_MARK = "*Your answer:*"
_EXERCISE_LABEL = re.compile(r"\{exercise-start\}[^\n]*\n(?:[ \t]*:[^\n]*\n)*?[ \t]*:label:"
                             r"[ \t]*(\S+)")
# The same exercise in the Colab and student editions: "### Exercise: <title> (`<label>`)".
_EDITION_EXERCISE_HEADING = re.compile(r"^#+ Exercise\b[^\n]*\(`(ex-[^`]+)`\)", re.MULTILINE)
# What marks the cell a student fills in (CONTRIBUTING.md), and the cell opening a solution.
STUB_MARK = "# YOUR CODE HERE"
_SOLUTION_LABEL = re.compile(r"\{solution-start\}[ \t]+(\S+)")


def chapter_notebooks(book_dir: Path | str = "book") -> list[Path]:
    """Every chapter notebook under ``book_dir`` (``*.ipynb``, checkpoints and builds skipped)."""
    book_dir = Path(book_dir)
    return sorted(p for p in book_dir.glob("*.ipynb") if not p.name.startswith("."))


def declared_chapter(nb: nbformat.NotebookNode) -> str | None:
    """The chapter id a notebook records (``metadata.lessons.chapter``), if any."""
    declared = nb.metadata.get("lessons", {}).get("chapter")
    return str(declared) if declared else None


def chapter_id(nb: nbformat.NotebookNode, path: Path | str) -> str:
    """The chapter a notebook is: ``metadata.lessons.chapter``, else its file name's stem."""
    return declared_chapter(nb) or Path(path).stem


def write_notebook(nb: nbformat.NotebookNode, path: Path | str) -> None:
    """Write ``nb`` to ``path`` atomically, as ``nbformat.write`` would lay it out."""
    text = nbformat.writes(nb)
    atomic_write(Path(path), (text if text.endswith("\n") else text + "\n").encode("utf-8"))


def code_source(nb: nbformat.NotebookNode) -> str:
    """The notebook's code cells joined into one text, in order."""
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


def python_source(source: str) -> str:
    """A cell's source as plain Python: each IPython magic or shell line becomes ``pass``.

    A cell magic (``%%...`` on the first line) makes the whole cell something else: ``""``.
    """
    if source.lstrip().startswith("%%"):
        return ""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append(line[: len(line) - len(stripped)] + "pass"
                     if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


def parse_cell(source: str) -> ast.Module | None:
    """The syntax tree of a code cell (magics as ``pass``), or ``None`` if it does not parse."""
    try:
        return ast.parse(python_source(source))
    except SyntaxError:
        return None


def source_imports(source: str, package: str | None = None) -> set[str]:
    """Dotted module names imported anywhere in ``source`` (IPython magics skipped).

    ``from a.b import c`` gives ``a.b`` and ``a.b.c`` (``c`` may be a module or a name; the
    caller tells). Relative imports are resolved against ``package``, the dotted name of the
    package the source lives in, and skipped without it.
    """
    tree = parse_cell(source)
    if tree is None:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                if package is None:
                    continue
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{module}" if module else base
            if module:
                names.add(module)
                names |= {f"{module}.{alias.name}" for alias in node.names}
    return names


def exercise_label(source: str) -> str | None:
    """The label of the exercise a markdown cell opens, if it opens one: a ``{exercise-start}``
    directive in the book, its heading in the Colab and student editions."""
    match = _EXERCISE_LABEL.search(source) or _EDITION_EXERCISE_HEADING.search(source)
    return match.group(1) if match else None


def exercise_stubs(nb: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """Each exercise's stub, by label: the first code cell marked ``STUB_MARK`` after the cell
    that opens the exercise (in the book or an edition). An exercise with only a written part
    has none."""
    stubs: dict[str, nbformat.NotebookNode] = {}
    label = None
    for cell in nb.cells:
        if cell.cell_type == "markdown" and exercise_label(cell.source):
            label = exercise_label(cell.source)
        elif label and label not in stubs and cell.cell_type == "code" \
                and STUB_MARK in cell.source:
            stubs[label] = cell
    return stubs


def solution_code(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The code of each exercise's solution in the book, by label: the code cells from its
    ``{solution-start}`` cell to its ``{solution-end}`` cell, joined."""
    solutions: dict[str, list[str]] = {}
    label = None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            opened = _SOLUTION_LABEL.search(cell.source)
            if opened:
                label = opened.group(1)
                solutions[label] = []
            elif "{solution-end}" in cell.source:
                label = None
        elif label is not None and cell.cell_type == "code":
            solutions[label].append(cell.source)
    return {label: "\n\n".join(code) for label, code in solutions.items()}


def is_written_answer(cell: nbformat.NotebookNode) -> bool:
    """Whether a cell is the written part of an exercise: tagged so, or (if a front end lost
    the tag) starting with the heading the book gives it."""
    if cell.cell_type != "markdown":
        return False
    return (WRITTEN_ANSWER_TAG in cell.metadata.get("tags", [])
            or cell.source.lstrip().startswith(WRITTEN_ANSWER_HEADING))


def written_answers(nb: nbformat.NotebookNode) -> dict[str, str]:
    """What was written in each exercise's written part: label to text, ``""`` if nothing.

    The answer is the text after the answer mark (the whole cell if the mark was deleted);
    a written part outside any exercise is skipped. Several written parts of one exercise
    are joined.
    """
    answers: dict[str, str] = {}
    label = None
    for cell in nb.cells:
        if cell.cell_type == "markdown" and exercise_label(cell.source):
            label = exercise_label(cell.source)
        if label is None or not is_written_answer(cell):
            continue
        _, mark, after = cell.source.partition(ANSWER_MARK)
        text = " ".join((after if mark else cell.source).split())
        answers[label] = " ".join(filter(None, [answers.get(label, ""), text]))
    return answers
