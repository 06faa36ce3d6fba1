"""The grader on a fake chapter: right, wrong, stub, raising, looping and tampered notebooks.

The fake chapter ``99_fake`` has two exercises whose checks live in ``fake_checks.py``, written
next to the notebooks: the kernel imports it from there, and this test registers the same
checks in its own process, where the grader looks up which exercises the chapter has.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import psutil
import pytest

from lessons_lib import exercises
from lessons_lib.tooling import grade, notebooks

CHAPTER = "99_fake"
CHECKS = '''
from lessons_lib.exercises import ExerciseFailed, call_student, exercise, expect_answer


@exercise("ex-fake-add", chapter="99_fake")
def _check_add(add):
    got = call_student(add, 2, 3)
    if got != 5:
        raise ExerciseFailed(f"expected add(2, 3) to be 5, got {got!r}")
    return "add(2, 3) is 5"


@exercise("ex-fake-value", chapter="99_fake")
def _check_value(value):
    value = expect_answer(value)
    if value != 42:
        raise ExerciseFailed(f"expected 42, got {value!r}")
    return "42 it is"
'''
STUB = {"ex-fake-add": "def add(a, b):\n    # YOUR CODE HERE\n    raise NotImplementedError",
        "ex-fake-value": "value = None  # YOUR CODE HERE"}
SOLUTION = {"ex-fake-add": "def add(a, b):\n    return a + b", "ex-fake-value": "value = 42"}
ANSWER = {"ex-fake-add": "add", "ex-fake-value": "value"}


WRITTEN_PART = "**For your instructor** (no check reads this): why 42?\n\n*Your answer:*"


def fake_chapter(solutions: dict[str, str] | None = None, between: str | None = None,
                 drop_check: str | None = None, written: str = "") -> nbformat.NotebookNode:
    """The fake chapter in the layout of CONTRIBUTING.md (``solutions`` replace the book's);
    ex-fake-value has a written part, answered with ``written``."""
    solutions = {**SOLUTION, **(solutions or {})}
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [md("# A fake chapter\n\nWhat you will learn: nothing."),
             code("from lessons_lib.exercises import check\n\nimport fake_checks  # noqa: F401")]
    if between:
        cells.append(code(between))
    for label in SOLUTION:
        cells += [
            md(f"```{{exercise-start}}\n:label: {label}\n```\nDo {label}."),
            code(STUB[label]),
            *([md(f"{WRITTEN_PART} {written}".rstrip())] if label == "ex-fake-value" else []),
            md("```{exercise-end}\n```"),
            md(f"```{{solution-start}} {label}\n:class: dropdown\n```"),
            code(solutions[label]),
            md("```{solution-end}\n```"),
        ]
        if label != drop_check:
            cells.append(code(f'check("{label}", {ANSWER[label]})'))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder holding ``fake_checks.py``, whose checks are registered here too (for a while)."""
    path = tmp_path_factory.mktemp("fake_chapter")
    (path / "fake_checks.py").write_text(CHECKS)
    sys.path.insert(0, str(path))
    importlib.import_module("fake_checks")
    yield path
    for label in exercises.exercises_for(CHAPTER):
        del exercises._REGISTRY[label]
    del sys.modules["fake_checks"]
    sys.path.remove(str(path))


def run(workdir: Path, nb: nbformat.NotebookNode, name: str, **kwargs) -> grade.Report:
    path = workdir / f"{name}.ipynb"
    nbformat.write(nb, path)
    return grade.grade_file(path, chapter=CHAPTER, **kwargs)


def statuses(report: grade.Report) -> dict[str, str]:
    return {r.exercise: r.status for r in report.results}


def test_full_edition_passes_every_exercise(workdir: Path) -> None:
    report = run(workdir, fake_chapter(), "full")
    assert report.execution == "completed"
    assert statuses(report) == {"ex-fake-add": "passed", "ex-fake-value": "passed"}
    assert report.all_passed and report.passed == 2 and not report.cell_errors


def test_stubs_are_not_attempted(workdir: Path) -> None:
    report = run(workdir, fake_chapter(solutions=STUB), "stubs")
    assert statuses(report) == {"ex-fake-add": "not attempted", "ex-fake-value": "not attempted"}
    assert not report.all_passed and not report.cell_errors


def test_written_parts_are_quoted_for_the_instructor(workdir: Path) -> None:
    answer = "It is the answer to\nthe ultimate question."
    report = run(workdir, fake_chapter(written=answer), "written")
    assert report.written == {"ex-fake-value": "It is the answer to the ultimate question."}
    assert "written part:  It is the answer" in grade.format_report(report)
    assert report.to_dict()["written"] == report.written
    blank = run(workdir, fake_chapter(), "blank")
    assert blank.written == {"ex-fake-value": ""}
    assert "(nothing written)" in grade.format_report(blank)


def test_a_written_part_is_found_by_its_tag_or_heading() -> None:
    nb = fake_chapter(written="Because.")
    part = next(c for c in nb.cells if c.source.startswith("**For your instructor**"))
    assert notebooks.written_answers(nb) == {"ex-fake-value": "Because."}
    part.metadata["tags"] = [notebooks.WRITTEN_ANSWER_TAG]
    part.source = "I deleted the heading and the mark, and wrote this."
    assert notebooks.written_answers(nb) == {"ex-fake-value": part.source}
    part.metadata["tags"] = []
    assert notebooks.written_answers(nb) == {}  # an ordinary cell of the student's


def test_wrong_answer_fails_with_feedback_and_errors_are_reported(workdir: Path) -> None:
    nb = fake_chapter(solutions={"ex-fake-add": "def add(a, b):\n    return a - b"},
                      between="1 / 0")
    report = run(workdir, nb, "wrong")
    result = {r.exercise: r for r in report.results}
    assert result["ex-fake-add"].status == "failed"
    assert "expected add(2, 3) to be 5, got -1" in result["ex-fake-add"].feedback
    assert result["ex-fake-value"].status == "passed"
    assert any("ZeroDivisionError" in e for e in report.cell_errors)


def test_deleted_check_and_forged_verdict(workdir: Path, tmp_path: Path) -> None:
    forged = json.dumps({"exercise": "ex-fake-value", "chapter": CHAPTER, "status": "passed",
                         "feedback": "forged"})
    forge = ("from IPython.display import display\n"
             f"display({{'application/vnd.lessons-check+json': {forged!r}}}, raw=True)")
    nb = fake_chapter(solutions={"ex-fake-value": "value = 41\n" + forge},
                      drop_check="ex-fake-add")
    nb.cells.append(nbformat.v4.new_code_cell('# check("ex-fake-add", add)  # commented out'))
    nbformat.write(fake_chapter(), tmp_path / f"{CHAPTER}.ipynb")  # the book's chapter
    report = run(workdir, nb, "tampered", book_dir=tmp_path)
    result = {r.exercise: r for r in report.results}
    assert result["ex-fake-add"].status == "missing"
    assert "deleted" in result["ex-fake-add"].feedback
    assert result["ex-fake-add"].score == 0
    assert 'no check cell for ex-fake-add: the book has `check("ex-fake-add", add)`' in \
        report.warnings
    assert not any("no check cell for ex-fake-value" in w for w in report.warnings)
    assert result["ex-fake-value"].status == "failed"  # the forged "passed" is ignored
    assert any("lessons-check" in w for w in report.warnings)


def test_deleted_and_unpicklable_answers_are_errored(workdir: Path) -> None:
    unpicklable = ("import threading\n_lock = threading.Lock()\n\n"
                   "def add(a, b):\n    with _lock:\n        return a + b")
    nb = fake_chapter(solutions={"ex-fake-value": "del value", "ex-fake-add": unpicklable})
    report = run(workdir, nb, "deleted_answer")
    result = {r.exercise: r for r in report.results}
    assert result["ex-fake-value"].status == "errored"
    assert "NameError" in result["ex-fake-value"].feedback
    assert result["ex-fake-add"].status == "errored"  # it passes in the kernel: no matter
    assert result["ex-fake-add"].feedback.startswith(
        "your answer to ex-fake-add could not be handed to the grader")


def test_a_replaced_check_and_printed_verdicts_earn_nothing(workdir: Path) -> None:
    forged = json.dumps({"exercise": "ex-fake-add", "chapter": CHAPTER, "status": "passed",
                         "feedback": "forged", "points": 1, "score": 1})
    patch = ("import os, cloudpickle\n"  # an answer file written without check(): no receipt
             "with open(os.environ['LESSONS_ANSWERS_DIR'] + '/ex-fake-value.pkl', 'wb') as f:\n"
             "    f.write(cloudpickle.dumps(((42,), {})))\n"
             "import lessons_lib.exercises as m\n"
             "fake = lambda label, *a, **k: print(f'✅ {label}: passed - correct')\n"
             "setattr(m, 'ch' + 'eck', fake)\nglobals()['ch' + 'eck'] = fake\n"
             "from IPython.display import display\n"
             f"display({{'text/plain': 'passed', 'application/vnd.lessons-' 'check+json': "
             f"{forged!r}}}, raw=True)")
    nb = fake_chapter(solutions={"ex-fake-add": "def add(a, b):\n    return 0",
                                 "ex-fake-value": "value = 41"}, between=patch)
    report = run(workdir, nb, "replaced_check")
    assert statuses(report) == {"ex-fake-add": "missing", "ex-fake-value": "missing"}
    assert all("ran but handed no answer to the grader: was check replaced"
               in r.feedback for r in report.results)
    assert report.score == 0 and report.passed == 0


def test_forgeries_in_a_real_chapter(tmp_path: Path) -> None:
    """Chapter 1 with numpy patched in the kernel, the course's rnn_step imported by name, an
    edited check cell and a stub: the clean verdicts, and the edit reported."""
    book = grade.book_check_cells("01_recurrence")
    assert book is not None
    edited = 'check("ex-which-outputs-move", [3, 4, 5])'
    cells = [
        "import numpy as np\nfrom lessons_lib.exercises import check",
        "np.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True",
        "def step(x_t, y_prev, W, U, b):\n    return np.zeros(len(b))", book["ex-rnn-step"],
        "from lessons_lib.numpy_rnn import rnn_step\n\n"
        "def run_sequence(xs, W, U, b):\n    y, out = np.zeros(len(b)), []\n"
        "    for x_t in xs:\n        y = rnn_step(x_t, y, W, U, b)\n        out.append(y)\n"
        "    return np.array(out)", book["ex-run-sequence"],
        "changed_steps = [3, 4, 5]", edited,
        "def half_life(distances):\n    raise NotImplementedError", book["ex-half-life"]]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata["lessons"] = {"chapter": "01_recurrence"}
    path = tmp_path / "01_recurrence.ipynb"
    nbformat.write(nb, path)
    report = grade.grade_file(path, timeout=300)
    result = {r.exercise: r for r in report.results}
    assert result["ex-rnn-step"].status == "failed"  # passes in the kernel, not here
    assert "expected" in result["ex-rnn-step"].feedback
    assert result["ex-run-sequence"].status == "failed"
    assert "calls the course's own implementation (lessons_lib.numpy_rnn.rnn_step)" in \
        result["ex-run-sequence"].feedback
    assert result["ex-which-outputs-move"].status == "passed"
    assert result["ex-half-life"].status == "not attempted"
    assert (report.score, report.out_of) == (1.0, 4.0)
    edits = [w for w in report.warnings if "was edited" in w]
    assert len(edits) == 1 and "ex-which-outputs-move" in edits[0]
    assert book["ex-which-outputs-move"] in edits[0] and edited in edits[0]


def test_edited_check_cells_are_compared_with_the_book(tmp_path: Path) -> None:
    nb = fake_chapter()
    assert grade.edited_checks(nb, CHAPTER, tmp_path) == [
        f"the check cells could not be compared with the book's: "
        f"{tmp_path / '99_fake.ipynb'} is not there"]
    nbformat.write(fake_chapter(), tmp_path / "99_fake.ipynb")
    assert grade.edited_checks(nb, CHAPTER, tmp_path) == []
    nb.cells[-1].source = "check( 'ex-fake-value',  value )  # same call, other spelling"
    assert grade.edited_checks(nb, CHAPTER, tmp_path) == []
    nb.cells[-1].source = "from lessons_lib.exercises import check\ncheck('ex-fake-value', value)"
    assert grade.edited_checks(nb, CHAPTER, tmp_path) == []
    nb.cells[-1].source = "import numpy\ncheck('ex-fake-value', value)"
    assert "ex-fake-value, was edited" in grade.edited_checks(nb, CHAPTER, tmp_path)[0]
    nb.cells[-1].source = "check('ex-fake-value', 42)"
    [warning] = grade.edited_checks(nb, CHAPTER, tmp_path)
    assert "check cell of ex-fake-value, was edited" in warning
    assert "check(\"ex-fake-value\", value)" in warning and "check('ex-fake-value', 42)" in warning


def test_endless_loop_is_interrupted_and_grading_goes_on(workdir: Path) -> None:
    nb = fake_chapter(solutions={"ex-fake-add": "while True:\n    pass"})
    report = run(workdir, nb, "loop", cell_timeout=3, timeout=120)
    assert statuses(report) == {"ex-fake-add": "not attempted", "ex-fake-value": "passed"}


def test_notebook_time_limit_kills_the_kernel(workdir: Path) -> None:
    # A loop the interrupt cannot stop (it swallows KeyboardInterrupt): only the limit can.
    stubborn = ("import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
                "    except KeyboardInterrupt:\n        pass")
    nb = fake_chapter(between=stubborn)
    report = run(workdir, nb, "stubborn", cell_timeout=2, timeout=12)
    assert report.execution.startswith("timed out")
    assert statuses(report) == {"ex-fake-add": "missing", "ex-fake-value": "missing"}
    assert "stopped before it" in report.results[0].feedback


def test_dead_kernel_is_reported(workdir: Path) -> None:
    nb = fake_chapter(between="import os\nos._exit(1)")
    report = run(workdir, nb, "dead", timeout=120)
    assert report.execution.startswith("kernel died")
    assert set(statuses(report).values()) == {"missing"}


def test_chapter_comes_from_metadata_then_file_name() -> None:
    known = ["02_numpy_rnn", "06_training"]
    nb = nbformat.v4.new_notebook()
    assert grade.chapter_of(nb, Path("06_training.ipynb"), known) == "06_training"
    assert grade.chapter_of(nb, Path("alice-06_training (1).ipynb"), known) == "06_training"
    assert grade.chapter_of(nb, Path("homework.ipynb"), known) is None
    nb.metadata["lessons"] = {"chapter": "02_numpy_rnn"}
    assert grade.chapter_of(nb, Path("homework.ipynb"), known) == "02_numpy_rnn"


def test_unknown_chapter_is_reported_not_run(tmp_path: Path) -> None:
    path = tmp_path / "homework.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    report = grade.grade_file(path)
    assert report.execution.startswith("not run") and not report.all_passed


def test_checked_labels_and_tampering() -> None:
    assert grade.checked_labels('check("ex-a", f)\nx = 1') == ["ex-a"]
    assert grade.checked_labels("%time check('ex-b', g)\nprint(1)") == []
    assert grade.checked_labels("def check(x): pass") == []
    assert grade.tampering("check = lambda *a: None") == ["rebinds 'check'"]
    assert grade.tampering("x = 1") == []


def test_command_line_json_and_exit_status(workdir: Path, capsys: pytest.CaptureFixture) -> None:
    path = workdir / "99_fake.ipynb"
    nbformat.write(fake_chapter(solutions={"ex-fake-value": "value = 7"}), path)
    assert grade.main([str(path), "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data[0]["score"] == 1 and data[0]["out_of"] == 2
    assert data[0]["results"][1]["feedback"] == "expected 42, got 7"
    assert grade.main([str(path), "--expect", "failed"]) == 1  # one passed, one failed
    nbformat.write(fake_chapter(), path)
    assert grade.main([str(path)]) == 0
    assert "score: 2/2" in capsys.readouterr().out
    assert grade.main([str(path), "--expect", "passed"]) == 0
    assert grade.main([str(path), "--expect", "not attempted"]) == 1


def test_kernel_runs_this_python_whatever_kernels_are_registered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A user-level "python3" kernel pointing at a Python that does not exist.
    spec_dir = tmp_path / "data" / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "elsewhere", "language": "python"}))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JUPYTER_PREFER_ENV_PATH", "0")  # the user's kernels win, as outside a venv
    from jupyter_client.kernelspec import KernelSpecManager
    assert KernelSpecManager().get_kernel_spec("python3").argv[0] == "/nonexistent/python"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys\nprint(sys.executable)")])
    assert grade.execute(nb, tmp_path, cell_timeout=60, timeout=120)[0] == "completed"
    assert nb.cells[0].outputs[0]["text"].strip() == sys.executable


def test_a_chapter_without_exercises_is_nothing_to_grade(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    nb.metadata["lessons"] = {"chapter": "00_no_exercises"}
    path = tmp_path / "00_no_exercises.ipynb"
    nbformat.write(nb, path)
    book = tmp_path / "book"
    book.mkdir()
    assert grade.grade_file(path).execution == "not run"  # not a chapter of this book
    nbformat.write(nb, book / "00_no_exercises.ipynb")
    report = grade.grade_file(path, book_dir=book)
    assert report.execution.startswith("nothing to grade") and not report.all_passed
    assert grade.main([str(path), "--book", str(book)]) == 1  # grading it is a mistake...
    capsys.readouterr()
    # ...and under --expect too: checking the book's editions must grade something.
    assert grade.main([str(path), "--book", str(book), "--expect", "passed"]) == 1
    assert "nothing to grade" in capsys.readouterr().err
    assert grade.main([str(path), "--chapter", "99_nope", "--expect", "passed"]) == 2
    assert "--chapter 99_nope: no such chapter" in capsys.readouterr().err


@pytest.mark.parametrize("content, why", [
    ('{"name": "not a notebook", "version": 1}', 'this JSON has no "cells" and "nbformat"'),
    ("print('hello')", "this is not JSON"),
    (None, "this is a folder"),
    ("", "this is not JSON"),
])
def test_a_file_that_is_not_a_notebook_gets_one_plain_sentence(tmp_path: Path, content: str,
                                                               why: str) -> None:
    path = tmp_path / "99_fake.ipynb"
    if content is None:
        path.mkdir()
    else:
        path.write_text(content)
    report = grade.grade_file(path, chapter=CHAPTER)
    assert report.execution == "not run" and not report.results
    assert report.detail.startswith('99_fake.ipynb is not a Jupyter notebook: expected a .ipynb '
                                    'file saved by Jupyter (JSON with "cells" and "nbformat"); ')
    assert why in report.detail and "\n" not in report.detail
    assert "converted" not in report.detail  # not nbformat's "from version 1 to version 2"
    missing = grade.grade_file(tmp_path / "nothing.ipynb", chapter=CHAPTER)
    assert missing.detail.endswith("there is no such file")


def _chapter_one(steps: str) -> nbformat.NotebookNode:
    """A hand-in of chapter 1's three exercises, the last answered with ``steps``."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "import numpy as np\nfrom lessons_lib.exercises import check",
        "def step(x_t, y_prev, W, U, b):\n    return np.tanh(W @ x_t + U @ y_prev + b)",
        'check("ex-rnn-step", step)',
        "def run_sequence(xs, W, U, b):\n    y, out = np.zeros(len(b)), []\n"
        "    for x_t in xs:\n        y = step(x_t, y, W, U, b)\n        out.append(y)\n"
        "    return np.array(out)",
        'check("ex-run-sequence", run_sequence)',
        f"steps = {steps}", 'check("ex-which-outputs-move", steps)')])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["lessons"] = {"chapter": "01_recurrence"}
    return nb


def test_jobs_grade_notebooks_side_by_side_in_order(tmp_path: Path) -> None:
    paths = []
    for name, steps in (("alice", "[3, 4, 5]"), ("bob", "[3]"), ("carol", "[4, 5, 3]")):
        (tmp_path / name).mkdir()
        paths.append(tmp_path / name / "01_recurrence.ipynb")
        nbformat.write(_chapter_one(steps), paths[-1])
    reports = grade.grade_files(paths, jobs=2, timeout=300)
    assert [r.notebook for r in reports] == [str(p) for p in paths]
    assert [r.passed for r in reports] == [3, 2, 3]
    assert statuses(reports[1])["ex-which-outputs-move"] == "failed"
    assert all(r.execution == "completed" for r in reports)


def test_a_notebook_that_kills_its_grading_process_takes_no_neighbour_down(
        workdir: Path) -> None:
    """The red team's attack: the kernel kills its parent, the grading worker. Graded with
    --jobs 2 beside an honest notebook, which is still graded; the killer's exercises are
    missing, its report says why, and its orphaned kernel is killed."""
    paths = []
    for name, between in (("killer", "import os\nos.kill(os.getppid(), 9)"), ("honest", None)):
        folder = workdir / name
        folder.mkdir()
        (folder / "fake_checks.py").write_text(CHECKS)
        paths.append(folder / f"{CHAPTER}.ipynb")
        nbformat.write(fake_chapter(between=between), paths[-1])
    killer, honest = grade.grade_files(paths, chapter=CHAPTER, jobs=2, timeout=120)
    assert honest.execution == "completed" and honest.all_passed and honest.score == 2
    assert killer.execution == "could not run"
    assert killer.detail.startswith("the grading process was killed (its code may have done it)")
    assert statuses(killer) == {"ex-fake-add": "missing", "ex-fake-value": "missing"}
    assert killer.score == 0 and killer.out_of == 2 and killer.notebook == str(paths[0])
    assert "left processes running: 1 killed" in killer.warnings  # its orphaned kernel
    assert not any("left processes" in w for w in honest.warnings)


def test_a_daemon_left_running_is_killed_before_the_verdicts(workdir: Path,
                                                             tmp_path: Path) -> None:
    """A detached process (its own session, so the kernel's shutdown misses it) that would
    keep writing into the sandboxes is killed, and the report says so."""
    pid_file = tmp_path / "daemon.pid"
    daemon = ("import subprocess, sys\n"
              "subprocess.Popen([sys.executable, '-c', 'import os, time\\n"
              f"open({json.dumps(str(pid_file))}, \"w\").write(str(os.getpid()))\\n"
              "while True: time.sleep(0.05)'], start_new_session=True)\n"
              "import time\ntime.sleep(1)")
    report = run(workdir, fake_chapter(between=daemon), "daemon", timeout=120)
    assert report.all_passed and not report.cell_errors
    assert "left processes running: 1 killed" in report.warnings
    pid = int(pid_file.read_text())
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_the_kernel_sees_its_own_folder_and_its_own_copy_of_the_cache(tmp_path: Path,
                                                                      workdir: Path) -> None:
    """It runs in a folder with a copy of the files beside its notebook (a data file, the
    checks) and no notebook at all (a neighbour listing /proc/*/cwd finds none); what it does
    to its cache stays there."""
    alice, bob, seed = tmp_path / "alice", tmp_path / "bob", tmp_path / "seed"
    for folder in (alice, bob, seed / "models"):
        folder.mkdir(parents=True)
    (alice / "fake_checks.py").write_text(CHECKS)
    (alice / "data.txt").write_text("beside")
    (alice / "draft.ipynb").write_text("{}")
    nbformat.write(fake_chapter(), bob / f"{CHAPTER}.ipynb")
    (seed / "models" / "lstm.npz").write_bytes(b"trained")
    manifest = {p: p.read_bytes() for p in seed.rglob("*") if p.is_file()}
    look = ("import os\nfrom pathlib import Path\n"
            "seen = sorted(os.listdir('.'))\n"
            "fine = (seen == ['data.txt', 'fake_checks.py']\n"
            "        and open('data.txt').read() == 'beside'\n"
            "        and not os.path.exists('../bob/99_fake.ipynb'))\n"
            "value = 42 if fine else seen\n"
            "cache = Path(os.environ['LESSONS_CACHE_DIR'])\n"
            "assert (cache / 'models' / 'lstm.npz').read_bytes() == b'trained'\n"
            "(cache / 'models' / 'lstm.npz').write_bytes(b'poisoned')\n"
            "(cache / 'models' / 'gru.npz').write_bytes(b'planted')")
    path = alice / f"{CHAPTER}.ipynb"
    nbformat.write(fake_chapter(solutions={"ex-fake-value": look}), path)
    report = grade.grade_file(path, chapter=CHAPTER, timeout=120,
                              isolation=grade.Isolation(seed_cache=seed))
    assert statuses(report) == {"ex-fake-add": "passed", "ex-fake-value": "passed"}, \
        report.results
    assert {p: p.read_bytes() for p in seed.rglob("*") if p.is_file()} == manifest
    assert not any("seed cache changed" in w for w in report.warnings)


def test_a_score_is_the_registrys_points_whatever_the_verdict_says(
        workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ex-fake-add.pkl").write_bytes(b"answer")
    cells = {"ex-fake-add": (3, True, "")}
    for sent, status, score in [
            ({"status": "passed", "points": 100, "score": 100}, "passed", 1.0),
            ({"status": "passed", "score": 0}, "passed", 1.0),
            ({"status": "failed", "points": 100, "score": 100}, "failed", 1.0),
            ({"status": "failed", "score": 0.5}, "failed", 0.5),
            ({"status": "failed", "score": -3}, "failed", 0.0),
            ({"status": "failed", "score": float("inf")}, "failed", 0.0),
            ({"status": "failed", "score": "lots"}, "failed", 0.0),
            ({"status": "not attempted", "score": 1}, "not attempted", 0.0),
            ({"status": "excellent", "score": 1}, "errored", 0.0)]:
        monkeypatch.setattr(grade.verdicts, "verdict_of", lambda *a, v=sent, **k: dict(v))
        result = grade._result("ex-fake-add", tmp_path, cells, {}, 10, [], "receipt")
        assert (result.status, result.points, result.score) == (status, 1.0, score), sent


def test_a_containers_report_is_checked_against_the_registry(
        workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What comes back from the container counts no more than a verdict: points from the
    registry, no exercise the chapter does not have, a missing one missing. Only the sandbox
    (and the book) is mounted, not the class's folder nor the seed."""
    forged = {"notebook": "x", "chapter": CHAPTER, "execution": "completed", "results": [
        {"exercise": "ex-fake-add", "status": "passed", "points": 50, "score": 50},
        {"exercise": "ex-bonus", "status": "passed", "points": 100, "score": 100}]}
    engine = tmp_path / "bin" / "docker"
    engine.parent.mkdir()
    engine.write_text(f"#!{sys.executable}\nimport json, os, sys\n"
                      "open(os.environ['ENGINE_LOG'], 'a').write(json.dumps(sys.argv) + '\\n')\n"
                      "if sys.argv[1] == 'info':\n    sys.exit(0)\n"
                      f"print(sys.stdin.readline().strip() + json.dumps({forged!r}))\n")
    engine.chmod(0o755)
    monkeypatch.setenv("PATH", f"{engine.parent}:{os.environ['PATH']}")
    monkeypatch.setenv("ENGINE_LOG", str(tmp_path / "engine.log"))
    path = workdir / "container" / f"{CHAPTER}.ipynb"
    path.parent.mkdir()
    nbformat.write(fake_chapter(), path)
    seed = tmp_path / "seed"
    seed.mkdir()
    report = grade.grade_file(path, chapter=CHAPTER, isolation=grade.Isolation(
        container="lessons:test", engine="docker", seed_cache=seed))
    assert report.notebook == str(path)
    assert [(r.exercise, r.status, r.points, r.score) for r in report.results] == [
        ("ex-fake-add", "passed", 1.0, 1.0), ("ex-fake-value", "missing", 1.0, 0.0)]
    assert (report.score, report.out_of) == (1.0, 2.0)
    run_argv = json.loads((tmp_path / "engine.log").read_text().splitlines()[-1])
    mounts = [run_argv[i + 1] for i, arg in enumerate(run_argv) if arg == "-v"]
    assert not any(m.startswith((str(path.parent), str(seed))) for m in mounts), mounts


STAND_IN_ENGINE = '''#!{python}
"""A stand-in for docker: `info` answers; `run [options] IMAGE CMD...` runs CMD here, in the
-w folder, with the -e variables (what the container would see), and logs its argv."""
import os, sys
args = sys.argv[1:]
with open(os.environ["ENGINE_LOG"], "a") as log:
    log.write(" ".join(args) + "\\n")
if args[0] in ("info", "rm"):
    sys.exit(0)
env, i = dict(os.environ), 1
while args[i].startswith("-"):
    if args[i] in ("--rm", "-i"):
        i += 1
        continue
    if args[i] == "-e":
        name, value = args[i + 1].split("=", 1)
        env[name] = value
    if args[i] == "-w":
        os.chdir(args[i + 1])
    i += 2
command = args[i + 1:]
if command[0] == "python":
    command[0] = sys.executable
os.execve(command[0], command, env)
'''


def test_container_mode_and_the_gradebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture) -> None:
    engine = tmp_path / "bin" / "docker"
    engine.parent.mkdir()
    engine.write_text(STAND_IN_ENGINE.format(python=sys.executable))
    engine.chmod(0o755)
    monkeypatch.setenv("PATH", f"{engine.parent}:{os.environ['PATH']}")
    monkeypatch.setenv("ENGINE_LOG", str(tmp_path / "engine.log"))
    paths = []
    for name, steps in (("alice", "[3, 4, 5]"), ("bob", "[3]")):
        (tmp_path / name).mkdir()
        paths.append(tmp_path / name / "01_recurrence.ipynb")
        nbformat.write(_chapter_one(steps), paths[-1])
    csv_file, scores = tmp_path / "class.csv", tmp_path / "gradescope"
    (tmp_path / "seed").mkdir()
    status = grade.main([*map(str, paths), "--container", "lessons:test", "--engine", "docker",
                         "--json", "--csv", str(csv_file), "--gradescope", str(scores),
                         "--seed-cache", str(tmp_path / "seed"), "--timeout", "300"])
    assert status == 1  # ex-half-life is missing from both
    data = json.loads(capsys.readouterr().out)
    assert [(r["student"], r["passed"], r["execution"]) for r in data] == [
        ("alice", 3, "completed"), ("bob", 2, "completed")]
    log = (tmp_path / "engine.log").read_text()
    assert "--network none" in log and "--memory 4096m" in log and "lessons:test" in log
    assert "--inside-container" in log
    # The book is the host's, named: inside an image lessons_lib has no book beside it.
    assert f"--book {grade.BOOK_DIR.resolve()} " in log and "--name lessons-grade-alice-" in log
    assert "\nrm " not in log  # both containers ended: nothing to remove
    rows = csv_file.read_text().splitlines()
    assert rows[0].startswith("student,") and len(rows) == 3
    assert (scores / "alice" / "results.json").is_file()


def test_a_container_past_its_time_is_removed(workdir: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Killing the engine's client leaves the container running: the grader removes it by
    name. Its time is the notebook's, plus each verdict's (here 1 s each), plus a margin."""
    engine = tmp_path / "bin" / "docker"
    engine.parent.mkdir()
    engine.write_text(f"#!{sys.executable}\nimport json, os, sys, time\n"
                      "open(os.environ['ENGINE_LOG'], 'a').write(json.dumps(sys.argv) + '\\n')\n"
                      "if sys.argv[1] not in ('info', 'rm'):\n    time.sleep(60)\n")
    engine.chmod(0o755)
    monkeypatch.setenv("PATH", f"{engine.parent}:{os.environ['PATH']}")
    monkeypatch.setenv("ENGINE_LOG", str(tmp_path / "engine.log"))
    monkeypatch.setattr(grade, "CONTAINER_MARGIN", 0.5)
    path = workdir / "slow-container" / f"{CHAPTER}.ipynb"
    path.parent.mkdir()
    nbformat.write(fake_chapter(), path)
    report = grade.grade_file(path, chapter=CHAPTER, cell_timeout=1, timeout=1,
                              isolation=grade.Isolation(container="lessons:test"))
    assert report.execution == "could not run"
    assert report.detail.startswith("the container ran past 3.5 s"), report.detail
    calls = [json.loads(line) for line in (tmp_path / "engine.log").read_text().splitlines()]
    run = next(call for call in calls if call[1] == "run")
    name = run[run.index("--name") + 1]
    assert calls[-1][1:] == ["rm", "-f", name] and name.startswith("lessons-grade-")
    assert run[run.index("--book") + 1] == str(grade.BOOK_DIR.resolve())


def test_no_notebook_and_no_roster_is_one_sentence(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as stopped:
        grade.main([])
    assert stopped.value.code == 2
    assert "no notebook to grade: name the notebooks, or give --roster" in \
        capsys.readouterr().err


@pytest.mark.parametrize("jobs, target", [(1, "source"), (2, "source"), (1, "pyc")])
def test_a_notebook_that_rewrites_the_checks_stops_the_grading_of_the_rest(
        workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int,
        target: str) -> None:
    """A submission's code runs as the grading user and could rewrite the installed checks (or
    their .pyc, which Python runs instead) for every later student: the grader notices the
    package changed, grades nobody after it and says so in every report. (A copy of a package
    stands in for lessons_lib.)"""
    package = tmp_path / "package"
    package.mkdir()
    (package / "checks.py").write_text("PASS = False\n")
    monkeypatch.setattr(grade, "PACKAGE_DIR", package)
    written = package / "checks.py" if target == "source" else \
        Path(importlib.util.cache_from_source(str(package / "checks.py")))  # grade_files writes it
    rewrite = f"open({str(written)!r}, 'w').write('PASS = True\\n')"
    asleep = "import time\ntime.sleep(60)" if jobs == 2 else None
    paths = []
    for name, between in (("mallory", rewrite), ("alice", asleep), ("bob", None)):
        folder = workdir / f"pkg-{name}-{jobs}-{target}"
        folder.mkdir()
        (folder / "fake_checks.py").write_text(CHECKS)
        paths.append(folder / f"{CHAPTER}.ipynb")
        nbformat.write(fake_chapter(between=between), paths[-1])
    reports = grade.grade_files(paths, chapter=CHAPTER, jobs=jobs, timeout=120)
    assert all(isinstance(r, grade.Report) for r in reports)
    # With two at a time, alice (asleep) is still being graded when mallory's report comes:
    # her grading is stopped, and her report says why.
    expected = ["completed", "not run"] if jobs == 1 else ["completed", "could not run"]
    assert [r.execution for r in reports] == [*expected, "not run"]
    assert all("was changed while the class was graded" in r.warnings[-1] for r in reports)
    assert "restore it" in reports[1].detail and "restore it" in reports[2].detail
    if jobs == 2:  # stopped midway: its exercises are missing, not silently absent
        assert statuses(reports[1]) == {"ex-fake-add": "missing", "ex-fake-value": "missing"}


def test_executed_copies_keep_each_student_s_folder(workdir: Path, tmp_path: Path) -> None:
    paths = []
    for name in ("ann", "ben"):
        folder = workdir / "class" / name
        folder.mkdir(parents=True)
        (folder / "fake_checks.py").write_text(CHECKS)
        paths.append(folder / f"{CHAPTER}.ipynb")
        nbformat.write(fake_chapter(), paths[-1])
    grade.grade_files(paths, chapter=CHAPTER, jobs=2, timeout=120, save_dir=tmp_path / "out")
    saved = sorted(p.relative_to(tmp_path / "out") for p in (tmp_path / "out").rglob("*.ipynb"))
    assert saved == [Path("ann", f"{CHAPTER}.ipynb"), Path("ben", f"{CHAPTER}.ipynb")]


def test_a_gradebook_that_cannot_be_written_loses_no_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    """Two notebooks of one student and chapter: the reports are out first, then the
    gradebook's sentence and exit status 2."""
    paths = [tmp_path / "a" / "alice" / f"{CHAPTER}.ipynb",
             tmp_path / "b" / "alice" / f"{CHAPTER}.ipynb"]
    reports = [grade.Report(str(path), CHAPTER, results=[
        grade.ExerciseResult("ex-fake-add", "passed", "", 1.0, 1.0)]) for path in paths]
    monkeypatch.setattr(grade, "grade_files", lambda *a, **k: reports)
    csv_file = tmp_path / "class.csv"
    assert grade.main([*map(str, paths), "--json", "--csv", str(csv_file)]) == 2
    said = capsys.readouterr()
    data = json.loads(said.out)
    assert [(r["notebook"], r["student"], r["score"]) for r in data] == [
        (str(paths[0]), "alice", 1.0), (str(paths[1]), "alice", 1.0)]
    assert "alice has two notebooks of chapter 99_fake" in said.err
    assert not csv_file.exists()


@pytest.mark.parametrize("options, said", [
    (["--seed-cache", "{tmp}/nothing"], "--seed-cache {tmp}/nothing: no such folder"),
    (["--timeout", "0"], "--timeout and --cell-timeout must be more than 0 seconds"),
    (["--timeout", "nan"], "--timeout and --cell-timeout must be more than 0 seconds"),
    (["--cell-timeout", "-5"], "--timeout and --cell-timeout must be more than 0 seconds"),
])
def test_options_that_cannot_work_are_refused_before_grading(
        tmp_path: Path, capsys: pytest.CaptureFixture, options: list[str], said: str) -> None:
    options = [option.format(tmp=tmp_path) for option in options]
    with pytest.raises(SystemExit) as stopped:
        grade.main([str(tmp_path / f"{CHAPTER}.ipynb"), *options])
    assert stopped.value.code == 2
    assert said.format(tmp=tmp_path) in capsys.readouterr().err


def test_what_a_notebook_writes_stays_out_of_the_graders_stdout_and_folder(
        workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture) -> None:
    """A kernel writing to file descriptor 1 (``--json > grades.json``) and an answer writing a
    file by a relative path, in the kernel and in the verdict's answer process: stdout is the
    JSON alone, the grader's folder stays empty, and stderr says how far the grading is."""
    path = workdir / "noisy" / f"{CHAPTER}.ipynb"
    path.parent.mkdir()
    (path.parent / "fake_checks.py").write_text(CHECKS)
    writes = "def add(a, b):\n    open('x.txt', 'w').write('x')\n    return a + b"
    nbformat.write(fake_chapter(solutions={"ex-fake-add": writes},
                                between="import os\nos.write(1, b'junk from the kernel')"), path)
    grader = tmp_path / "grader"
    grader.mkdir()
    monkeypatch.chdir(grader)
    capfd.readouterr()
    assert grade.main([str(path), "--json", "--timeout", "120"]) == 0
    out, err = capfd.readouterr()
    [report] = json.loads(out)
    assert report["all_passed"] and report["score"] == 2
    assert list(grader.iterdir()) == []
    assert f"graded 1/1: {path} 2/2 points (" in err


def test_warnings_quote_a_long_cell_on_one_short_line(tmp_path: Path) -> None:
    nbformat.write(fake_chapter(), tmp_path / f"{CHAPTER}.ipynb")
    nb = fake_chapter()
    nb.cells[-1].source = "check('ex-fake-value', value)\n" + "x = 1\n" * 100
    [warning] = grade.edited_checks(nb, CHAPTER, tmp_path)
    assert "\n" not in warning and len(warning) < 600
    assert "this notebook \"check('ex-fake-value', value) x = 1 x = 1" in warning
    assert grade.quoted("a\n\n   b") == "a b"
    assert grade.quoted("x = 1\n" * 100) == ("x = 1 " * 40)[:197] + "..."


def test_the_fingerprint_sees_a_changed_pyc_and_not_the_graders_own_imports(
        tmp_path: Path) -> None:
    """After compile_package, a process importing the package (a grading worker: no -B)
    writes no .pyc, so the fingerprint holds; a .pyc written over changes it."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "checks.py").write_text("PASS = False\n")
    grade.compile_package(package)
    before = grade.package_fingerprint(package)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-c", "import pkg.checks"], env=env, check=True)
    assert grade.package_fingerprint(package) == before
    Path(importlib.util.cache_from_source(str(package / "checks.py"))).write_bytes(b"forged")
    assert grade.package_fingerprint(package) != before
