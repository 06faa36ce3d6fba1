"""The gradebook: whose notebook each report is, and the class's scores as CSV and Gradescope.

The grader (``python -m lessons_lib.tooling.grade``) takes these options from
:func:`add_arguments` and hands its reports to :func:`write_outputs`:

- ``--roster FILE``: a CSV file with a header line and the columns ``notebook`` and
  ``student`` (other columns are ignored). ``notebook`` is matched against the path the
  grader was given, against a path relative to the roster's folder, or, for a bare file name,
  against the notebook's file name. Every graded notebook must be on the roster; a roster line
  whose notebook was not graded is a warning, and that student gets a row of empty cells.
- Without a roster the student is read from the paths: the folder's name
  (``submissions/alice/06_training.ipynb`` is ``alice``) when no folder holds two notebooks of
  one chapter (and the folders differ, or the file names carry no suffix); else what the file
  name adds to the chapter id (``06_training-alice.ipynb`` is ``alice``); else the file name.
  Two notebooks of one student and chapter are an error when a gradebook is written (which
  would count?).
- ``--csv FILE``: one row per student, a column per exercise (points earned, chapters in
  order), ``total``, ``out_of`` and ``notes`` (execution problems, the grader's warnings, the
  written parts to read). A chapter a student did not hand in has empty cells, not zeros;
  so has a chapter the grader could not grade (its report has no results: the grading
  process or the container failed, or the file is not a notebook), and ``notes`` says why
  (``06_training: not graded: could not run (...)``): grade it again. ``out_of`` counts every
  chapter of the class, handed in or not.
- ``--gradescope DIR``: Gradescope's autograder ``results.json``
  (https://gradescope-autograders.readthedocs.io/en/latest/specs/). Where it goes depends on
  how many students the run graded: one student, ``DIR/results.json``; several,
  ``DIR/<student>/results.json`` each. Gradescope's autograder runs one submission at a time
  in ``/autograder``, where ``python -m lessons_lib.tooling.grade --gradescope
  /autograder/results /autograder/submission/*.ipynb`` writes the one file it reads; the
  folders per student of a class's run are records for the instructor, not something to
  upload. One test per exercise (its points, ``passed`` or
  ``failed``, the check's feedback). A written part is a test worth 0 points whose output is
  what the student wrote: no check reads it, so its points belong in a question the instructor
  grades by hand on Gradescope, and the autograder's total stays what the checks measured;
  as a test it sits beside its exercise, where the instructor reads it, and its status says
  whether anything was written. The grader's warnings (suspicious cells, edited check cells)
  go to ``extra_data`` (``notes``, as in the CSV), which only instructors see, not to the
  students' ``output``. ``execution_time`` is written for one student only (the autograder's
  case): for a class the grader knows its own time, not each student's. A chapter the grader
  could not grade has no tests (none is invented at 0 points); ``output`` says it could not
  be graded, and why.

Every file is written atomically (``lessons_lib.cache.atomic_write``). Bad input - a roster
without its columns, a notebook listed twice, a graded notebook missing from the roster -
raises ``ValueError`` with a sentence that says what to fix.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lessons_lib.cache import atomic_write
from lessons_lib.exercises import Status

if TYPE_CHECKING:  # grade imports this module: no import of grade at run time
    from lessons_lib.tooling.grade import Report

ROSTER_COLUMNS = ("notebook", "student")
_SEPARATORS = "-_. "
_UNSAFE = re.compile(r"[^\w.@+-]+")
# ``grade.Execution.COMPLETED``, as its value: grade imports this module at its top, before
# ``Execution`` is defined, so importing it here would be a cycle. A StrEnum equals its value,
# and test_gradebook checks that the two still agree.
_COMPLETED = "completed"


# --- who handed in what --------------------------------------------------------------------


def read_roster(path: Path) -> dict[str, str]:
    """The roster at ``path``: each notebook entry (as written, or made absolute where it names
    a file beside the roster) to its student."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: spreadsheets write a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the roster {path} ({exc}): expected a CSV file with "
                         "the columns notebook,student") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in ROSTER_COLUMNS if name not in header]
    if missing:
        found = ", ".join(header) or "none"
        raise ValueError(f"the roster {path} has no column {' or '.join(missing)} (its header "
                         f"line has: {found}): expected a header line with notebook,student")
    reader.fieldnames = header
    roster: dict[str, str] = {}
    first_line: dict[str, int] = {}
    for row in reader:
        entry, student = (str(row.get(name) or "").strip() for name in ROSTER_COLUMNS)
        if not entry and not student:
            continue  # a blank line
        if not entry or not student:
            raise ValueError(f"the roster {path}, line {reader.line_num}: expected both a "
                             f"notebook and a student, got {entry!r} and {student!r}")
        key = _roster_key(entry, path.parent)
        if key in roster:
            raise ValueError(f"the roster {path} lists the notebook {entry} twice (lines "
                             f"{first_line[key]} and {reader.line_num}): give each notebook "
                             "one line, with its one student")
        roster[key], first_line[key] = student, reader.line_num
    return roster


def roster_notebooks(path: Path) -> list[Path]:
    """The notebooks a roster lists, in its order: what is graded when no notebook is named.

    An entry that names no file beside the roster is kept as written, so the grader reports
    it as missing rather than this function guessing."""
    return [Path(entry) for entry in read_roster(path)]


def _roster_key(entry: str, roster_folder: Path) -> str:
    """A roster entry as matched: absolute if it names a file beside the roster, else as is."""
    beside = roster_folder / entry
    return str(beside.resolve()) if beside.is_file() else entry


def _matches(entry: str, notebook: str) -> bool:
    """Whether roster ``entry`` names the graded ``notebook`` (a path as the grader got it)."""
    if entry == notebook:
        return True
    if len(Path(entry).parts) == 1:  # a bare file name
        return entry == Path(notebook).name
    return Path(entry).resolve() == Path(notebook).resolve()


def student_id(notebook_path: Path | str, roster: dict[str, str]) -> str:
    """The student the roster gives the notebook at ``notebook_path``."""
    notebook = str(notebook_path)
    found = {entry: student for entry, student in roster.items() if _matches(entry, notebook)}
    students = sorted(set(found.values()))
    if not students:
        raise ValueError(f"{notebook} is not on the roster: add a line "
                         f"'{Path(notebook).name},<student>' for it (or leave it out of the "
                         "notebooks to grade)")
    if len(students) > 1:
        lines = ", ".join(f"{student} ({entry})" for entry, student in found.items())
        raise ValueError(f"the roster gives {notebook} {len(students)} students: {lines}; "
                         "give its full path in the roster, with one student")
    return students[0]


def _suffix(stem: str, chapter: str | None) -> str:
    """What a file name adds to its chapter id: ``06_training-alice`` -> ``alice``."""
    if not chapter or chapter not in stem:
        return ""
    before, _, after = stem.partition(chapter)
    parts = [part.strip(_SEPARATORS) for part in (before, after)]
    return "-".join(part for part in parts if part)


def inferred_students(reports: list[Report]) -> list[str]:
    """Each report's student read from the paths, as the module's docstring says; in order."""
    paths = [Path(r.notebook) for r in reports]
    folders = [p.resolve().parent for p in paths]
    # A chapter the grader could not tell never groups two notebooks.
    seats = [(folder, r.chapter or str(p)) for folder, r, p in zip(folders, reports, paths,
                                                                   strict=True)]
    shared = len(set(seats)) < len(seats)
    suffixes = [_suffix(p.stem, r.chapter) for p, r in zip(paths, reports, strict=True)]
    if not shared and (len(set(folders)) > 1 or not any(suffixes)):
        return [folder.name for folder in folders]
    return [suffix or path.stem for suffix, path in zip(suffixes, paths, strict=True)]


def assign_students(reports: list[Report], roster: dict[str, str] | None = None) -> list[str]:
    """Set each report's ``student`` (from the roster, else from the paths); return warnings
    for roster lines whose notebook was not among the graded ones."""
    if roster is None:
        for report, student in zip(reports, inferred_students(reports), strict=True):
            report.student = student
        return []
    for report in reports:
        report.student = student_id(report.notebook, roster)
    return [f"{student}'s notebook {entry} (on the roster) is not among the graded notebooks"
            for entry, student in roster.items()
            if not any(_matches(entry, r.notebook) for r in reports)]


def check_one_per_chapter(reports: list[Report]) -> None:
    """Raise if a student has two notebooks of one chapter: which one would count?"""
    seen: dict[tuple[str, str], str] = {}
    for report in reports:
        if report.chapter is None:
            continue
        key = (report.student, report.chapter)
        if key in seen:
            raise ValueError(f"{report.student} has two notebooks of chapter {report.chapter}: "
                             f"{seen[key]} and {report.notebook}; which counts? Grade one of "
                             "them, or give each its own student in a --roster")
        seen[key] = report.notebook


def _absent_students(reports: list[Report], roster: dict[str, str] | None) -> list[str]:
    """The roster's students with no graded notebook at all."""
    graded = {r.student for r in reports}
    return sorted(set((roster or {}).values()) - graded)


# --- the class table (CSV) -----------------------------------------------------------------


def number(value: float) -> str:
    """A score as a short number: ``1``, ``0.5``, ``0.3333`` (no trailing noise)."""
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in {"", "-0"} else text


def _exercises(reports: list[Report]) -> dict[str, dict[str, float]]:
    """The exercises of the class, chapter by chapter in order: label to its points."""
    chapters: dict[str, dict[str, float]] = {}
    for report in sorted(reports, key=lambda r: r.chapter or ""):
        if report.chapter is None or not report.results:
            continue
        labels = chapters.setdefault(report.chapter, {})
        for result in report.results:
            labels[result.exercise] = max(labels.get(result.exercise, 0.0), result.points)
    return chapters


def _run(report: Report) -> str:
    """How the notebook's run ended, in words: ``timed out (stopped after 60 s in all)``."""
    return f"{report.execution}" + (f" ({report.detail})" if report.detail else "")


def _notes(report: Report) -> list[str]:
    """What the instructor should know about one graded notebook, beside its score."""
    where = report.chapter or Path(report.notebook).name
    notes = []
    if not report.results and report.execution != _COMPLETED:
        notes.append(f"{where}: not graded: {_run(report)}")
    elif report.execution != _COMPLETED:
        notes.append(f"{where}: {_run(report)}")
    if report.cell_errors:
        notes.append(f"{where}: {len(report.cell_errors)} cell(s) raised")
    notes += [f"{where}: {warning}" for warning in report.warnings]
    written = [text for text in report.written.values() if text]
    if written:
        notes.append(f"{where}: written parts to read: {len(written)}")
    if len(written) < len(report.written):
        notes.append(f"{where}: written parts left blank: {len(report.written) - len(written)}")
    return notes


def class_table(reports: list[Report], students: Iterable[str] = ()
                ) -> tuple[list[str], list[dict[str, str]]]:
    """The gradebook as columns and one row per student (``students`` adds those who handed
    in nothing); cells are text, empty where a chapter was not handed in or not graded (a
    report without results: the grader failed, which is no score of 0)."""
    chapters = _exercises(reports)
    labels = [label for points in chapters.values() for label in points]
    out_of = sum(p for points in chapters.values() for p in points.values())
    by_student: dict[str, list[Report]] = {name: [] for name in students}
    for report in reports:
        by_student.setdefault(report.student, []).append(report)
    rows = []
    for student in sorted(by_student):
        row = {"student": student, **dict.fromkeys(labels, "")}
        handed_in = {r.chapter: r for r in by_student[student]}
        notes = [note for r in by_student[student] for note in _notes(r)]
        total = 0.0
        for chapter, points in chapters.items():
            report = handed_in.get(chapter)
            if report is None:
                notes.append(f"did not hand in {chapter}")
                continue
            if not report.results:
                continue  # not graded: its cells stay empty, and _notes says why
            earned = {r.exercise: r.score for r in report.results}
            row.update({label: number(earned.get(label, 0.0)) for label in points})
            total += sum(earned.values())
        row.update(total=number(total), out_of=number(out_of), notes="; ".join(notes))
        rows.append(row)
    return ["student", *labels, "total", "out_of", "notes"], rows


def write_csv(path: Path, reports: list[Report], students: Iterable[str] = ()) -> None:
    """Write :func:`class_table` to ``path`` as CSV, atomically."""
    columns, rows = class_table(reports, students)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(Path(path), text.getvalue().encode("utf-8"))


# --- Gradescope ----------------------------------------------------------------------------


def _tests(report: Report) -> list[dict[str, Any]]:
    """Gradescope tests for one notebook: each exercise, its written part just after it."""
    tests = []
    for result in report.results:
        feedback = f": {result.feedback}" if result.feedback else ""
        tests.append({"name": result.exercise, "score": round(result.score, 4),
                      "max_score": result.points,
                      "status": "passed" if result.status == Status.PASSED else "failed",
                      "output": f"{result.status}{feedback}"})
        if result.exercise in report.written:
            text = report.written[result.exercise]
            tests.append({"name": f"{result.exercise}: written part (your instructor reads it)",
                          "score": 0, "max_score": 0, "status": "passed" if text else "failed",
                          "output": text or "(nothing written)"})
    return tests


def _summary(report: Report) -> str:
    """One line per notebook for the student: its score and how its run ended, or that it
    could not be graded (no results: no score, not a score of 0)."""
    where = report.chapter or Path(report.notebook).name
    if not report.results:
        why = _run(report) if report.execution != _COMPLETED else "no exercise was checked"
        return f"{where}: could not be graded: {why}"
    line = f"{where}: {number(report.score)} of {number(report.out_of)} points"
    if report.execution != _COMPLETED:
        line += f"; the notebook's run: {_run(report)}"
    return line


def gradescope_results(reports_of_one_student: list[Report],
                       seconds: float | None = None) -> dict[str, Any]:
    """One student's ``results.json`` for Gradescope's autograder, as a dict."""
    reports = sorted(reports_of_one_student, key=lambda r: r.chapter or "")
    results: dict[str, Any] = {
        "score": round(sum(r.score for r in reports), 4),
        "output": "\n".join(_summary(r) for r in reports),
        "visibility": "visible",
        "tests": [test for report in reports for test in _tests(report)],
        "extra_data": {  # for instructors only
            "student": reports[0].student if reports else "",
            "notebooks": [r.notebook for r in reports],
            "notes": [note for r in reports for note in _notes(r)],
        },
    }
    if seconds is not None:
        results["execution_time"] = round(seconds)
    return results


def folder_name(student: str) -> str:
    """A student id as a folder name: characters other than letters, digits and ``.@+-``
    become ``_``."""
    name = _UNSAFE.sub("_", student).strip(".")
    return name or "_"


def write_gradescope(out_dir: Path, reports: list[Report], seconds: float | None = None) -> None:
    """Write ``results.json`` to ``out_dir`` for one student, else to ``out_dir/<student>/``.

    ``seconds`` (the grading's time) is the ``execution_time`` of one student's results only.
    """
    out_dir = Path(out_dir)
    by_student: dict[str, list[Report]] = {}
    for report in reports:
        by_student.setdefault(report.student, []).append(report)
    folders: dict[str, str] = {}
    for student in by_student:
        name = folder_name(student)
        if name in folders:
            raise ValueError(f"the students {folders[name]!r} and {student!r} would share the "
                             f"folder {out_dir / name}: rename one in the roster")
        folders[name] = student
    for name, student in folders.items():
        alone = len(by_student) == 1  # else ``seconds`` is the class's time, not the student's
        target = out_dir if alone else out_dir / name
        data = json.dumps(gradescope_results(by_student[student], seconds if alone else None),
                          indent=2, ensure_ascii=False)
        atomic_write(target / "results.json", data.encode("utf-8"))


# --- the grader's command line -------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the gradebook's options (``--roster``, ``--csv``, ``--gradescope``) to ``parser``."""
    group = parser.add_argument_group("gradebook")
    group.add_argument("--roster", type=Path, metavar="FILE",
                       help="CSV with the columns notebook,student: whose notebook is which "
                       "(default: read from the folders or the file names)")
    group.add_argument("--csv", type=Path, metavar="FILE",
                       help="write the gradebook to FILE: one row per student, a column per "
                       "exercise, total, out_of, notes")
    group.add_argument("--gradescope", type=Path, metavar="DIR",
                       help="write Gradescope's results.json: to DIR/results.json when the "
                       "notebooks graded are one student's (the autograder's case: "
                       "--gradescope /autograder/results), else to DIR/<student>/results.json "
                       "for each student (records, not files to upload)")


def check_roster(args: argparse.Namespace, notebooks: list[Path]) -> None:
    """Before grading: raise if the roster is unreadable or leaves out a notebook to grade."""
    if args.roster is not None:
        roster = read_roster(args.roster)
        for path in notebooks:
            student_id(path, roster)


def write_outputs(args: argparse.Namespace, reports: list[Report],
                  seconds: float | None = None) -> None:
    """Give each report its student and write the gradebooks asked for.

    The grader calls it after printing the reports, so that a gradebook error loses none of
    them. Raises ``ValueError``
    for a bad roster or two notebooks of one student and chapter (when a gradebook is written
    or a roster given); prints a warning for each roster line that matched no notebook.
    ``seconds``: how long the grading took (Gradescope's ``execution_time``).
    """
    roster = read_roster(args.roster) if args.roster is not None else None
    for warning in assign_students(reports, roster):
        print(f"warning: {warning}", file=sys.stderr)
    if roster is None and args.csv is None and args.gradescope is None:
        return
    check_one_per_chapter(reports)
    if args.csv is not None:
        write_csv(args.csv, reports, _absent_students(reports, roster))
    if args.gradescope is not None:
        write_gradescope(args.gradescope, reports, seconds)
