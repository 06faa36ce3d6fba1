"""The checks' framework: registry, verdicts, and the helpers the checks are written with."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from lessons_lib import exercises
from lessons_lib.exercises import ExerciseFailed, NotAttempted, Status, expect_equal


def test_every_chapter_module_registers_its_own_exercises():
    chapters = exercises.chapters()
    assert chapters == [m.rsplit(".", 1)[-1][2:] for m in exercises.chapter_modules()]
    for label, entry in exercises.registry().items():
        assert entry.check.__module__ == f"lessons_lib.exercises.ch{entry.chapter}", label
        assert entry.check.__name__.startswith("check_") and entry.check.__doc__, label


def test_a_check_outside_a_chapter_module_must_name_its_chapter():
    with pytest.raises(ValueError, match="chapter="):
        exercises.exercise("ex-nowhere")(lambda answer: "ok")
    assert "ex-nowhere" not in exercises.registry()


def test_a_check_loads_its_own_chapters_checks_and_no_heavy_library():
    """What the build's import walker assumes: chapter 1's check cell needs ch01 alone."""
    code = ("import sys\nfrom lessons_lib.exercises import run_check\n"
            "run_check('ex-rnn-step', None)\n"
            "print(sorted(m for m in sys.modules if m.startswith('lessons_lib.exercises.')))\n"
            "print(sorted(m for m in ('tensorflow', 'keras', 'pandas', 'sklearn', "
            "'vega_datasets', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == ["['lessons_lib.exercises.ch01_recurrence']", "[]"]


def test_unknown_label_lists_the_known_ones():
    with pytest.raises(KeyError, match="ex-rnn-step"):
        exercises.run_check("ex-no-such-exercise", 1)


def test_statuses_are_the_verdicts_strings():
    assert [s.value for s in Status] == ["passed", "failed", "not attempted", "errored",
                                         "missing"]
    assert exercises.run_check("ex-rnn-step", None)["status"] == Status.NOT_ATTEMPTED


def test_expect_equal_accepts_numbers_written_either_way_and_names_mistakes():
    assert expect_equal(6272, 6272, "n") == 6272
    assert expect_equal(6272.0, 6272, "n") == 6272.0
    with pytest.raises(ExerciseFailed, match=r"n: expected 6272, got 4704\. Three blocks\."):
        expect_equal(4704, 6272, "n", {4704: "Three blocks."})
    with pytest.raises(ExerciseFailed, match=r"expected 6272, got 5\.$"):
        expect_equal(5, 6272, "n", {4704: "Three blocks."})
    with pytest.raises(ExerciseFailed, match="expected a number"):
        expect_equal("6272", 6272, "n")
    with pytest.raises(ExerciseFailed, match="expected a number"):
        expect_equal(True, 1, "n")
    with pytest.raises(ExerciseFailed, match="got \\[1\\]"):
        expect_equal([1], (1,), "a tuple", {(2,): "x"})  # an unhashable wrong answer
    with pytest.raises(NotAttempted):
        expect_equal(None, 3, "n")


def test_a_failed_check_shows_its_verdict_not_a_stack_trace_in_ipython() -> None:
    """IPython renders ``_render_traceback_`` in place of the traceback into the checks."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shown: list[list[str]] = []
    shell._showtraceback = lambda etype, evalue, stb: shown.append(stb)
    try:
        shell.run_cell("from lessons_lib.exercises import NotAttempted\n"
                       "raise NotAttempted('the function still raises NotImplementedError')")
    finally:
        InteractiveShell.clear_instance()
    assert shown == [["NotAttempted: the function still raises NotImplementedError",
                      "(A run of the whole notebook stops at an exercise that has not passed "
                      "yet.)"]]


def test_feedback_prints_plain_numbers_and_refuses_what_is_not_a_number():
    assert exercises.shown(np.float64(3.4)) == 3.4 and exercises.shown(np.float64(3.0)) == 3
    assert exercises.shown((np.int64(1), np.int64(2))) == (1, 2)
    with pytest.raises(ExerciseFailed, match=r"at index \(1,\) expected 2, got 5"):
        exercises.expect_close(np.array([1.0, 5.0]), np.array([1.0, 2.0]))
    for not_numbers in [(None, None), ["1", "2"]]:
        with pytest.raises(ExerciseFailed, match="to hold numbers"):
            exercises.expect_close(not_numbers, np.zeros(2))
    assert exercises.expect_close([True, False], np.array([1, 0])).tolist() == [1, 0]


def test_first_wrong_asks_every_case_after_the_first_wrong_one_to_name_the_slip():
    def answer(x):
        if x == 3:
            raise ExerciseFailed("no answer for 3")
        return x * 2 if x != 1 else 0

    right = lambda got, i: got == [0, 1, 2, 3][i] * 2  # noqa: E731
    assert exercises.first_wrong(answer, [0, 2], lambda got, i: got == [0, 4][i]) == (None, [0, 4])
    assert exercises.first_wrong(answer, [0, 1, 2, 3], right, failed="x") == (1, [0, 0, 4, "x"])
    with pytest.raises(ExerciseFailed):  # before the first wrong answer nothing is caught
        exercises.first_wrong(answer, [3, 1], right)


def test_points_and_partial_credit_come_with_every_verdict():
    verdict = exercises.run_check("ex-rnn-step", None)
    assert (verdict["points"], verdict["score"]) == (1.0, 0.0)
    exercises.exercise("ex-parts", chapter="99_parts", points=3)(
        lambda a, b: (_ for _ in ()).throw(exercises.PartlyRight("b is wrong", 1, 3)))
    try:
        verdict = exercises.run_check("ex-parts", 1, 2)
        assert verdict["status"] == "failed" and verdict["feedback"] == "b is wrong"
        assert (verdict["points"], verdict["score"]) == (3.0, 1.0)
    finally:
        del exercises._REGISTRY["ex-parts"]
    with pytest.raises(ValueError, match="0 <= passed < total"):
        exercises.PartlyRight("all right?", 2, 2)
    with pytest.raises(ValueError, match="positive number"):
        exercises.exercise("ex-bad", chapter="99_parts", points=0)
    with pytest.raises(ValueError, match="tuple of dotted names"):
        exercises.exercise("ex-bad", chapter="99_parts", reference="lessons_lib.bptt.x")


def test_every_reference_names_something_the_course_defines():
    import importlib

    for label, entry in exercises.registry().items():
        for dotted in entry.reference:
            module, _, rest = dotted.partition(".")
            assert module == "lessons_lib", (label, dotted)
            parts = dotted.split(".")
            owner = importlib.import_module(".".join(parts[:2]))
            for name in parts[2:]:
                owner = getattr(owner, name)
            assert callable(owner), (label, dotted)


def test_two_day_forecast_earns_half_when_one_part_is_right():
    from lessons_lib import forecasting as fc
    from lessons_lib.exercises.ch09_forecasting import _test_windows

    def right(X):
        return (np.asarray(X)[:, -1] + np.asarray(X)[:, -25]) / 2

    def persistence(X):
        return np.asarray(X)[:, -1]

    X, y = _test_windows()
    mae = fc.mean_absolute_error(y, right(X))
    assert exercises.run_check("ex-forecast-two-days", right, mae)["score"] == 1.0
    forecast_only = exercises.run_check("ex-forecast-two-days", right, mae * 9 / 5)
    assert forecast_only["status"] == "failed" and forecast_only["score"] == 0.5
    assert forecast_only["feedback"].startswith("the forecast is right, the MAE is not")
    mae_only = exercises.run_check("ex-forecast-two-days", persistence, mae)
    assert mae_only["score"] == 0.5 and "persistence" in mae_only["feedback"]
    assert "(two_day_mae is right)" in mae_only["feedback"]
    both = exercises.run_check("ex-forecast-two-days", persistence, mae * 9 / 5)
    assert both["status"] == "failed" and both["score"] == 0.0
