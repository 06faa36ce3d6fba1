"""Write the student edition of the course: every chapter without its solutions.

``python -m lessons_lib.tooling.student_edition OUT_DIR [CHAPTER ...]`` writes each chapter of
``book/`` (or the chapters named, to hand them out as a class reaches them, one run after
another into the same ``OUT_DIR``) to ``OUT_DIR``
with the solution cells removed, the exercise stubs and check cells left in place and all
outputs stripped, ready to hand out. It is the Colab edition (``colab_edition``) less
the solutions: MyST roles become plain Markdown, with the values the book computed; hidden
cells are collapsed; exercise directives become plain headings
(``### Exercise: title (`ex-...`)``). Like the Colab edition it reads those values from the
book's cache of executed chapters, so build the book (or ``make notebooks``) first; only the
chapters written need an executed copy there.

It also writes what a student needs beside the notebooks: the files the chapters read from
``book/`` (pictures, small data files), a ``requirements.txt`` that installs ``lessons_lib``
from the course's repository (as set in ``_config.yml``) instead of from a local checkout,
and a short ``README.md`` that lists every chapter in ``OUT_DIR``, those of earlier runs too.

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

from lessons_lib.cache import atomic_write
from lessons_lib.tooling.colab_edition import (
    BOOK_VALUE_MARK,
    BookIndex,
    book_index,
    chapter_values,
    colab_notebook,
    read_book,
)
from lessons_lib.tooling.notebooks import write_notebook
from lessons_lib.tooling.setup_cells import install_spec, repository

_FENCE = r"^\s*(?:`{3,}|:{3,})\s*"
_SOLUTION_START = re.compile(_FENCE + r"\{solution-start\}", re.MULTILINE)
_SOLUTION_END = re.compile(_FENCE + r"\{solution-end\}", re.MULTILINE)
_SOLUTION_WHOLE = re.compile(_FENCE + r"\{solution\}", re.MULTILINE)
_SKIP_DIRS = {"_build", ".ipynb_checkpoints", "__pycache__"}

STUDENT_NOTE = (
    "> **Student edition.** The exercises at the end of this chapter come without solutions. "
    "Fill in each cell marked `# YOUR CODE HERE`, then run the check cell below it: it says "
    "whether your answer is right and, if not, what was expected. Some exercises also ask a "
    "question *For your instructor*: write your answer after *Your answer:* in that text cell "
    "(double-click it); no check reads it, your instructor does. Run the cells from the top: "
    "the first one installs the course's helpers where they are missing. A number marked "
    f"{BOOK_VALUE_MARK} in the text is the one computed when the book was built; your run "
    "computes its own. Collapsed cells hold the checks the book runs on its own text."
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


def student_notebook(nb: nbformat.NotebookNode, chapter: str, index: BookIndex,
                     values: dict[str, dict[str, str]]) -> nbformat.NotebookNode:
    """The student edition of one chapter: the Colab edition without solutions, with a note.

    ``index`` and ``values`` are what ``colab_edition.colab_notebook`` takes.
    """
    nb = nbformat.from_dict(nb)  # a deep copy: the book's chapter stays untouched
    remove_solutions(nb, chapter)
    nb = colab_notebook(nb, chapter, index, values, note=STUDENT_NOTE)
    nb.metadata["lessons"].update(chapter=chapter, edition="student")
    return nb


# What only the book's build needs, left out of the students' requirements; and the notebook
# front end they need instead (Binder brings its own; the book's build needs none).
BUILD_ONLY = frozenset({"jupyter_book", "sphinx_exercise"})
FRONT_END = "jupyterlab==4.6.6"


def student_requirements(requirements: Path, url: str, branch: str) -> str:
    """``requirements.txt`` for students: the chapters' pins, ``lessons_lib`` from the
    repository instead of ``.``, JupyterLab instead of the book's build tools."""
    lines = ["# What the chapters of the student edition need, with JupyterLab to open them:",
             "#   python -m venv .venv && .venv/bin/pip install -r requirements.txt"]
    for line in requirements.read_text(encoding="utf-8").splitlines():
        name = re.split(r"[=<>!~ \[@]", line.strip(), maxsplit=1)[0]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if re.sub(r"[-_.]+", "_", name).lower() in BUILD_ONLY:
            continue
        if line.strip() in {"-e .", ".", "-e./", "./"}:
            line = install_spec(url, branch)
        lines.append(line)
    return "\n".join([*lines, FRONT_END]) + "\n"


def _readme(url: str, chapters: list[str]) -> str:
    """The students' ``README.md``, listing ``chapters`` (ids, in the book's order)."""
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
answer is right and, if not, what was expected. Some exercises end with a question "For your
instructor": write your answer in that text cell, after "Your answer:"; your instructor reads
it (no check does). Hand in the notebook with your answers; keep its file name (or at least
the chapter's number and name in it).
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
                  requirements: Path = Path("requirements.txt"),
                  cache_dir: Path | None = None,
                  chapters: list[str] | None = None) -> list[Path]:
    """Write the student edition of ``chapters`` (default: every chapter in ``book_dir``).

    ``cache_dir`` is the book's cache of executed chapters (default: the build's). Links to
    chapters left out point where their student edition will be, beside these. The
    ``README.md`` lists every chapter in ``out_dir``, those handed out by earlier runs too.
    """
    from lessons_lib.tooling.book_cache import cache_path

    out_dir, book_dir = Path(out_dir), Path(book_dir)
    if out_dir.resolve() == book_dir.resolve():
        raise ValueError(f"expected an output folder other than the book's {book_dir}, got "
                         f"{out_dir}: writing there would delete the solutions")
    url, branch = repository(config)
    notebooks = read_book(book_dir)
    book_order = list(notebooks)  # every chapter, in the book's order
    index = book_index(notebooks, config)  # every chapter, for the links between them
    unknown = sorted(set(chapters or []) - set(notebooks))
    if unknown:
        raise ValueError(f"expected chapter ids of {book_dir} ({', '.join(notebooks)}), "
                         f"got {', '.join(unknown)}")
    if chapters:
        notebooks = {name: nb for name, nb in notebooks.items() if name in chapters}
    index.relative_links = True  # the published Colab edition would show the solutions
    cache_dir = cache_dir or cache_path(config)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for chapter, nb in notebooks.items():
        values = chapter_values(nb, book_dir / f"{chapter}.ipynb", cache_dir)
        write_notebook(student_notebook(nb, chapter, index, values),
                       out_dir / f"{chapter}.ipynb")
        written.append(out_dir / f"{chapter}.ipynb")
    copy_assets(book_dir, out_dir)
    if Path(requirements).is_file():
        text = student_requirements(Path(requirements), url, branch)
        atomic_write(out_dir / "requirements.txt", text.encode("utf-8"))
    handed_out = [name for name in book_order if (out_dir / f"{name}.ipynb").is_file()]
    atomic_write(out_dir / "README.md", _readme(url, handed_out).encode("utf-8"))
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m lessons_lib.tooling.student_edition OUT_DIR [CHAPTER ...]``
    (options ``--book``, ``--config``, ``--requirements``, ``--cache``)."""
    parser = argparse.ArgumentParser(prog="python -m lessons_lib.tooling.student_edition",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder to write the student edition to")
    parser.add_argument("chapters", nargs="*", metavar="CHAPTER",
                        help="chapter ids such as 01_recurrence (default: every chapter)")
    parser.add_argument("--book", type=Path, default=Path("book"),
                        help="the book's folder of chapter notebooks (default: book)")
    parser.add_argument("--config", type=Path, default=Path("_config.yml"),
                        help="the book's _config.yml: the repository the students' "
                        "requirements install lessons_lib from (default: _config.yml)")
    parser.add_argument("--requirements", type=Path, default=Path("requirements.txt"),
                        help="the book's requirements, made into the students' (default: "
                        "requirements.txt; none is written when it is missing)")
    parser.add_argument("--cache", type=Path, default=None,
                        help="the book's cache of executed chapters (default: the build's)")
    args = parser.parse_args(argv)
    try:
        written = write_edition(args.out_dir, args.book, args.config, args.requirements,
                                args.cache,
                                [name.removesuffix(".ipynb") for name in args.chapters])
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    count = f"{len(written)} chapter{'' if len(written) == 1 else 's'}"
    print(f"wrote the student edition of {count} to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
