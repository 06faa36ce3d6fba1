"""The instructors page's numbered steps, run as written: from a fork to a graded class.

Every ```bash block of the numbered sections of ``book/instructors.md`` runs, in order, in a
scratch workspace: one bash process per step, each starting where the previous one ended (as
in the instructor's terminal). A local bare repository stands in for GitHub: git rewrites
``https://github.com/your-name/`` to it, so the commands and the addresses they write stay
exactly as printed. Nothing else in the commands is replaced, except the lines of
``NOT_RUN``, each for the reason given there. Between steps the test makes a fake class
from the student edition the steps wrote (one student solved every exercise, one none, one
the first), and after each step it checks what the step was for.

The chapters come from this repository's last commit (the fork is a clone of it); the
grader's kernels import ``lessons_lib`` from the course's environment, the test's own.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest
from conftest import ROOT

from lessons_lib.tooling.notebooks import exercise_stubs, solution_code

PAGE = ROOT / "book" / "instructors.md"
FORK = "https://github.com/your-name/rnn-book"
# The chapters step 3 hands out: the stand-in for `make book` executes only these.
HANDED_OUT = ["01_recurrence", "02_numpy_rnn"]
GRADED = "01_recurrence"  # step 5 collects this one: light, no data, no training
STUDENTS = ["ada", "ben", "cy"]  # every exercise solved, none, the first one
BUILD_CACHE = "_build/.jupyter_cache"
# Commands the test does not run as printed, each with why and what runs instead.
NOT_RUN = {
    "make .venv/bin/.installed": (
        "installs the environment from PyPI (no network in the tests); the course's own "
        ".venv stands in, first on PATH", ":"),
    "source .venv/bin/activate": ("the scratch clone has no .venv; PATH stands in", ":"),
    "make book": (
        "executes and renders every chapter (minutes); make test's `notebooks` and `book` "
        "stages run it. Instead: the chapters step 3 hands out are executed into the build's "
        "cache, as `make notebooks` does",
        "python -m pytest -q -p no:cacheprovider --nbval-lax -p lessons_lib.tooling.nbval_cache"
        f" --book-cache {BUILD_CACHE} " + " ".join(f"book/{c}.ipynb" for c in HANDED_OUT)),
    "make colab-edition": (
        "needs every chapter executed; make test's `colab` stage runs the edition. Instead: "
        "the Colab edition of the chapters executed, so that the publishing step has it",
        "python \"$LESSONS_COLAB_STAND_IN\" " + " ".join(HANDED_OUT)),
}
COLAB_STAND_IN = '''"""The Colab edition of the chapters named (`make colab-edition` writes all)."""
import sys
from pathlib import Path

from lessons_lib.tooling import colab_edition as edition
from lessons_lib.tooling.book_cache import cache_path
from lessons_lib.tooling.notebooks import write_notebook

notebooks = edition.read_book(Path("book"))
index = edition.book_index(notebooks, Path("_config.yml"))
for chapter in sys.argv[1:]:
    values = edition.chapter_values(notebooks[chapter], Path("book", chapter + ".ipynb"),
                                    cache_path())
    target = Path("_build", "colab", "book", chapter + ".ipynb")
    target.parent.mkdir(parents=True, exist_ok=True)
    write_notebook(edition.colab_notebook(notebooks[chapter], chapter, index, values), target)
'''
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the steps are bash")


def numbered_steps(text: str) -> list[tuple[int, str, list[str]]]:
    """``(number, title, bash blocks)`` of each ``## N. Title`` section, in page order."""
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    steps = []
    for section in sections:
        heading, _, body = section.partition("\n")
        numbered = re.match(r"(\d+)\. (.+)", heading)
        if numbered:
            blocks = re.findall(r"^```bash\n(.*?)^```", body, flags=re.MULTILINE | re.DOTALL)
            steps.append((int(numbered[1]), numbered[2], blocks))
    return steps


def commands(block: str) -> list[str]:
    """The block's commands, one per logical line (continuation lines joined)."""
    return [line for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def runnable(block: str) -> str:
    """The block with each ``NOT_RUN`` command replaced by its stand-in."""
    lines = []
    for line in commands(block):
        command = line.split(" #")[0].strip()
        lines.append(NOT_RUN[command][1] if command in NOT_RUN else line)
    return "\n".join(lines)


def solved(stub: nbformat.NotebookNode, book: nbformat.NotebookNode,
           labels: list[str]) -> nbformat.NotebookNode:
    """``stub`` (the student edition) with the book's solutions of ``labels`` filled in."""
    filled = nbformat.from_dict(stub)
    stubs, solutions = exercise_stubs(filled), solution_code(book)
    assert set(labels) <= set(stubs) & set(solutions), f"solutions of {labels} not found"
    for label in labels:
        stubs[label].source = f"{stubs[label].source}\n\n{solutions[label]}"
    return filled


def make_class(clone: Path) -> None:
    """Hand in the student edition of ``GRADED`` three times, into ``submissions/<id>/``."""
    from lessons_lib import exercises

    labels = exercises.exercises_for(GRADED)
    book = nbformat.read(clone / "book" / f"{GRADED}.ipynb", as_version=4)
    stub = nbformat.read(clone / "handout" / f"{GRADED}.ipynb", as_version=4)
    for student, answered in zip(STUDENTS, [labels, [], labels[:1]], strict=True):
        folder = clone / "submissions" / student
        folder.mkdir(parents=True)
        nbformat.write(solved(stub, book, answered), folder / f"{GRADED}.ipynb")


@pytest.fixture
def workspace(tmp_path: Path) -> dict[str, str]:
    """The environment of the steps: GitHub stood in for, a home and cache of their own."""
    remote = tmp_path / "github" / "your-name"
    remote.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(ROOT), str(remote / "rnn-book")],
                   check=True)
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(f'[url "{remote.as_uri()}/"]\n\tinsteadOf = https://github.com/your-name/\n'
                         "[user]\n\tname = Instructor\n\temail = instructor@example.edu\n"
                         "[advice]\n\tdetachedHead = false\n")
    (tmp_path / "home").mkdir()
    (tmp_path / "colab_stand_in.py").write_text(COLAB_STAND_IN)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("GIT_", "PYTHON", "VIRTUAL_ENV", "LESSONS_"))}
    env.update(HOME=str(tmp_path / "home"), GIT_CONFIG_GLOBAL=str(gitconfig),
               GIT_CONFIG_NOSYSTEM="1", PATH=f"{Path(sys.executable).parent}:{env['PATH']}",
               LESSONS_CACHE_DIR=str(tmp_path / "instructor-cache"), LESSONS_BOOK_BUILD="1",
               TF_CPP_MIN_LOG_LEVEL="2", LESSONS_COLAB_STAND_IN=str(tmp_path / "colab_stand_in.py"),
               WORKSPACE=str(tmp_path))
    return env


def run_step(blocks: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, Path]:
    """Run a step's blocks in one bash; ``(exit status, output, folder it ended in)``."""
    where = Path(env["WORKSPACE"]) / "cwd"
    where.unlink(missing_ok=True)
    script = "set -euo pipefail\n" + "\n".join(map(runnable, blocks)) + f'\npwd > "{where}"\n'
    done = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    ended = Path(where.read_text().strip()) if where.is_file() else cwd
    return done.returncode, done.stdout + done.stderr, ended


def branch_files(remote: Path, branch: str) -> set[str]:
    """The files at the tip of ``branch`` in the bare repository ``remote``."""
    listing = subprocess.run(["git", "-C", str(remote), "ls-tree", "-r", "--name-only", branch],
                             capture_output=True, text=True, check=True)
    return set(listing.stdout.split())


def test_the_page_numbers_its_steps_and_every_command_is_run_or_explained() -> None:
    steps = numbered_steps(PAGE.read_text(encoding="utf-8"))
    assert [number for number, _, _ in steps] == list(range(1, len(steps) + 1))
    assert len(steps) == 8
    printed = {line.split(" #")[0].strip() for _, _, blocks in steps for block in blocks
               for line in commands(block)}
    assert set(NOT_RUN) <= printed  # the reasons above are about commands still printed
    handout = next(c for c in printed if "lessons_lib.tooling.student_edition" in c)
    assert handout.split()[-len(HANDED_OUT):] == HANDED_OUT  # what `make book`'s stand-in runs


def check_fork_address(clone: Path, remote: Path, output: str) -> None:
    """Step 1: the setup cells pushed to the fork install lessons_lib from the fork."""
    pushed = subprocess.run(["git", "-C", str(remote), "show", "main:book/01_recurrence.ipynb"],
                            capture_output=True, text=True, check=True).stdout
    assert f"{FORK}.git" in pushed and "rnn-course/rnn-book" not in pushed


def check_colab_branch(clone: Path, remote: Path, output: str) -> None:
    """Step 2: the Colab edition is on the fork's ``colab`` branch, under ``book/``."""
    assert {f"book/{c}.ipynb" for c in HANDED_OUT} <= branch_files(remote, "colab")


def check_handout(clone: Path, remote: Path, output: str) -> None:
    """Step 3: the chapters handed out, installing lessons_lib from the fork."""
    assert sorted(p.stem for p in (clone / "handout").glob("*.ipynb")) == HANDED_OUT
    assert f"git+{FORK}.git@main" in (clone / "handout" / "requirements.txt").read_text()


def check_student_branch(clone: Path, remote: Path, output: str) -> None:
    """Step 4: the edition alone on the ``student`` branch; a hub link per chapter to it."""
    on_branch = branch_files(remote, "student")
    assert {f"{c}.ipynb" for c in HANDED_OUT} | {"README.md", "requirements.txt"} <= on_branch
    assert not any(name.startswith(("book/", "lessons_lib/")) for name in on_branch)
    links = [urlsplit(line) for line in output.split() if "/git-pull?" in line]
    queries = [{k: v[0] for k, v in parse_qs(link.query).items()} for link in links]
    assert [q["urlpath"] for q in queries] == [f"lab/tree/rnn-book-student/{c}.ipynb"
                                               for c in HANDED_OUT]
    assert all(q["repo"] == FORK and q["branch"] == "student" for q in queries)
    assert {q["targetpath"] for q in queries} == {"rnn-book-student"}  # not the book's folder
    assert {link.netloc for link in links} == {"hub.example.edu"}


def check_roster(clone: Path, remote: Path, output: str) -> None:
    """Step 5: a roster row per student's notebook."""
    with open(clone / "roster.csv", newline="", encoding="utf-8") as roster:
        rows = list(csv.DictReader(roster))
    assert sorted(row["student"] for row in rows) == STUDENTS
    assert all((clone / row["notebook"]).is_file() for row in rows)


def check_gradebook(clone: Path, remote: Path, output: str) -> None:
    """Step 6: a CSV row and a Gradescope results.json per student, the scores in order."""
    from lessons_lib import exercises

    with open(clone / "grades.csv", newline="", encoding="utf-8") as grades:
        rows = {row["student"]: row for row in csv.DictReader(grades)}
    assert sorted(rows) == STUDENTS
    assert set(exercises.exercises_for(GRADED)) <= set(rows["ada"])
    total = next(key for key in rows["ada"] if key.strip().lower() == "total")
    totals = {student: float(row[total]) for student, row in rows.items()}
    assert totals["ada"] > totals["cy"] > totals["ben"] == 0
    scores = {}
    for student in STUDENTS:
        result = json.loads((clone / "gradescope" / student / "results.json").read_text())
        scores[student] = (result["score"] if "score" in result
                           else sum(test["score"] for test in result["tests"]))
    assert scores["ada"] > scores["cy"] > scores["ben"] == 0


# What each step is for, checked right after it ran (steps 7 and 8 run nothing).
STEP_CHECKS = {1: check_fork_address, 2: check_colab_branch, 3: check_handout,
               4: check_student_branch, 5: check_roster, 6: check_gradebook}


def test_from_a_fork_to_a_graded_class(workspace: dict[str, str]) -> None:
    steps = numbered_steps(PAGE.read_text(encoding="utf-8"))
    root = Path(workspace["WORKSPACE"])
    remote, clone = root / "github" / "your-name" / "rnn-book", root / "rnn-book"
    cwd = root
    for number, title, blocks in steps:
        if number == 5:
            make_class(clone)
        status, output, cwd = run_step(blocks, cwd, workspace)
        # The grader exits 1 when some exercise did not pass, as in any real class.
        assert status in ({0, 1} if number == 6 else {0}), (
            f"step {number} ({title}) exited {status}:\n{output[-4000:]}")
        assert cwd.resolve() == clone.resolve(), f"step {number} ended in {cwd}, not the clone"
        if number in STEP_CHECKS:
            STEP_CHECKS[number](clone, remote, output)
