"""Grade students' chapter notebooks: run them, check every answer in a clean process, score.

``python -m lessons_lib.tooling.grade alice/06_training.ipynb bob/06_training.ipynb`` executes each
notebook from the top in a fresh kernel (outputs in the submitted file are thrown away first),
each in a sandbox of its own (``lessons_lib.tooling.isolation``: its own HOME, temp folder and
cache, a copy of the instructor's cache or of ``--seed-cache`` so that no model is trained
again per student; a working folder holding a copy of the notebook and of the files beside it
that are not notebooks; a watch on memory, ``--memory-limit`` MB), then reports, for every
exercise registered for the notebook's chapter in ``lessons_lib.exercises``:

- ``passed``: its check accepted the answer;
- ``failed``: its check rejected the answer (the check's feedback says why), or the answer
  tampered with the checks or called the course's own implementation;
- ``not attempted``: the answer is still the stub;
- ``errored``: the check cell raised before handing the answer over (say the answer's variable
  was deleted), the answer could not be handed over (one sentence says why), the clean check
  gave no verdict (the answer exited or crashed it), or the check itself broke;
- ``missing``: no answer at all, because the check cell was deleted, never ran (the notebook
  died or ran out of time before it), or ran without handing the answer over (``check`` was
  replaced).

How a verdict is made: the kernel runs with ``LESSONS_ANSWERS_DIR`` pointing into the sandbox,
where each ``check("label", answer)`` leaves the answer itself, by value. After the run, each
answer is checked again by ``python -I -B -m lessons_lib.tooling.verdicts``, a fresh process
with a pristine ``lessons_lib`` (see that module: tampering and calls of the course's
implementation are found there), whose working folder, and its answer process's, is the
sandbox's: a file the student's function writes by a relative path lands there, not in the
folder the grader was started from. The verdicts the kernel printed or displayed are never
read: they stay in the ``--save-executed`` copies, for reading. Each check cell is compared
with the book's check cell for its label (``book/<chapter>.ipynb`` beside the package, or
``--book``); an edited one is named in the report's warnings with both sources, as is code that
mentions the grader's machinery or rebinds ``check`` (worth reading, though no longer needed
for the verdicts).

Some exercises also have a written part (a question the student answers in words, in a
markdown cell tagged ``written-answer``): no check reads it, so the report quotes what was
written under each such exercise, for the instructor to read (``written`` in ``--json``).

The score is the points earned out of the points of the chapter's exercises (1 each unless
``@exercise(..., points=...)`` says otherwise; a check with parts can give a share). ``--json``
prints the reports as JSON; ``--roster``, ``--csv`` and ``--gradescope`` then write the class's
gradebook (``lessons_lib.tooling.gradebook``): the reports are printed first, so that a
gradebook that cannot be written (two notebooks of one student and chapter) loses none of them;
that ends with the gradebook's sentence on stderr and exit status 2. While the class is graded,
one line per finished notebook goes to stderr (``graded 3/30:
submissions/bob/01_recurrence.ipynb 2/4 points (12 s)``). The exit status is 0 only when every
exercise of every notebook passed (``--expect STATUS``: only when every notebook was graded,
every exercise has that status and no other cell raised; a notebook that is not a chapter with
exercises, or not a notebook, then fails with a sentence on stderr). Each notebook is graded in
a process (and kernel) of its own, ``--jobs N`` of them at a time: a notebook that kills its
grading process is reported ("the grading process was killed") and takes no other down. The
file descriptor 1 of that process points at stderr, so that nothing it starts (the kernel, what
the student's code runs) can write into the grader's stdout (``--json > grades.json``): the
report comes back over a pipe. The installed ``lessons_lib`` (its files and the ``.pyc`` files
of its ``__pycache__`` folders, all written before the first notebook runs) is hashed after
each notebook: a submission that changed it stops the grading of the rest, and every report
says so. What a notebook leaves running (a daemon, say) is killed before its verdicts and at
the end, and the report warns "left processes running: N killed". A score comes from the
registry's points, whatever a verdict says: ``passed`` earns them all, ``failed`` a share at
most. A check cell deleted or commented out is ``missing`` and warned about, with the book's
cell.

``--container IMAGE`` (``--engine docker|podman``) grades each notebook inside a container of
IMAGE, which must have ``lessons_lib`` installed: ``<engine> run --name
lessons-grade-<student>-XXXX --network none --memory ... IMAGE python -m
lessons_lib.tooling.grade --inside-container --book BOOK ...`` with the sandbox (with its
copies of the notebook and of the cache) and the book (read-only; the host's, as ``--book``
resolves it: inside an image ``lessons_lib`` has no book beside it) mounted at the same paths;
the report comes back on stdout behind a token sent on stdin and is checked against the
registry as a verdict is. The container may run for ``--timeout`` plus the verdicts' time (one
``--cell-timeout``, at most 300 s, per exercise) plus 600 s; past that, or when it gives no
report, ``<engine> rm -f`` removes it. That takes the network and the rest of the machine away
from the student's code; it does not make the verdicts any harder to forge than without.

The grader never hangs and never crashes on a student's notebook: cells that raise are recorded
and execution goes on (``allow_errors``); a cell that runs past ``--cell-timeout`` (1200 s) is
interrupted; a notebook that runs past ``--timeout`` (3600 s) in total has its kernel killed,
and what ran until then is graded (``--timeout`` bounds the kernel's run; the verdicts after it
have their own limit, one ``--cell-timeout`` at most 300 s each); a kernel that dies is
reported. A file that is not a notebook is reported in one sentence.

The chapter a notebook belongs to is read from its metadata (``metadata.lessons.chapter``,
which the book's chapters and the student edition carry), else from its file name (the
chapter id, possibly with a suffix such as ``06_training-alice``); ``--chapter`` overrides.

What remains possible (see ``lessons_lib.tooling.verdicts`` for the details): the student's code
runs, as the user who grades, in the kernel and, when a check calls it, in the verdict process;
code written to attack the grader itself could find the verdict process's token in memory and
speak for it, or hand over a value whose comparisons lie. Answers that are values (not
functions) are computed in the kernel, where nothing says how. Without ``--container``, an
absolute path still reaches classmates' notebooks and the instructor's seed cache (changes to
the seed are reported), and a process that re-executes itself with a clean environment and
leaves the sandbox outlives the grading unnoticed. Read flagged notebooks.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import compileall
import hashlib
import importlib.util
import json
import multiprocessing
import multiprocessing.connection
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

import nbformat
from ipykernel.kernelspec import RESOURCES, get_kernel_dict
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from traitlets import Unicode, default

from lessons_lib import exercises
from lessons_lib.cache import cache_dir
from lessons_lib.data import ARCHIVE_ENV
from lessons_lib.exercises import ANSWERS_ENV, Status
from lessons_lib.tooling import gradebook, verdicts
from lessons_lib.tooling import isolation as isolation_tools
from lessons_lib.tooling.isolation import run_folder
from lessons_lib.tooling.notebooks import (
    declared_chapter,
    parse_cell,
    write_notebook,
    written_answers,
)
from lessons_lib.tooling.strip_outputs import strip_notebook

# The book's build gives a cell 1200 s (_config.yml), enough to train a model on a cold cache.
CELL_TIMEOUT = 1200
NOTEBOOK_TIMEOUT = 3600
STATUSES = tuple(status.value for status in Status)
_SUSPICIOUS = ("lessons-check", "CHECK_MIME", "_REGISTRY", "run_check", "_emit")
_PROTECTED_NAMES = {"check", "run_check"}  # what a check cell calls
# The book's own chapters, whose check cells a submission's are compared with.
BOOK_DIR = Path(exercises.__file__).resolve().parents[2] / "book"
# Seconds a container may take beyond the notebook's and the verdicts' time (start, teardown).
CONTAINER_MARGIN = 600


class Execution(StrEnum):
    """How running a notebook ended; ``Report.detail`` says more in words."""

    COMPLETED = "completed"
    TIMED_OUT = "timed out"
    KERNEL_DIED = "kernel died"
    COULD_NOT_RUN = "could not run"
    NOT_RUN = "not run"
    NOTHING_TO_GRADE = "nothing to grade"


@dataclass
class ExerciseResult:
    """The verdict on one exercise of one notebook: what it is worth and what it earned."""

    exercise: str
    status: str
    feedback: str = ""
    points: float = 1.0
    score: float = 0.0


@dataclass
class Report:
    """The grading of one notebook."""

    notebook: str
    chapter: str | None
    execution: Execution = Execution.COMPLETED
    detail: str = ""
    results: list[ExerciseResult] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The written parts, for the instructor to read: label to what the student wrote ("": nothing).
    written: dict[str, str] = field(default_factory=dict)
    student: str = ""

    @property
    def score(self) -> float:
        """The points earned."""
        return sum(r.score for r in self.results)

    @property
    def out_of(self) -> float:
        """The points the chapter's exercises are worth."""
        return sum(r.points for r in self.results)

    @property
    def passed(self) -> int:
        """How many exercises passed."""
        return sum(r.status == Status.PASSED for r in self.results)

    @property
    def all_passed(self) -> bool:
        """Whether the notebook was graded and every exercise of its chapter passed."""
        return bool(self.results) and self.passed == len(self.results)

    def all_are(self, status: str) -> bool:
        """Whether the notebook ran through cleanly and every exercise has ``status``.

        Cleanly: execution completed and no cell outside the check cells raised. This is what
        the book's own editions must satisfy: the full edition all ``passed``, the student
        edition all ``not attempted``.
        """
        return (bool(self.results) and self.execution is Execution.COMPLETED
                and not self.cell_errors and all(r.status == status for r in self.results))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        """A report from :meth:`to_dict`'s plain data (what a container printed)."""
        fields = {name: data[name] for name in ("notebook", "chapter", "detail", "cell_errors",
                                                "warnings", "written", "student") if name in data}
        results = [ExerciseResult(r["exercise"], r["status"], r.get("feedback", ""),
                                  float(r.get("points", 1.0)), float(r.get("score", 0.0)))
                   for r in data.get("results", [])]
        return cls(**fields, execution=Execution(data.get("execution", Execution.NOT_RUN)),
                   results=results)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data, for ``--json``."""
        data = asdict(self)
        data.update(score=self.score, out_of=self.out_of, passed=self.passed,
                    all_passed=self.all_passed)
        return data


# --- reading a notebook --------------------------------------------------------------------


def chapter_of(nb: nbformat.NotebookNode, path: Path, known: list[str]) -> str | None:
    """The chapter id of a notebook: its metadata, else its file name; ``None`` if unknown."""
    declared = declared_chapter(nb)
    if declared:
        return declared
    if path.stem in known:
        return path.stem
    matches = [c for c in known if c in path.stem]
    return max(matches, key=len) if matches else None


def checked_labels(source: str) -> list[str]:
    """The labels of the exercises a cell checks: ``check("label", ...)`` calls in it."""
    tree = parse_cell(source)
    if tree is None:
        return []
    labels = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        first = node.args[0]
        if name == "check" and isinstance(first, ast.Constant) and isinstance(first.value, str):
            labels.append(first.value)
    return labels


def tampering(source: str) -> list[str]:
    """What in a (non-check) cell could forge or bend the verdicts, as short descriptions."""
    found = [f"mentions {word}" for word in _SUSPICIOUS if word in source]
    tree = parse_cell(source)
    for node in ast.walk(tree) if tree else []:
        names: list[str] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            names += [n.attr for t in targets for n in ast.walk(t) if isinstance(n, ast.Attribute)]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [alias.asname for alias in node.names if alias.asname]
        found += [f"rebinds {name!r}" for name in names if name in _PROTECTED_NAMES]
    return found


def check_calls(source: str) -> dict[str, str]:
    """Each label a cell checks, with the cell's code normalised (an AST dump without the
    import of ``check``), so that two cells compare equal whatever their spacing, comments,
    quotes and whether ``check`` is imported there."""
    tree = parse_cell(source)
    if tree is None:
        return {}
    kept = [node for node in tree.body if not (
        isinstance(node, ast.ImportFrom) and node.module == "lessons_lib.exercises"
        and [(a.name, a.asname) for a in node.names] == [("check", None)])]
    normalised = ast.dump(ast.Module(body=kept, type_ignores=[]))
    return {label: normalised for label in checked_labels(source)}


def book_notebook(chapter: str, book_dir: Path | None = None) -> Path:
    """Where the book's own notebook of ``chapter`` is (``book/`` beside the package)."""
    return (book_dir or BOOK_DIR) / f"{chapter}.ipynb"


def book_check_cells(chapter: str, book_dir: Path | None = None) -> dict[str, str] | None:
    """The book's check cell of each label of ``chapter`` (its source), or ``None`` when the
    book's notebook of that chapter is not there to compare with."""
    path = book_notebook(chapter, book_dir)
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return None
    return {label: cell.source for cell in nb.cells if cell.cell_type == "code"
            for label in checked_labels(cell.source)}


def edited_checks(nb: nbformat.NotebookNode, chapter: str, book_dir: Path | None = None
                  ) -> list[str]:
    """A warning for each check cell that differs from the book's for that label."""
    book = book_check_cells(chapter, book_dir)
    if book is None:
        return [f"the check cells could not be compared with the book's: "
                f"{book_notebook(chapter, book_dir)} is not there"]
    warnings = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for label, normalised in check_calls(cell.source).items():
            if label in book and check_calls(book[label]).get(label) != normalised:
                warnings.append(f"cell {index}, the check cell of {label}, was edited: the book "
                                f"has {quoted(book[label])!r}, this notebook "
                                f"{quoted(cell.source)!r}")
    return warnings


def quoted(source: str, limit: int = 200) -> str:
    """A cell's code for a one-line warning: its whitespace collapsed, cut at ``limit``
    characters (ending in ``...`` when cut)."""
    text = " ".join(source.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _error(cell: nbformat.NotebookNode) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {output.get('evalue')}"
    return None


# --- running it ----------------------------------------------------------------------------


class _PythonSpecs(KernelSpecManager):
    """Kernel specs that always start one given interpreter (default: this one).

    A ``python3`` kernel registered for the user could point at another Python entirely.
    """

    python = Unicode(sys.executable, help="the interpreter the kernels run on").tag(config=True)

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        """The spec of an ipykernel running on ``self.python``, whatever the name."""
        spec = get_kernel_dict()
        return KernelSpec(resource_dir=RESOURCES, argv=[self.python, *spec["argv"][1:]],
                          language="python", display_name=spec["display_name"],
                          name=kernel_name)


def kernel_manager_class(python: str = sys.executable) -> type[AsyncKernelManager]:
    """A kernel manager class whose kernels run on ``python`` (which must have ipykernel).

    A class, not an instance: nbclient shuts down only the kernels of managers it made.
    """

    class PythonKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _default_specs(self) -> KernelSpecManager:
            return _PythonSpecs(data_dir=self.data_dir, python=python)

    return PythonKernelManager


def execute(nb: nbformat.NotebookNode, workdir: Path, cell_timeout: int,
            timeout: float, python: str = sys.executable,
            live: bool = False, env: dict[str, str] | None = None) -> tuple[Execution, str]:
    """Run ``nb`` in place in a fresh kernel on ``python``; return how the run ended, and that
    in words.

    Errors do not stop the run; a cell past ``cell_timeout`` seconds is interrupted; past
    ``timeout`` seconds in all the kernel is killed and the outputs so far are kept. The
    chapters run as in a book build (compact output, no widgets) unless ``live``, which runs
    them as a reader's session would (no ``LESSONS_BOOK_BUILD``, TensorFlow's logs unfiltered).
    The kernel's environment is ``env`` (default: this process's).
    """
    client = NotebookClient(
        nb, timeout=cell_timeout, kernel_name="python3",
        kernel_manager_class=kernel_manager_class(python), allow_errors=True,
        interrupt_on_timeout=True, shutdown_kernel="immediate", record_timing=False,
        error_on_timeout={"ename": "CellTimeoutError",
                          "evalue": f"cell interrupted after {cell_timeout} s",
                          "traceback": []},
        resources={"metadata": {"path": str(workdir)}},
    )
    env = {**(env if env is not None else os.environ), "LESSONS_BOOK_BUILD": "1"}
    if live:
        for name in ("LESSONS_BOOK_BUILD", "TF_CPP_MIN_LOG_LEVEL"):
            env.pop(name, None)

    async def run() -> bool:
        """Run the notebook; past the limit, cancel it (which kills the kernel)."""
        task = asyncio.ensure_future(client.async_execute(env=env))
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if done:
            task.result()  # raises what the run raised
            return True
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return False

    try:
        if not asyncio.run(run()):
            return Execution.TIMED_OUT, f"stopped after {timeout:g} s in all"
    except DeadKernelError:
        return Execution.KERNEL_DIED, "it crashed, ran out of memory or was exited"
    except Exception as exc:  # noqa: BLE001 - any failure to run is reported, not raised
        return Execution.COULD_NOT_RUN, f"{type(exc).__name__}: {exc}"
    return Execution.COMPLETED, ""


def grade(nb: nbformat.NotebookNode, name: str, chapter: str | None,
          cell_timeout: int = CELL_TIMEOUT, timeout: float = NOTEBOOK_TIMEOUT,
          workdir: Path = Path("."), python: str = sys.executable,
          live: bool = False, book_dir: Path | None = None,
          env: dict[str, str] | None = None, answers: Path | None = None,
          sandbox_root: Path | None = None) -> Report:
    """Execute a notebook (in a kernel on ``python``) and grade every exercise of ``chapter``.

    The kernel leaves each answer in ``answers`` (default: a temporary folder), where the
    clean verdict processes read them; both get ``env`` (default: this process's).
    ``live`` runs it as a reader's session would (see :func:`execute`). Once the kernel is
    gone, the processes still pointing into ``sandbox_root`` (what the notebook left running)
    are killed before any verdict is made, and the report says how many."""
    report = Report(notebook=name, chapter=chapter)
    labels = exercises.exercises_for(chapter) if chapter else []
    if not labels:
        if chapter and book_notebook(chapter, book_dir).is_file():
            report.execution = Execution.NOTHING_TO_GRADE
            report.detail = f"no exercises are registered for {chapter!r}"
            return report
        what = "cannot tell which chapter this is" if chapter is None else \
            f"{chapter!r} is not a chapter with exercises"
        report.execution = Execution.NOT_RUN
        report.detail = (f"{what} (expected metadata.lessons.chapter, --chapter or one of "
                         f"{', '.join(exercises.chapters()) or 'none'} in the file name)")
        return report
    report.written = {label: text for label, text in written_answers(nb).items()
                      if label in labels}
    report.warnings += edited_checks(nb, chapter, book_dir)
    strip_notebook(nb)
    with tempfile.TemporaryDirectory(prefix="lessons-answers-") as scratch:
        folder = answers or Path(scratch)
        # NumPy's OpenBLAS keeps to one thread unless told otherwise: kernels graded side by
        # side (--jobs) with spinning BLAS threads slowed chapter 11 about 100 times.
        kernel_env = {"OPENBLAS_NUM_THREADS": "1", **(env if env is not None else os.environ),
                      ANSWERS_ENV: str(folder), verdicts.RECEIPT_ENV: "1"}
        report.execution, report.detail = execute(nb, workdir, cell_timeout, timeout, python,
                                                  live, kernel_env)
        if sandbox_root is not None:
            report.warnings += _leftovers_warning(isolation_tools.stop_leftovers(sandbox_root))
        cells = _check_cells(nb, report)
        report.warnings += deleted_checks(labels, cells, chapter, book_dir)
        receipts = _receipts(nb)
        # The verdicts run on the kernel's Python: the answers were pickled with its libraries.
        command = [python, *verdicts.COMMAND]
        report.results = [_result(label, folder, cells, kernel_env,
                                  verdict_seconds(cell_timeout), command, receipts.get(label),
                                  cwd=workdir) for label in labels]
    return report


def verdict_seconds(cell_timeout: float) -> float:
    """How long one verdict process may run: one cell's time, at most ``VERDICT_TIMEOUT``."""
    return min(cell_timeout, verdicts.VERDICT_TIMEOUT)


def _leftovers_warning(killed: int, when: str = "") -> list[str]:
    """The report's warning that the submission left processes running, if it did."""
    return [f"left processes running{when}: {killed} killed"] if killed else []


def deleted_checks(labels: list[str], cells: dict[str, tuple[int, bool, str]], chapter: str,
                   book_dir: Path | None = None) -> list[str]:
    """A warning for each exercise of ``labels`` that no cell checks (the check cell was
    deleted or commented out), quoting the book's check cell."""
    book = book_check_cells(chapter, book_dir) or {}
    return [f"no check cell for {label}: the book has `{quoted(book[label])}`"
            if label in book else f"no check cell for {label} (the book's could not be read)"
            for label in labels if label not in cells]


def _check_cells(nb: nbformat.NotebookNode, report: Report) -> dict[str, tuple[int, bool, str]]:
    """Each checked label's cell: its index, whether it ran, and the error it raised ("").
    The other cells' errors and suspicious code go into ``report``."""
    cells: dict[str, tuple[int, bool, str]] = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        checks = checked_labels(cell.source)
        error = _error(cell) or ""
        if not checks:
            report.warnings += [f"cell {index} {w}" for w in tampering(cell.source)]
            if error:
                report.cell_errors.append(f"cell {index}: {error}")
            continue
        for label in checks:
            cells[label] = (index, cell.get("execution_count") is not None, error)
    return cells


def _receipts(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The digest of each answer ``check`` handed over, from the kernel's own outputs (the
    last one of a label wins, as its file does)."""
    found = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            raw = output.get("data", {}).get(verdicts.RECEIPT_MIME)
            try:
                receipt = json.loads(raw) if isinstance(raw, str) else None
                found[str(receipt["label"])] = str(receipt["sha256"])
            except (ValueError, TypeError, KeyError):
                continue
    return found


def _result(label: str, answers: Path, cells: dict[str, tuple[int, bool, str]],
            env: dict[str, str], timeout: float, command: list[str],
            receipt: str | None, cwd: Path | None = None) -> ExerciseResult:
    """The verdict on one exercise: the clean process's on its captured answer (whose digest
    must match the kernel's receipt: no other process may swap it), else why there is none.
    Nothing the kernel printed counts. The verdict process runs in ``cwd`` (the sandbox's
    working folder)."""
    points = exercises.lookup(label).points
    captured, failed = answers / f"{label}.pkl", answers / f"{label}.error"
    if captured.is_file() and receipt:
        return _from_verdict(label, verdicts.verdict_of(
            label, captured, env, timeout, _checks_file(label), command, receipt, cwd=cwd))
    if failed.is_file():
        return ExerciseResult(label, Status.ERRORED, failed.read_text("utf-8").strip(), points)
    if label not in cells:
        return ExerciseResult(label, Status.MISSING,
                              f'no cell calls check("{label}", ...): it was deleted', points)
    index, ran, error = cells[label]
    if error:
        return ExerciseResult(label, Status.ERRORED,
                              f"the check cell (cell {index}) raised {error}", points)
    if ran:
        return ExerciseResult(label, Status.MISSING,
                              f"its check cell (cell {index}) ran but handed no answer to the "
                              "grader: was check replaced or bypassed?", points)
    return ExerciseResult(label, Status.MISSING,
                          "its check cell never ran: the notebook stopped before it", points)


def trusted(result: ExerciseResult) -> ExerciseResult:
    """``result`` with its points from the registry, not from whoever sent it, and its score
    made consistent with them (:func:`lessons_lib.tooling.verdicts.capped`)."""
    return _from_verdict(result.exercise, {"status": result.status,
                                           "feedback": result.feedback, "score": result.score})


def _from_verdict(label: str, verdict: dict[str, Any]) -> ExerciseResult:
    """The result of ``label`` from a verdict, its points and score capped by the registry."""
    verdict = verdicts.capped(verdict, exercises.lookup(label))
    return ExerciseResult(label, str(verdict["status"]), str(verdict.get("feedback", "")),
                          float(verdict["points"]), float(verdict["score"]))


def _checks_file(label: str) -> Path | None:
    """The file of the module holding ``label``'s check, when it is not the course's."""
    module = exercises.lookup(label).check.__module__
    if module == "lessons_lib" or module.startswith("lessons_lib."):
        return None
    path = getattr(sys.modules.get(module), "__file__", None)
    return Path(path) if path else None


def read_submission(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``, or a ``ValueError`` of one plain sentence saying why not."""
    expected = (f"{path.name} is not a Jupyter notebook: expected a .ipynb file saved by "
                'Jupyter (JSON with "cells" and "nbformat"); ')
    if path.is_dir():
        raise ValueError(expected + "this is a folder")
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ValueError(expected + "there is no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(expected + f"it cannot be read as text ({type(exc).__name__})") from None
    except ValueError as exc:
        raise ValueError(expected + f"this is not JSON ({exc})") from None
    if not isinstance(data, dict) or "cells" not in data or "nbformat" not in data:
        raise ValueError(expected + 'this JSON has no "cells" and "nbformat"')
    try:
        return nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # noqa: BLE001 - any reason nbformat gives becomes the sentence
        first = " ".join(str(exc).split())[:200]
        raise ValueError(expected + f"this one is damaged ({first})") from None


@dataclass(frozen=True)
class Isolation:
    """How each submission is kept apart (``lessons_lib.tooling.isolation``): a sandbox of its
    own, its cache seeded from ``seed_cache`` (default: the instructor's), a memory limit in
    MB (0: none), and optionally a container ``image`` run by ``engine``."""

    memory_limit: int = 4096
    seed_cache: Path | None = None
    container: str | None = None
    engine: str | None = None
    # Where the sandboxes go: grade_files makes its run folder (mode 0700) under it, grade_file
    # puts its sandbox in it; None: a fresh run folder in the system's temp folder.
    parent: Path | None = None


def grade_file(path: Path, chapter: str | None = None, cell_timeout: int = CELL_TIMEOUT,
               timeout: float = NOTEBOOK_TIMEOUT, save_dir: Path | None = None,
               book_dir: Path | None = None, isolation: Isolation | None = None) -> Report:
    """Read, execute and grade the notebook at ``path`` in a sandbox of its own (under
    ``isolation.parent``, else in a fresh run folder); optionally save the executed copy (with
    the verdicts the kernel printed, for reading: they never count)."""
    path = Path(path).absolute()
    isolation = isolation or Isolation()
    try:
        nb = read_submission(path)
    except ValueError as exc:  # an unreadable submission is a result too
        return Report(notebook=str(path), chapter=chapter, execution=Execution.NOT_RUN,
                      detail=str(exc))
    chapter = chapter or chapter_of(nb, path, exercises.chapters())
    seed = Path(isolation.seed_cache or cache_dir())
    parent = run_folder() if isolation.parent is None else nullcontext(isolation.parent)
    with parent as folder, isolation_tools.sandbox(folder, path.parent.name, seed) as box:
        manifest = isolation_tools.seed_manifest(seed)
        # Only a container, whose grader reads the notebook, gets a copy of it.
        copy = isolation_tools.copy_submission(path, box.work, bool(isolation.container))
        if isolation.container:
            report = _grade_in_container(copy, chapter, cell_timeout, timeout, book_dir,
                                         isolation, box)
            report.notebook = str(path)
        else:
            with isolation_tools.MemoryWatch(isolation.memory_limit) as watch:
                report = grade(nb, str(path), chapter, cell_timeout, timeout, box.work,
                               book_dir=book_dir, env=box.env(os.environ), answers=box.answers,
                               sandbox_root=box.root)
            if watch.exceeded:
                report.detail = f"{report.detail}; {watch.summary()}".lstrip("; ")
        report.warnings += _leftovers_warning(isolation_tools.stop_leftovers(box.root),
                                              " after the verdicts")
        report.warnings += [f"the seed cache changed while this was graded: {change}"
                            for change in isolation_tools.seed_changes(seed, manifest)]
    ran = {Execution.COMPLETED, Execution.TIMED_OUT, Execution.KERNEL_DIED}
    if save_dir is not None and report.execution in ran and not isolation.container:
        write_notebook(nb, save_dir / path.name)
    return report


def _grade_in_container(path: Path, chapter: str | None, cell_timeout: int, timeout: float,
                        book_dir: Path | None, isolation: Isolation,
                        box: isolation_tools.Sandbox) -> Report:
    """Grade ``path`` (the copy in ``box.work``) by this same grader run inside the container
    (:func:`_container_command`), which prints its report behind a token sent on its stdin. A
    container that runs past its time (the notebook's, the verdicts', ``CONTAINER_MARGIN``)
    or gives no report is removed (``<engine> rm -f``)."""
    engine, name, command = _container_command(path, chapter, cell_timeout, timeout, book_dir,
                                               isolation, box)
    labels = exercises.exercises_for(chapter) if chapter else []
    limit = timeout + len(labels) * verdict_seconds(cell_timeout) + CONTAINER_MARGIN
    token = secrets.token_hex(16)
    failed = Report(notebook=str(path), chapter=chapter, execution=Execution.COULD_NOT_RUN)
    try:
        done = subprocess.run(command, input=token + "\n", capture_output=True, text=True,
                              timeout=limit, check=False)
    except subprocess.TimeoutExpired:
        isolation_tools.remove_container(engine, name)
        failed.detail = (f"the container ran past {limit:g} s (--timeout, {len(labels)} "
                         f"verdicts of {verdict_seconds(cell_timeout):g} s and "
                         f"{CONTAINER_MARGIN:g} s to start and stop) and was removed")
        return failed
    except OSError as exc:
        failed.detail = f"the container engine could not be started ({exc})"
        return failed
    lines = [line[len(token):] for line in done.stdout.splitlines() if line.startswith(token)]
    if len(lines) != 1:
        isolation_tools.remove_container(engine, name)
        last = (done.stderr.strip().splitlines() or ["nothing"])[-1][:300]
        failed.detail = (f"the container gave {len(lines)} reports, not one (exit status "
                         f"{done.returncode}; its last words: {last})")
        return failed
    # What came out of the container is checked against the registry here, as a verdict is.
    report = Report.from_dict(json.loads(lines[0]))
    given = {r.exercise: r for r in report.results}
    report.chapter = chapter
    report.results = [trusted(given[label]) if label in given else ExerciseResult(
        label, Status.MISSING, "the container's report has no verdict on it",
        exercises.lookup(label).points) for label in labels]
    return report


def _container_command(path: Path, chapter: str | None, cell_timeout: int, timeout: float,
                       book_dir: Path | None, isolation: Isolation,
                       box: isolation_tools.Sandbox) -> tuple[str, str, list[str]]:
    """The engine, the container's name and the command that grades ``path`` in it (no
    network, the memory limit). Only the sandbox is mounted writable; the book (the host's,
    named by ``--book``: inside an image the package has no book beside it) and the IMDB
    archive read-only; nothing of the class's folders or of the instructor's cache (the
    sandbox holds a copy)."""
    env = {name: value for name, value in box.env(os.environ).items()
           if os.environ.get(name) != value or name.startswith(("LESSONS_", "TF_"))}
    book = (book_dir or BOOK_DIR).resolve()
    mounts = [(box.root, box.root, False), *([(book, book, True)] if book.is_dir() else [])]
    archive = env.get(ARCHIVE_ENV) or os.environ.get(ARCHIVE_ENV)
    if archive and Path(archive).is_file():
        mounts.append((Path(archive).parent.resolve(), Path(archive).parent.resolve(), True))
    engine = isolation_tools.find_engine(isolation.engine)
    name = f"lessons-{box.root.name}"  # lessons-grade-<student>-<random>: unique, recognisable
    command = [*isolation_tools.container_argv(engine, isolation.container, mounts,
                                               isolation.memory_limit, path.parent, env, name),
               "python", "-m", "lessons_lib.tooling.grade", "--inside-container",
               "--cell-timeout", str(cell_timeout), "--timeout", str(timeout),
               *(["--chapter", chapter] if chapter else []), "--book", str(book), str(path)]
    return engine, name, command


def _inside_container(args: argparse.Namespace) -> int:
    """In the container: grade one notebook with the environment the host set, and print the
    report behind the token read from stdin, on a stdout no other code writes to."""
    token = sys.stdin.readline().strip()
    channel = verdicts.private_stdout()
    path = Path(args.notebooks[0]).absolute()
    try:
        nb = read_submission(path)
    except ValueError as exc:
        report = Report(notebook=str(path), chapter=args.chapter,
                        execution=Execution.NOT_RUN, detail=str(exc))
    else:
        chapter = args.chapter or chapter_of(nb, path, exercises.chapters())
        answers = os.environ.get(ANSWERS_ENV)
        report = grade(nb, str(path), chapter, args.cell_timeout, args.timeout, path.parent,
                       book_dir=args.book, env=dict(os.environ),
                       answers=Path(answers) if answers else None,
                       sandbox_root=Path(answers).parent if answers else None)
    channel.write(token + json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    channel.flush()
    return 0


def grade_files(paths: list[Path], chapter: str | None = None, cell_timeout: int = CELL_TIMEOUT,
                timeout: float = NOTEBOOK_TIMEOUT, save_dir: Path | None = None,
                jobs: int = 1, book_dir: Path | None = None,
                isolation: Isolation | None = None,
                progress: TextIO | None = None) -> list[Report]:
    """:func:`grade_file` for each path, each in a process of its own, ``jobs`` at a time; the
    reports in the paths' order.

    A process per submission, not a pool: a notebook whose code kills its grading process
    (``os.kill(os.getppid(), 9)`` from the kernel) loses only its own report, which says so,
    and what it left running is killed. Each process is a fresh interpreter ("spawn": no
    kernel or event loop inherited) that imports, from their files, the modules of the checks
    its chapter has outside ``lessons_lib`` (checks registered only in a notebook or a
    function of the calling process are unknown there). The sandboxes go into one run folder
    (:func:`lessons_lib.tooling.isolation.run_folder`), a subfolder per submission.
    ``progress`` (a stream: stderr, say) gets one line per finished notebook.
    """
    isolation = isolation or Isolation()
    if jobs < 1:
        raise ValueError(f"expected at least 1 job, got {jobs}")
    paths = [Path(p) for p in paths]
    saved_in = _save_folders(paths, save_dir)
    compile_package()
    package = package_fingerprint()
    reports: dict[int, Report] = {}
    with run_folder(isolation.parent) as run:
        waiting = list(enumerate(paths))
        running: dict[int, _Worker] = {}
        while waiting or running:
            while waiting and len(running) < jobs:
                index, path = waiting.pop(0)
                folder = run / f"{index:04d}"
                folder.mkdir()
                running[index] = _Worker.start(
                    path, folder, (path, chapter, cell_timeout, timeout, saved_in[index],
                                   book_dir, replace(isolation, parent=folder)))
            multiprocessing.connection.wait([handle for worker in running.values()
                                             for handle in worker.handles])
            for index, worker in list(running.items()):
                report = worker.report()
                if report is not None:
                    reports[index] = report
                    del running[index]
                    _announce(progress, len(reports), len(paths), worker, report)
            if package_fingerprint() != package:
                _stop_the_rest(running, waiting, reports, chapter)
                break
    return [reports[index] for index in range(len(paths))]


def _stop_the_rest(running: dict[int, _Worker], waiting: list[tuple[int, Path]],
                   reports: dict[int, Report], chapter: str | None) -> None:
    """A submission rewrote the grader's own checks: no later verdict can be trusted. Stop
    the notebooks being graded, grade no other, and say why in every report."""
    why = (f"lessons_lib ({PACKAGE_DIR}) was changed while the class was graded, by the code "
           "of a notebook graded until then; restore it (git checkout, or reinstall) and grade "
           "again, with --container")
    for index, worker in running.items():
        reports[index] = worker.stop(why)
    for index, path in waiting:
        reports[index] = Report(notebook=str(path.absolute()), chapter=chapter,
                                execution=Execution.NOT_RUN, detail=why)
    for report in reports.values():
        report.warnings.append(why)


def _announce(progress: TextIO | None, count: int, total: int, worker: _Worker,
              report: Report) -> None:
    """One line on ``progress`` for a finished notebook: which, its points, how long."""
    if progress is None:
        return
    seconds = time.perf_counter() - worker.started
    how = "" if report.execution is Execution.COMPLETED else f", {report.execution}"
    print(f"graded {count}/{total}: {worker.path} {_points(report.score)}/"
          f"{_points(report.out_of)} points ({seconds:.0f} s{how})", file=progress, flush=True)


PACKAGE_DIR = Path(exercises.__file__).resolve().parents[1]


def compile_package(package: Path | None = None) -> None:
    """Write the ``.pyc`` of every module of the installed ``lessons_lib`` that lacks an
    up-to-date one, before its fingerprint is taken: the grader's own processes that import
    it later then write none (the kernels and verdict processes write none at all:
    ``PYTHONDONTWRITEBYTECODE``, ``-B``), so a ``.pyc`` that changes is a submission's doing.
    A package the grading user cannot write to is left as it is."""
    compileall.compile_dir(package or PACKAGE_DIR, quiet=2)


def package_fingerprint(package: Path | None = None) -> str:
    """A SHA-256 of every file of the installed ``lessons_lib`` (the checks the verdicts run),
    the ``.pyc`` files of its ``__pycache__`` folders among them (Python runs a ``.pyc`` that
    claims to match its source): a submission's code runs as the grading user and could
    rewrite them for every later one."""
    package = package or PACKAGE_DIR
    digest = hashlib.sha256()
    for file in sorted(package.rglob("*")):
        cached = "__pycache__" in file.relative_to(package).parts
        if not file.is_file() or (cached and file.suffix != ".pyc"):
            continue
        digest.update(str(file.relative_to(package)).encode() + b"\0")
        try:
            digest.update(file.read_bytes())
        except FileNotFoundError:
            digest.update(b"\0gone")
    return digest.hexdigest()


def _save_folders(paths: list[Path], save_dir: Path | None) -> list[Path | None]:
    """Where each executed copy goes: ``save_dir`` mirrors the notebooks' folders below the
    one they share, so ``alice/06_training.ipynb`` and ``bob/06_training.ipynb`` stay two."""
    if save_dir is None:
        return [None] * len(paths)
    folders = [path.absolute().parent for path in paths]
    common = Path(os.path.commonpath(folders)) if folders else Path()
    return [save_dir / folder.relative_to(common) for folder in folders]


@dataclass
class _Worker:
    """One submission's grading process, the end of the pipe its report comes back on, and
    the folder its sandbox is in."""

    process: multiprocessing.process.BaseProcess
    receiver: multiprocessing.connection.Connection
    path: Path
    chapter: str | None
    book_dir: Path | None
    folder: Path
    started: float = field(default_factory=time.perf_counter)

    @classmethod
    def start(cls, path: Path, folder: Path, args: tuple[Any, ...]) -> _Worker:
        """Start grading ``path`` (``args`` for :func:`grade_file`) in a fresh process."""
        context = multiprocessing.get_context("spawn")
        receiver, sender = context.Pipe(duplex=False)
        modules = _outside_checks(path, args[1])
        process = context.Process(target=_grade_in_child, args=(sender, modules, args),
                                  name=f"grade {path.name}", daemon=True)
        process.start()
        sender.close()  # the child holds the only writing end: its death is our EOF
        return cls(process, receiver, path, args[1], args[5], folder)

    @property
    def handles(self) -> list[Any]:
        """What to wait on: a report arriving, or the process ending."""
        return [self.receiver, self.process.sentinel]

    def stop(self, why: str) -> Report:
        """Kill the process now; the report it sent already, else one that says ``why`` its
        exercises are missing."""
        self.process.kill()
        self.process.join()
        return self.report(why) or self._killed(why)

    def report(self, why: str | None = None) -> Report | None:
        """The report once the process gave one or died (``why``: what killed it, when it
        is known); ``None`` while it runs."""
        if not self.receiver.poll() and self.process.is_alive():
            return None
        try:
            data = self.receiver.recv()
        except (EOFError, OSError):
            data = None
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.receiver.close()
        if data is not None:
            return Report.from_dict(data)
        return self._killed(why)

    def _killed(self, why: str | None = None) -> Report:
        """The report of a process that died before giving one (``why``, else its exit
        status says): its exercises are missing, and what it left running is killed."""
        why = why or self._death()
        report = Report(notebook=str(self.path.absolute()), chapter=self.chapter,
                        execution=Execution.COULD_NOT_RUN, detail=why)
        report.warnings += _leftovers_warning(isolation_tools.stop_leftovers(self.folder))
        isolation_tools.remove_tree(self.folder)
        try:
            nb = read_submission(self.path)
        except ValueError:
            return report
        report.chapter = self.chapter or chapter_of(nb, self.path, exercises.chapters())
        report.results = [ExerciseResult(label, Status.MISSING, f"not graded: {why}",
                                         exercises.lookup(label).points)
                          for label in exercises.exercises_for(report.chapter or "")]
        return report

    def _death(self) -> str:
        """How the process ended, in words, from its exit status."""
        code = self.process.exitcode
        if not (code and code < 0):
            return f"the grading process ended (exit status {code}) without a report"
        why = "the grading process was killed (its code may have done it)"
        return why + (f": {signal.Signals(-code).name}" if -code in signal.valid_signals()
                      else "")


def _outside_checks(path: Path, chapter: str | None) -> dict[str, str]:
    """The modules (name to file) of the checks of ``path``'s chapter that are registered
    outside ``lessons_lib``: a fresh grading process imports them to know those checks."""
    try:
        chapter = chapter or chapter_of(read_submission(path), path, exercises.chapters())
    except ValueError:
        return {}
    modules = {}
    for label in exercises.exercises_for(chapter) if chapter else []:
        file = _checks_file(label)
        if file is not None:
            modules[exercises.lookup(label).check.__module__] = str(file)
    return modules


def _grade_in_child(sender: Any, modules: dict[str, str], args: tuple[Any, ...]) -> None:
    """In a grading process: import the checks' ``modules``, grade, send the report back.
    Its file descriptor 1 points at stderr first, so that nothing it starts (the kernel, the
    student's code) writes into the grader's stdout; the report goes back over the pipe."""
    verdicts.stdout_to_stderr()
    path = args[0]
    try:
        for name, file in modules.items():
            if name not in sys.modules:
                spec = importlib.util.spec_from_file_location(name, file)
                if spec is None or spec.loader is None:
                    raise ImportError(f"cannot import the checks module {name} from {file}")
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
        report = grade_file(*args)
    except Exception as exc:  # noqa: BLE001 - a grading failure is a result, not a crash
        report = Report(notebook=str(Path(path).absolute()), chapter=args[1],
                        execution=Execution.COULD_NOT_RUN,
                        detail=f"the grading process failed: {type(exc).__name__}: {exc}")
    sender.send(report.to_dict())
    sender.close()


# --- reporting -----------------------------------------------------------------------------


def format_report(report: Report) -> str:
    """A report as a table: one line per exercise, then the score."""
    ended = f"{report.execution}: {report.detail}" if report.detail else str(report.execution)
    lines = [f"{report.notebook} (chapter {report.chapter or '?'}): {ended}"]
    width = max([len(r.exercise) for r in report.results] + [8])
    for r in report.results:
        feedback = " ".join(r.feedback.split())
        lines.append(f"  {r.exercise:<{width}}  {r.status:<13}  {feedback}")
    lines += [f"  {label:<{width}}  written part:  {text or '(nothing written)'}"
              for label, text in report.written.items()]
    lines += [f"  ! {e}" for e in report.cell_errors]
    lines += [f"  ? suspicious: {w}" for w in report.warnings]
    lines.append(f"  score: {_points(report.score)}/{_points(report.out_of)}")
    return "\n".join(lines)


def _points(value: float) -> str:
    """Points as a person writes them: ``2``, ``1.5``, ``0.33``."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def main(argv: list[str] | None = None) -> int:
    """Command line: grade the notebooks given; exit 0 only when every exercise passed."""
    parser = _parser()
    args = parser.parse_args(argv)
    _check_arguments(parser, args)
    if args.inside_container:
        return _inside_container(args)
    if args.chapter and not exercises.exercises_for(args.chapter):
        print(f"--chapter {args.chapter}: no such chapter with exercises; expected one of "
              f"{', '.join(exercises.chapters())}", file=sys.stderr)
        return 2
    isolation = Isolation(args.memory_limit, args.seed_cache, args.container, args.engine)
    started = time.perf_counter()
    reports = grade_files(args.notebooks, args.chapter, args.cell_timeout, args.timeout,
                          args.save_executed, args.jobs, args.book, isolation,
                          progress=sys.stderr)
    _name_students(args, reports)
    print_reports(reports, args.json)
    try:  # after the reports are out: a gradebook that cannot be written loses none of them
        gradebook.write_outputs(args, reports, time.perf_counter() - started)
    except ValueError as exc:
        print(f"grade: {exc}", file=sys.stderr)
        return 2
    return _exit_status(reports, args.expect)


def _parser() -> argparse.ArgumentParser:
    """The command line's options."""
    parser = argparse.ArgumentParser(prog="python -m lessons_lib.tooling.grade",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="the notebooks to grade (default: those --roster lists)")
    parser.add_argument("--json", action="store_true", help="print the reports as JSON")
    parser.add_argument("--chapter", help="grade as this chapter, whatever the file says")
    parser.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT,
                        help=f"seconds one cell may run before it is interrupted ({CELL_TIMEOUT})")
    parser.add_argument("--timeout", type=float, default=NOTEBOOK_TIMEOUT,
                        help="seconds a whole notebook may run before its kernel is killed "
                        f"({NOTEBOOK_TIMEOUT}; the verdicts after it are not counted)")
    parser.add_argument("--expect", choices=STATUSES, metavar="STATUS",
                        help="exit 0 only when every exercise has this status and no other "
                        "cell raised (e.g. 'not attempted' for the student edition)")
    parser.add_argument("--save-executed", type=Path, metavar="DIR",
                        help="also write each executed notebook to DIR, for reading feedback")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="grade N notebooks at a time, each in a process of its own (1)")
    parser.add_argument("--memory-limit", type=int, default=4096, metavar="MB",
                        help="stop a notebook whose processes use more than MB of memory "
                        "(4096; 0: no limit)")
    parser.add_argument("--seed-cache", type=Path, metavar="DIR",
                        help="the cache each sandbox gets a copy of (default: the "
                        "instructor's, LESSONS_CACHE_DIR or ~/.cache/lessons_lib)")
    parser.add_argument("--container", metavar="IMAGE",
                        help="grade each notebook inside a container of IMAGE (which has "
                        "lessons_lib installed), with no network")
    parser.add_argument("--engine", choices=isolation_tools.ENGINES,
                        help="the container engine (default: docker, else podman)")
    parser.add_argument("--inside-container", action="store_true", help=argparse.SUPPRESS)
    gradebook.add_arguments(parser)
    parser.add_argument("--book", type=Path, metavar="DIR",
                        help="the book's chapters, whose check cells the submissions' are "
                        f"compared with ({BOOK_DIR})")
    return parser


def _check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Stop with ``parser.error`` (a sentence, exit status 2) on options that cannot work;
    fill in the notebooks from ``--roster``."""
    if args.jobs < 1:
        parser.error(f"--jobs must be 1 or more, got {args.jobs}")
    if args.memory_limit < 0:
        parser.error(f"--memory-limit must be 0 (none) or more MB, got {args.memory_limit}")
    if not args.timeout > 0 or not args.cell_timeout > 0:  # also refuses NaN
        parser.error(f"--timeout and --cell-timeout must be more than 0 seconds, got "
                     f"{args.timeout:g} and {args.cell_timeout}")
    if args.inside_container:
        return
    if args.seed_cache is not None and not args.seed_cache.is_dir():
        parser.error(f"--seed-cache {args.seed_cache}: no such folder; give the instructor's "
                     "cache folder (LESSONS_CACHE_DIR, ~/.cache/lessons_lib), or leave "
                     "--seed-cache out")
    try:
        if args.container:
            isolation_tools.find_engine(args.engine)
        if not args.notebooks and args.roster is not None:
            args.notebooks = gradebook.roster_notebooks(args.roster)
        if not args.notebooks:
            parser.error("no notebook to grade: name the notebooks, or give --roster with "
                         "their paths")
        gradebook.check_roster(args, args.notebooks)
    except ValueError as exc:
        parser.error(str(exc))


def _name_students(args: argparse.Namespace, reports: list[Report]) -> None:
    """Give each report its student before the reports are printed (``--json`` carries
    them); a roster that cannot is left for the gradebook to report."""
    try:
        roster = gradebook.read_roster(args.roster) if args.roster is not None else None
        gradebook.assign_students(reports, roster)
    except ValueError:
        return


def print_reports(reports: list[Report], as_json: bool) -> None:
    """The reports on stdout: as JSON, or as tables followed by the class's totals."""
    if as_json:
        print(json.dumps([r.to_dict() for r in reports], indent=2, ensure_ascii=False))
        return
    print("\n\n".join(format_report(r) for r in reports))
    total = sum(len(r.results) for r in reports)
    print(f"\n{len(reports)} notebook(s): {sum(r.passed for r in reports)}/{total} "
          f"exercises passed, {_points(sum(r.score for r in reports))}/"
          f"{_points(sum(r.out_of for r in reports))} points")


def _exit_status(reports: list[Report], expect: str | None) -> int:
    """0 when every exercise passed (``expect``: every notebook graded, every exercise with
    that status, no other cell raised; each notebook that is not says why on stderr), else 1."""
    if not expect:
        return 0 if all(r.all_passed for r in reports) else 1
    unexpected = [r for r in reports if not r.all_are(expect)]
    for r in unexpected:
        why = f"{r.execution}: {r.detail}" if not r.results else \
            f"not every exercise is {expect!r} or another cell raised"
        print(f"{r.notebook}: {why}", file=sys.stderr)
    return 0 if reports and not unexpected else 1


if __name__ == "__main__":
    sys.exit(main())
