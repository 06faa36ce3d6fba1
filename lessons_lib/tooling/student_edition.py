"""Write the student edition of the course: every chapter without its solutions.

``python -m lessons_lib.tooling.student_edition OUT_DIR`` writes each chapter of ``book/`` to
``OUT_DIR`` with the solution cells removed, the exercise stubs and check cells left in place
and all outputs stripped, ready to hand out. The book's exercise directives, which Jupyter and
Colab would show as code blocks, become plain headings (``#### Exercise: title (`ex-...`)``).

It also writes what a student needs beside the notebooks: the files the chapters read from
``book/`` (pictures, small data files), a ``requirements.txt`` that installs ``lessons_lib``
from the course's repository (as set in ``_config.yml``) instead of from a local checkout,
and a short ``README.md``.

A solution, in the layout of CONTRIBUTING.md, runs from a markdown cell that opens with a
``{solution-start}`` directive through the markdown cell holding ``{solution-end}``, both
included. A markdown cell holding a whole ``{solution}`` directive is removed too. The rendered
book keeps every solution, in a dropdown.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

import nbformat

from lessons_lib.tooling.notebooks import chapter_notebooks, write_notebook
from lessons_lib.tooling.setup_cells import install_spec, repository
from lessons_lib.tooling.strip_outputs import strip_notebook

_FENCE = r"^\s*(?:`{3,}|:{3,})\s*"
_SOLUTION_START = re.compile(_FENCE + r"\{solution-start\}", re.MULTILINE)
_SOLUTION_END = re.compile(_FENCE + r"\{solution-end\}", re.MULTILINE)
_SOLUTION_WHOLE = re.compile(_FENCE + r"\{solution\}", re.MULTILINE)
# A whole fenced directive block: opening fence, option lines (":key: value"), closing fence.
_EXERCISE_START_BLOCK = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\s*\{exercise-start\}(?P<title>[^\n]*)\n"
    r"(?P<options>(?:\s*:[^\n]*\n)*)"
    r"\s*(?P=fence)[ \t]*$", re.MULTILINE)
_EXERCISE_END_BLOCK = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\s*\{exercise-end\}[^\n]*\n\s*(?P=fence)[ \t]*$", re.MULTILINE)
_SKIP_DIRS = {"_build", ".ipynb_checkpoints", "__pycache__"}

STUDENT_NOTE = (
    "> **Student edition.** The exercises at the end of this chapter come without solutions. "
    "Fill in each cell marked `# YOUR CODE HERE`, then run the check cell below it: it says "
    "whether your answer is right and, if not, what was expected."
)


def _starts(cell: nbformat.NotebookNode, pattern: re.Pattern[str]) -> bool:
    return cell.cell_type == "markdown" and bool(pattern.search(cell.source))


def remove_solutions(nb: nbformat.NotebookNode, name: str = "notebook") -> int:
    """Remove the solution cells from ``nb`` in place; return how many solutions were removed.

    Raises ``ValueError`` when a ``{solution-start}`` has no ``{solution-end}`` after it, or
    an end comes without a start, since cutting there could drop a whole chapter.
    """
    kept, removed, inside, opened_at = [], 0, False, -1
    for index, cell in enumerate(nb.cells):
        starts = _starts(cell, _SOLUTION_START)
        ends = _starts(cell, _SOLUTION_END)
        if starts and inside:
            raise ValueError(f"{name}: cell {index} opens a solution while the solution "
                             f"opened in cell {opened_at} is still open (expected "
                             "{solution-end} first)")
        if ends and not (inside or starts):
            raise ValueError(f"{name}: cell {index} closes a solution that was never opened "
                             "(expected a {solution-start} cell before it)")
        if starts:
            inside, opened_at = True, index
        if inside:
            if ends:
                inside, removed = False, removed + 1
            continue
        if _starts(cell, _SOLUTION_WHOLE):
            removed += 1
            continue
        kept.append(cell)
    if inside:
        raise ValueError(f"{name}: the solution opened in cell {opened_at} is never closed "
                         "(expected a markdown cell with {solution-end})")
    nb.cells = kept
    return removed


def _exercise_heading(match: re.Match[str]) -> str:
    """``#### Exercise: <title> (`<label>`)`` for one ``{exercise-start}`` block."""
    label = re.search(r"^\s*:label:\s*(\S+)", match.group("options") or "", re.MULTILINE)
    title = match.group("title").strip()
    heading = f"#### Exercise: {title}" if title else "#### Exercise"
    return f"{heading} (`{label.group(1)}`)" if label else heading


def plain_exercises(nb: nbformat.NotebookNode) -> None:
    """Turn the ``{exercise-start}``/``{exercise-end}`` fences into plain markdown, in place.

    Jupyter and Colab do not know these directives and would show them as code blocks; in the
    handout an exercise opens with a heading that names its label instead.
    """
    kept = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _EXERCISE_START_BLOCK.sub(_exercise_heading, cell.source)
            cell.source = _EXERCISE_END_BLOCK.sub("", cell.source).strip()
            if not cell.source:
                continue
        kept.append(cell)
    nb.cells = kept


def student_notebook(nb: nbformat.NotebookNode, chapter: str) -> nbformat.NotebookNode:
    """The student edition of one chapter: solutions removed, outputs stripped, a note added."""
    nb = nbformat.from_dict(nb)  # a deep copy: the book's chapter stays untouched
    removed = remove_solutions(nb, chapter)
    plain_exercises(nb)
    strip_notebook(nb)
    if removed:
        title = next((i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"), -1)
        note = nbformat.v4.new_markdown_cell(STUDENT_NOTE, metadata={"tags": ["student-note"]})
        nb.cells.insert(title + 1, note)
    lessons = nb.metadata.setdefault("lessons", {})
    lessons.update(chapter=chapter, edition="student")
    return nb


def student_requirements(requirements: Path, url: str, branch: str) -> str:
    """``requirements.txt`` for students: ``lessons_lib`` comes from the repository, not ``.``."""
    lines = []
    for line in requirements.read_text(encoding="utf-8").splitlines():
        if line.strip() in {"-e .", ".", "-e./", "./"}:
            line = install_spec(url, branch)
        lines.append(line)
    return "\n".join(lines) + "\n"


def _readme(url: str, chapters: list[str]) -> str:
    listing = "\n".join(f"- `{name}.ipynb`" for name in chapters)
    return f"""# Recurrent Neural Networks, Hands On: student edition

The chapters of the course, with the exercises left for you to solve:

{listing}

Each chapter runs on its own. Open it in Google Colab (File > Upload notebook): its first code
cell installs the course's helpers, `lessons_lib`, from {url}. Or, on your own machine, with
Python 3.11:

    python -m venv .venv && .venv/bin/pip install -r requirements.txt
    .venv/bin/jupyter lab

An exercise is a cell marked `# YOUR CODE HERE` followed by a check cell that says whether the
answer is right and, if not, what was expected. Hand in the notebook with your answers; keep
its file name (or at least the chapter's number and name in it).
"""


def copy_assets(book_dir: Path, out_dir: Path) -> list[Path]:
    """Copy the files the chapters read from ``book_dir`` (not pages or notebooks)."""
    copied = []
    for path in sorted(book_dir.rglob("*")):
        relative = path.relative_to(book_dir)
        if path.is_dir() or set(relative.parts) & _SKIP_DIRS:
            continue
        if path.suffix in {".ipynb", ".md"} or any(p.startswith(".") for p in relative.parts):
            continue
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied.append(target)
    return copied


def write_edition(out_dir: Path, book_dir: Path = Path("book"), config: Path = Path("_config.yml"),
                  requirements: Path = Path("requirements.txt")) -> list[Path]:
    """Write the student edition of every chapter in ``book_dir`` to ``out_dir``."""
    out_dir, book_dir = Path(out_dir), Path(book_dir)
    if out_dir.resolve() == book_dir.resolve():
        raise ValueError(f"expected an output folder other than the book's {book_dir}, got "
                         f"{out_dir}: writing there would delete the solutions")
    url, branch = repository(config)
    notebooks = chapter_notebooks(book_dir)
    if not notebooks:
        raise ValueError(f"expected chapter notebooks (*.ipynb) in {book_dir}, found none")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        nb = student_notebook(nbformat.read(path, as_version=4), path.stem)
        write_notebook(nb, out_dir / path.name)
        written.append(out_dir / path.name)
    copy_assets(book_dir, out_dir)
    if Path(requirements).is_file():
        text = student_requirements(Path(requirements), url, branch)
        (out_dir / "requirements.txt").write_text(text, encoding="utf-8")
    (out_dir / "README.md").write_text(_readme(url, [p.stem for p in notebooks]),
                                       encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lessons_lib.tooling.student_edition OUT_DIR``."""
    parser = argparse.ArgumentParser(prog="python -m lessons_lib.tooling.student_edition",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder to write the student edition to")
    parser.add_argument("--book", type=Path, default=Path("book"))
    parser.add_argument("--config", type=Path, default=Path("_config.yml"))
    parser.add_argument("--requirements", type=Path, default=Path("requirements.txt"))
    args = parser.parse_args(argv)
    try:
        written = write_edition(args.out_dir, args.book, args.config, args.requirements)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote the student edition of {len(written)} chapters to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
