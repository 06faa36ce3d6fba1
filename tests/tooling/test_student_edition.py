"""The student edition: solutions out, stubs and checks in, and the grader calls it unattempted.

A fake book (``_config.yml``, ``requirements.txt``, one chapter with two exercises, a picture)
is written to a temporary folder. The chapter's checks live in ``fake_student_checks.py``
beside it: its kernel imports them from there and this test registers them in its own process.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, AnyGluedValue

from lessons_lib import exercises
from lessons_lib.tooling import colab_edition, grade, student_edition
from lessons_lib.tooling.notebooks import parse_cell
from lessons_lib.tooling.setup_cells import repository

CHAPTER = "98_fake_student"
CHECKS = '''
from lessons_lib.exercises import ExerciseFailed, call_student, exercise, expect_answer


@exercise("ex-student-square", chapter="98_fake_student")
def _check_square(square):
    got = call_student(square, 3)
    if got != 9:
        raise ExerciseFailed(f"expected square(3) to be 9, got {got!r}")
    return "square(3) is 9"


@exercise("ex-student-word", chapter="98_fake_student")
def _check_word(word):
    if expect_answer(word) != "recurrent":
        raise ExerciseFailed(f"expected 'recurrent', got {word!r}")
    return "right word"
'''
md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def fake_chapter() -> nbformat.NotebookNode:
    """A chapter in the exercise layout of CONTRIBUTING.md, run once (it has outputs)."""
    cells = [md("# Fake\n\nWhat you will learn."),
             code("from lessons_lib.exercises import check\n\nimport fake_student_checks"),
             md("Some teaching, and a picture: ![a picture](images/pic.png)"),
             code("taught = 2 + 2\nassert taught == 4", metadata={"tags": ["remove-cell"]})]
    exercises_ = [("ex-student-square", "def square(x):\n    # YOUR CODE HERE\n"
                   "    raise NotImplementedError", "def square(x):\n    return x * x", "square"),
                  ("ex-student-word", "word = None  # YOUR CODE HERE", 'word = "recurrent"',
                   "word")]
    for label, stub, solution, answer in exercises_:
        title = " Square it" if label == "ex-student-square" else ""
        cells += [md(f"```{{exercise-start}}{title}\n:label: {label}\n```\nSolve it."), code(stub),
                  md("```{exercise-end}\n```"),
                  md(f":::{{solution-start}} {label}\n:class: dropdown\n:::\nWe write:"),
                  code(solution), md("Because it is so."), md(":::{solution-end}\n:::"),
                  code(f'check("{label}", {answer})')]
    cells[-1].outputs = [nbformat.v4.new_output("stream", text="✅ passed")]
    cells[-1].execution_count = 9
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


@pytest.fixture
def book(tmp_path: Path) -> Iterator[Path]:
    """A fake repository: config, requirements, a chapter, a page and a picture."""
    (tmp_path / "_config.yml").write_text(
        "repository:\n  url: https://github.com/teacher/rnn-fork\n  branch: fall\n")
    (tmp_path / "requirements.txt").write_text(
        "# For Binder and the build.\nnumpy==2.4.6\njupyter-book==1.0.4.post1\n"
        "sphinx_exercise==1.2.1\n-e .\n")
    book = tmp_path / "book"
    (book / "images").mkdir(parents=True)
    (book / "images" / "pic.png").write_bytes(b"\x89PNG fake")
    (book / "intro.md").write_text("# Intro")
    nbformat.write(fake_chapter(), book / f"{CHAPTER}.ipynb")
    (book / "fake_student_checks.py").write_text(CHECKS)
    sys.path.insert(0, str(book))
    importlib.import_module("fake_student_checks")
    yield tmp_path
    for label in exercises.exercises_for(CHAPTER):  # leave the registry as it was
        del exercises._REGISTRY[label]
    del sys.modules["fake_student_checks"]
    sys.path.remove(str(book))


def write(book: Path) -> Path:
    out = book / "handout"
    student_edition.write_edition(out, book / "book", book / "_config.yml",
                                  book / "requirements.txt")
    return out


def test_solutions_go_stubs_and_checks_stay(book: Path) -> None:
    nb = nbformat.read(write(book) / f"{CHAPTER}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "{solution" not in text and "return x * x" not in text and '"recurrent"' not in text
    assert "Because it is so." not in text
    assert "raise NotImplementedError" in text and "word = None" in text
    assert "{exercise" not in text  # directives Colab cannot show become plain headings
    assert "### Exercise: Square it (`ex-student-square`)" in text
    assert "### Exercise (`ex-student-word`)" in text
    assert 'check("ex-student-square", square)' in text
    assert "if not (taught == 4):" in text  # the hidden check, folded, reports in Colab
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb.cells if c.cell_type == "code")
    assert nb.metadata["lessons"] == {"chapter": CHAPTER, "edition": "student"}
    assert "Student edition" in nb.cells[1].source


def test_the_book_keeps_its_solutions(book: Path) -> None:
    before = (book / "book" / f"{CHAPTER}.ipynb").read_text()
    write(book)
    assert (book / "book" / f"{CHAPTER}.ipynb").read_text() == before


def test_what_a_student_needs_comes_along(book: Path) -> None:
    out = write(book)
    assert (out / "images" / "pic.png").read_bytes() == b"\x89PNG fake"
    assert not (out / "intro.md").exists()
    requirements = [line for line in (out / "requirements.txt").read_text().splitlines()
                    if not line.startswith("#")]
    assert requirements == ["numpy==2.4.6",
                            "lessons_lib @ git+https://github.com/teacher/rnn-fork.git@fall",
                            student_edition.FRONT_END]
    assert "https://github.com/teacher/rnn-fork" in (out / "README.md").read_text()


def test_only_the_chapters_named_are_written(book: Path) -> None:
    other = nbformat.v4.new_notebook(cells=[md("# Later\n\nNot handed out yet.")])
    nbformat.write(other, book / "book" / "99_later.ipynb")
    out = book / "handout"
    written = student_edition.write_edition(out, book / "book", book / "_config.yml",
                                            book / "requirements.txt", chapters=[CHAPTER])
    assert written == [out / f"{CHAPTER}.ipynb"] and not (out / "99_later.ipynb").exists()
    assert "99_later" not in (out / "README.md").read_text()
    with pytest.raises(ValueError, match="got 99_nope"):
        student_edition.write_edition(out, book / "book", book / "_config.yml",
                                      chapters=["99_nope"])


def assert_statements(nb: nbformat.NotebookNode) -> list[str]:
    """The code cells of ``nb`` that hold an ``assert`` statement."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = parse_cell(cell.source)
        if (any(isinstance(node, ast.Assert) for node in ast.walk(tree)) if tree is not None
                else re.search(r"^\s*assert\b", cell.source, re.MULTILINE)):
            found.append(cell.source)
    return found


def test_no_code_cell_of_the_student_edition_asserts(book: Path,
                                                     book_index: colab_edition.BookIndex) -> None:
    # The book's hidden asserts become printed notes: a student's (or the grader's) run goes on
    # past a claim that their numbers do not bear out, and is told which claim it was.
    assert assert_statements(nbformat.read(book / "book" / f"{CHAPTER}.ipynb", as_version=4))
    assert not assert_statements(nbformat.read(write(book) / f"{CHAPTER}.ipynb", as_version=4))
    for chapter, nb in colab_edition.read_book(ROOT / "book").items():
        student = student_edition.student_notebook(nb, chapter, book_index, AnyGluedValue())
        assert not assert_statements(student), chapter


def test_the_real_requirements_leave_the_build_tools_out() -> None:
    assert re.search(r"(?im)^jupyter.book\b", (ROOT / "requirements.txt").read_text())
    url, branch = repository(ROOT / "_config.yml")
    text = student_edition.student_requirements(ROOT / "requirements.txt", url, branch)
    names = {re.sub(r"[-_.]+", "_", re.split(r"[=<>!~ \[@]", line, maxsplit=1)[0]).lower()
             for line in text.splitlines() if line and not line.startswith("#")}
    assert "numpy" in names and "jupyterlab" in names and "lessons_lib" in names
    assert not names & {"jupyter_book", "sphinx_exercise"}


def test_refuses_to_overwrite_the_book(book: Path) -> None:
    with pytest.raises(ValueError, match="other than the book"):
        student_edition.write_edition(book / "book", book / "book", book / "_config.yml")


@pytest.mark.parametrize("cells, message", [
    (["```{solution-start} ex-a\n```", "x = 1"], "never closed"),
    (["x = 1", "```{solution-end}\n```"], "never opened"),
    (["```{solution-start} ex-a\n```", "```{solution-start} ex-b\n```", "```{solution-end}\n```"],
     "still open"),
])
def test_malformed_solutions_are_refused(cells: list[str], message: str) -> None:
    nb = nbformat.v4.new_notebook(cells=[md(s) if "{" in s else code(s) for s in cells])
    with pytest.raises(ValueError, match=message):
        student_edition.remove_solutions(nb, "ch")


def test_a_whole_solution_directive_is_removed() -> None:
    nb = nbformat.v4.new_notebook(cells=[md("```{solution} ex-a\nJust think.\n```"), code("1")])
    assert student_edition.remove_solutions(nb) == 1 and len(nb.cells) == 1


def test_chapters_handed_out_one_run_at_a_time_are_all_in_the_readme(
        book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    atomic = []  # what went through lessons_lib.cache.atomic_write
    monkeypatch.setattr(student_edition, "atomic_write",
                        lambda path, data: (atomic.append(path.name), path.write_bytes(data)))
    later = nbformat.v4.new_notebook(cells=[md("# Later\n\nHanded out next week.")])
    nbformat.write(later, book / "book" / "99_later.ipynb")
    out = book / "handout"
    for chapters in (["99_later"], [CHAPTER]):  # the later one first: the order is the book's
        student_edition.write_edition(out, book / "book", book / "_config.yml",
                                      book / "requirements.txt", chapters=chapters)
    readme = (out / "README.md").read_text()
    listed = [line for line in readme.splitlines() if line.startswith("- `")]
    assert listed == [f"- `{CHAPTER}.ipynb`", "- `99_later.ipynb`"]
    assert atomic == ["requirements.txt", "README.md"] * 2


def test_grader_calls_the_student_edition_not_attempted(book: Path) -> None:
    out = write(book)
    assert (out / "fake_student_checks.py").read_text() == CHECKS  # copied with the chapter
    report = grade.grade_file(out / f"{CHAPTER}.ipynb", timeout=120)
    assert report.execution == "completed"
    assert {r.status for r in report.results} == {"not attempted"}
    assert len(report.results) == 2 and not report.cell_errors  # only the checks fail
    assert report.all_are("not attempted")


def test_command_line(book: Path, capsys: pytest.CaptureFixture,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(book)
    assert student_edition.main(["handout"]) == 0
    assert "of 1 chapter to handout" in capsys.readouterr().out
    assert student_edition.main(["book"]) == 2


def test_strip_outputs_clears_outputs_and_session_metadata(tmp_path: Path) -> None:
    from lessons_lib.tooling import strip_outputs

    nb = fake_chapter()
    nb.cells[1].metadata["execution"] = {"iopub.execute_input": "2026-01-01"}
    nb.cells[1].metadata["tags"] = ["keep-me"]
    nb.metadata["widgets"] = {"state": {}}
    path = tmp_path / "ch.ipynb"
    nbformat.write(nb, path)
    assert strip_outputs.main([str(path), "--check"]) == 1
    assert nbformat.read(path, as_version=4).cells[-1].outputs  # --check changes nothing
    assert strip_outputs.main([str(path)]) == 0
    stripped = nbformat.read(path, as_version=4)
    assert not any(c.get("outputs") or c.get("execution_count") for c in stripped.cells
                   if c.cell_type == "code")
    assert stripped.cells[1].metadata == {"tags": ["keep-me"]}
    assert "widgets" not in stripped.metadata
    assert strip_outputs.main([str(path), "--check"]) == 0
