"""The gradebook: the roster and its errors, students read from paths, CSV and Gradescope files.

The reports are built by hand (no notebook runs): two chapters, ``06_training`` with
``ex-a`` (1 point) and ``ex-b`` (2 points, in parts) and ``07_bptt`` with ``ex-c``.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pytest

from lessons_lib.tooling import gradebook
from lessons_lib.tooling.grade import Execution, ExerciseResult, Report


def training(notebook: str, a: float, b: float, written: str = "", **kwargs) -> Report:
    """A report of chapter 06_training: ``a`` of 1 point on ex-a, ``b`` of 2 on ex-b."""
    results = [
        ExerciseResult("ex-a", "passed" if a == 1 else "failed", "fine" if a else "no",
                       points=1, score=a),
        ExerciseResult("ex-b", "passed" if b == 2 else "failed",
                       "all parts" if b == 2 else f"{b:g} of 2 parts right", points=2, score=b),
    ]
    return Report(notebook, "06_training", results=results, written={"ex-b": written},
                  **kwargs)


def bptt(notebook: str, c: float) -> Report:
    """A report of chapter 07_bptt: ``c`` of 1 point on ex-c."""
    status = "passed" if c else "not attempted"
    return Report(notebook, "07_bptt", results=[ExerciseResult("ex-c", status, points=1,
                                                               score=c)])


def write_roster(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- the roster ----------------------------------------------------------------------------


def test_roster_reads_its_two_columns_whatever_else_it_has(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "roster.csv",
                          "\ufeffStudent , email,Notebook\n"
                          "alice,a@x.org, hand-in/06_training-alice.ipynb\n\n"
                          "bob,b@x.org,06_training-bob.ipynb\n")
    assert gradebook.read_roster(roster) == {"hand-in/06_training-alice.ipynb": "alice",
                                             "06_training-bob.ipynb": "bob"}


@pytest.mark.parametrize(("text", "message"), [
    ("notebook,name\na.ipynb,alice\n", "has no column student (its header line has: "
     "notebook, name): expected a header line with notebook,student"),
    ("", "has no column notebook or student (its header line has: none)"),
    ("notebook,student\na.ipynb,alice\nb.ipynb,bob\na.ipynb,carol\n",
     "lists the notebook a.ipynb twice (lines 2 and 4): give each notebook one line"),
    ("notebook,student\na.ipynb,\n", "line 2: expected both a notebook and a student, got "
     "'a.ipynb' and ''"),
])
def test_a_bad_roster_says_what_to_fix(tmp_path: Path, text: str, message: str) -> None:
    roster = write_roster(tmp_path / "roster.csv", text)
    with pytest.raises(ValueError, match="roster") as error:
        gradebook.read_roster(roster)
    assert message in str(error.value)


def test_a_missing_roster_is_a_sentence_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"cannot read the roster .*nope\.csv .* expected a "
                       "CSV file with the columns notebook,student"):
        gradebook.read_roster(tmp_path / "nope.csv")


def test_a_roster_entry_is_the_path_given_its_name_or_a_path_beside_the_roster(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    beside = tmp_path / "class" / "hand-in" / "06_training-carol.ipynb"
    beside.parent.mkdir(parents=True)
    beside.touch()
    roster = gradebook.read_roster(write_roster(
        tmp_path / "class" / "roster.csv",
        "notebook,student\nsubs/alice/06_training.ipynb,alice\n06_training-bob.ipynb,bob\n"
        "hand-in/06_training-carol.ipynb,carol\n"))
    assert gradebook.student_id("subs/alice/06_training.ipynb", roster) == "alice"
    assert gradebook.student_id(tmp_path / "subs/alice/06_training.ipynb", roster) == "alice"
    assert gradebook.student_id("elsewhere/06_training-bob.ipynb", roster) == "bob"
    assert gradebook.student_id("class/hand-in/06_training-carol.ipynb", roster) == "carol"
    with pytest.raises(ValueError, match=r"subs/dave/06_training.ipynb is not on the roster: "
                       r"add a line '06_training.ipynb,<student>'"):
        gradebook.student_id("subs/dave/06_training.ipynb", roster)


def test_a_notebook_the_roster_gives_two_students_is_an_error() -> None:
    roster = {"06_training.ipynb": "alice", "subs/06_training.ipynb": "bob"}
    with pytest.raises(ValueError, match=r"gives subs/06_training.ipynb 2 students: "
                       r"alice \(06_training.ipynb\), bob \(subs/06_training.ipynb\)"):
        gradebook.student_id("subs/06_training.ipynb", roster)


def test_students_come_from_the_roster_and_unmatched_lines_are_warnings() -> None:
    reports = [training("subs/a.ipynb", 1, 2), training("subs/b.ipynb", 0, 1)]
    roster = {"a.ipynb": "alice", "b.ipynb": "bob", "c.ipynb": "carol"}
    warnings = gradebook.assign_students(reports, roster)
    assert [r.student for r in reports] == ["alice", "bob"]
    assert warnings == ["carol's notebook c.ipynb (on the roster) is not among the graded "
                        "notebooks"]


# --- students without a roster -------------------------------------------------------------


@pytest.mark.parametrize(("paths", "students"), [
    # one folder per student: the folder, whatever the file is called
    (["subs/alice/06_training.ipynb", "subs/bob/06_training-final.ipynb"], ["alice", "bob"]),
    (["subs/alice/06_training.ipynb"], ["alice"]),
    (["subs/alice/06_training.ipynb", "subs/alice/07_bptt.ipynb"], ["alice", "alice"]),
    # one folder for the class: what the file name adds to the chapter id
    (["subs/06_training-alice.ipynb", "subs/06_training_bob.ipynb"], ["alice", "bob"]),
    (["subs/06_training-alice.ipynb"], ["alice"]),
    (["subs/alice-06_training.ipynb", "subs/07_bptt-alice.ipynb"], ["alice", "alice"]),
    # nothing added: the file name
    (["subs/06_training.ipynb", "subs/06_training-bob.ipynb"], ["06_training", "bob"]),
])
def test_without_a_roster_the_student_comes_from_the_folder_or_the_file_name(
        paths: list[str], students: list[str]) -> None:
    reports = [training(p, 1, 2) if "06" in p else bptt(p, 1) for p in paths]
    gradebook.assign_students(reports)
    assert [r.student for r in reports] == students


def test_two_notebooks_of_one_student_and_chapter_are_an_error() -> None:
    reports = [training("subs/06_training-alice.ipynb", 1, 2),
               training("subs/alice-06_training.ipynb", 0, 0)]
    gradebook.assign_students(reports)
    with pytest.raises(ValueError, match=r"alice has two notebooks of chapter 06_training: "
                       r"subs/06_training-alice.ipynb and subs/alice-06_training.ipynb; "
                       "which counts?"):
        gradebook.check_one_per_chapter(reports)


# --- the CSV -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "text"), [(1.0, "1"), (0.5, "0.5"), (0, "0"),
                                             (0.1 + 0.2, "0.3"), (2 / 3, "0.6667"),
                                             (120.0, "120")])
def test_numbers_carry_no_trailing_noise(value: float, text: str) -> None:
    assert gradebook.number(value) == text


def small_class() -> list[Report]:
    """alice: both chapters, ex-b half right; bob: chapter 6 only, timed out, flagged."""
    reports = [
        training("alice/06_training.ipynb", 1, 1, written="It overfits after epoch 3."),
        bptt("alice/07_bptt.ipynb", 1),
        training("bob/06_training.ipynb", 0, 0, execution=Execution.TIMED_OUT,
                 detail="stopped after 3600 s in all", warnings=["cell 4 rebinds 'check'"]),
    ]
    gradebook.assign_students(reports)
    return reports


def test_the_class_table_has_a_row_per_student_and_a_column_per_exercise(
        tmp_path: Path) -> None:
    path = tmp_path / "out" / "class.csv"
    gradebook.write_csv(path, small_class(), students=["carol"])
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["student", "ex-a", "ex-b", "ex-c", "total", "out_of", "notes"]
    alice, bob, carol = rows[1:]
    assert alice[:6] == ["alice", "1", "1", "1", "3", "4"]  # ex-b: half of 2 points
    assert alice[6] == "06_training: written parts to read: 1"
    assert bob[:6] == ["bob", "0", "0", "", "0", "4"]  # no 07_bptt: empty, not zero
    assert bob[6] == ("06_training: timed out (stopped after 3600 s in all); 06_training: "
                      "cell 4 rebinds 'check'; 06_training: written parts left blank: 1; "
                      "did not hand in 07_bptt")
    assert carol == ["carol", "", "", "", "0", "4", "did not hand in 06_training; "
                     "did not hand in 07_bptt"]


def test_partial_credit_shows_as_a_fraction_of_a_point() -> None:
    reports = [training("a/06_training.ipynb", 0.5, 2 / 3)]
    gradebook.assign_students(reports)
    columns, rows = gradebook.class_table(reports)
    assert [rows[0][c] for c in ("ex-a", "ex-b", "total", "out_of")] == [
        "0.5", "0.6667", "1.1667", "3"]


def test_a_notebook_that_could_not_be_graded_is_in_the_notes() -> None:
    reports = [training("a/06_training.ipynb", 1, 2),
               Report("b/notes.ipynb", None, execution=Execution.NOT_RUN,
                      detail="cannot tell which chapter this is")]
    gradebook.assign_students(reports)
    _, rows = gradebook.class_table(reports)
    assert rows[1]["student"] == "b"
    assert rows[1]["notes"] == ("notes.ipynb: not graded: not run (cannot tell which chapter "
                                "this is); did not hand in 06_training")
    assert (rows[1]["ex-a"], rows[1]["total"], rows[1]["out_of"]) == ("", "0", "3")


def failed_grading(notebook: str) -> Report:
    """A report of chapter 06_training whose grading failed: no results at all."""
    return Report(notebook, "06_training", execution=Execution.COULD_NOT_RUN,
                  detail="the container did not finish")


def test_a_chapter_the_grader_failed_on_has_empty_cells_not_zeros() -> None:
    reports = [training("alice/06_training.ipynb", 1, 2), bptt("alice/07_bptt.ipynb", 1),
               failed_grading("bob/06_training.ipynb"), bptt("bob/07_bptt.ipynb", 1)]
    gradebook.assign_students(reports)
    _, rows = gradebook.class_table(reports)
    bob = rows[1]
    assert [bob[c] for c in ("student", "ex-a", "ex-b", "ex-c", "total", "out_of")] == [
        "bob", "", "", "1", "1", "4"]
    assert bob["notes"] == ("06_training: not graded: could not run (the container did not "
                            "finish)")


def test_the_grader_s_value_for_a_completed_run_is_the_gradebook_s() -> None:
    assert gradebook._COMPLETED == Execution.COMPLETED  # kept as a string: see its comment


# --- Gradescope ----------------------------------------------------------------------------

# The fields of results.json, from https://gradescope-autograders.readthedocs.io/en/latest/specs/
TOP_FIELDS = {"score", "execution_time", "output", "output_format", "test_output_format",
              "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
              "leaderboard"}
TEST_FIELDS = {"score", "max_score", "status", "name", "name_format", "number", "output",
               "output_format", "tags", "visibility", "extra_data"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def assert_gradescope_shape(results: dict) -> None:
    """``results`` uses only the documented fields, with the documented types and values."""
    assert set(results) <= TOP_FIELDS
    assert isinstance(results["score"], int | float)
    assert results.get("visibility", "visible") in VISIBILITIES
    assert isinstance(results.get("execution_time", 0), int)
    assert isinstance(results["output"], str) and isinstance(results["extra_data"], dict)
    for test in results["tests"]:
        assert set(test) <= TEST_FIELDS
        assert {"name", "score", "max_score", "status", "output"} <= set(test)
        assert test["status"] in {"passed", "failed"}
        assert isinstance(test["score"], int | float)
        assert 0 <= test["score"] <= test["max_score"] or test["max_score"] == 0 == test["score"]
        assert isinstance(test["name"], str) and isinstance(test["output"], str)


def test_one_student_gets_results_json_in_the_folder_itself(tmp_path: Path) -> None:
    reports = [training("submission/06_training.ipynb", 1, 1, written="It overfits.")]
    gradebook.assign_students(reports)
    gradebook.write_gradescope(tmp_path, reports, seconds=12.4)
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert_gradescope_shape(results)
    assert results["score"] == 2 and results["execution_time"] == 12
    assert [(t["name"], t["score"], t["max_score"], t["status"]) for t in results["tests"]] == [
        ("ex-a", 1, 1, "passed"), ("ex-b", 1, 2, "failed"),
        ("ex-b: written part (your instructor reads it)", 0, 0, "passed")]
    assert results["tests"][1]["output"] == "failed: 1 of 2 parts right"
    assert results["tests"][2]["output"] == "It overfits."
    assert results["output"] == "06_training: 2 of 3 points"
    assert sum(t["score"] for t in results["tests"]) == results["score"]


def test_several_students_get_a_folder_each(tmp_path: Path) -> None:
    gradebook.write_gradescope(tmp_path, small_class(), seconds=60)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json")) == [
        "alice/results.json", "bob/results.json"]
    alice = json.loads((tmp_path / "alice" / "results.json").read_text(encoding="utf-8"))
    bob = json.loads((tmp_path / "bob" / "results.json").read_text(encoding="utf-8"))
    for results in (alice, bob):
        assert_gradescope_shape(results)
    assert alice["score"] == 3 and [t["name"] for t in alice["tests"]][-1] == "ex-c"
    assert "execution_time" not in alice  # the class's time is not alice's
    assert bob["score"] == 0
    assert bob["output"] == ("06_training: 0 of 3 points; the notebook's run: timed out "
                             "(stopped after 3600 s in all)")
    # the grader's warnings are for the instructor: extra_data, not the students' output
    assert "rebinds" not in json.dumps(bob["tests"]) + bob["output"]
    assert "06_training: cell 4 rebinds 'check'" in bob["extra_data"]["notes"]
    assert bob["tests"][-1] == {"name": "ex-b: written part (your instructor reads it)",
                                "score": 0, "max_score": 0, "status": "failed",
                                "output": "(nothing written)"}


def test_a_chapter_the_grader_failed_on_gets_no_tests_and_says_so(tmp_path: Path) -> None:
    reports = [failed_grading("submission/06_training.ipynb"),
               bptt("submission/07_bptt.ipynb", 1)]
    gradebook.assign_students(reports)
    gradebook.write_gradescope(tmp_path, reports)
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert_gradescope_shape(results)
    assert [t["name"] for t in results["tests"]] == ["ex-c"]  # no ex-a, ex-b at 0 points
    assert results["score"] == 1
    assert results["output"] == ("06_training: could not be graded: could not run (the "
                                 "container did not finish)\n07_bptt: 1 of 1 points")
    assert "06_training: not graded: could not run (the container did not finish)" in \
        results["extra_data"]["notes"]


def test_student_ids_that_share_a_folder_name_are_an_error(tmp_path: Path) -> None:
    reports = [training("a.ipynb", 1, 2, student="Ann Lee"),
               training("b.ipynb", 1, 2, student="Ann/Lee")]
    with pytest.raises(ValueError, match="'Ann Lee' and 'Ann/Lee' would share the folder"):
        gradebook.write_gradescope(tmp_path, reports)


# --- the grader's options ------------------------------------------------------------------


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    gradebook.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_write_outputs_writes_what_was_asked_with_the_roster_s_students(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = write_roster(tmp_path / "roster.csv",
                          "notebook,student\n06_training-1.ipynb,Alice\n"
                          "06_training-2.ipynb,Bob\n06_training-3.ipynb,Carol\n")
    reports = [training("subs/06_training-1.ipynb", 1, 2), training("subs/06_training-2.ipynb",
                                                                    1, 0)]
    args = parse("--roster", str(roster), "--csv", str(tmp_path / "class.csv"),
                 "--gradescope", str(tmp_path / "gs"))
    gradebook.write_outputs(args, reports, seconds=30)
    assert [r.student for r in reports] == ["Alice", "Bob"]
    assert "warning: Carol's notebook 06_training-3.ipynb" in capsys.readouterr().err
    text = (tmp_path / "class.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert [(r["student"], r["total"], r["out_of"]) for r in rows] == [
        ("Alice", "3", "3"), ("Bob", "1", "3"), ("Carol", "0", "3")]
    assert rows[2]["notes"] == "did not hand in 06_training"
    assert sorted(p.parent.name for p in (tmp_path / "gs").rglob("results.json")) == [
        "Alice", "Bob"]


def test_write_outputs_without_a_gradebook_only_names_the_students(tmp_path: Path) -> None:
    reports = [training("subs/06_training-alice.ipynb", 1, 2),
               training("subs/alice-06_training.ipynb", 0, 0)]
    gradebook.write_outputs(parse(), reports)  # two of alice's: fine while nothing is written
    assert [r.student for r in reports] == ["alice", "alice"]
    with pytest.raises(ValueError, match="alice has two notebooks"):
        gradebook.write_outputs(parse("--csv", str(tmp_path / "c.csv")), reports)
    assert not (tmp_path / "c.csv").exists()


def test_a_notebook_missing_from_the_roster_is_found_before_grading(tmp_path: Path) -> None:
    roster = write_roster(tmp_path / "roster.csv", "notebook,student\na.ipynb,alice\n")
    args = parse("--roster", str(roster))
    gradebook.check_roster(args, [Path("subs/a.ipynb")])
    with pytest.raises(ValueError, match=r"subs/b.ipynb is not on the roster"):
        gradebook.check_roster(args, [Path("subs/a.ipynb"), Path("subs/b.ipynb")])
    gradebook.check_roster(parse(), [Path("anything.ipynb")])  # no roster: nothing to check


def test_the_roster_names_the_notebooks_when_none_are_given(tmp_path: Path) -> None:
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "01_recurrence.ipynb").write_text("{}")
    roster = tmp_path / "roster.csv"
    roster.write_text("notebook,student\nalice/01_recurrence.ipynb,alice\n"
                      "bob/01_recurrence.ipynb,bob\n")
    # Alice's file is found beside the roster; Bob's is kept as written, for the grader to
    # report as missing.
    assert gradebook.roster_notebooks(roster) == [
        (tmp_path / "alice" / "01_recurrence.ipynb").resolve(), Path("bob/01_recurrence.ipynb")]
