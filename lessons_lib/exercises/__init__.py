"""Checks for the exercises, with feedback that says what was expected and what came back.

This module is the framework; the checks themselves live one module per chapter, in chapter
order: ``ch01_recurrence``, ``ch02_numpy_rnn``, ..., ``ch12_seq2seq_attention`` (``ch`` and
the chapter id, the notebook's file name without ``.ipynb``). Each check is registered under the
exercise's label with ``@exercise("ex-...")`` (the chapter is read from the module's name) and
documents, in its docstring, what the student's answer must do (the instructors page lists
these docstrings).

A notebook calls ``check("label", answer)``: it prints a verdict and raises ``ExerciseFailed``
when the answer is wrong or missing, so a test run of the notebook fails. ``run_check("label",
answer)`` returns the verdict as a dict instead, without printing or raising. Under the grader
(``LESSONS_ANSWERS_DIR`` set), ``check`` first hands the answer itself to the grader
(``lessons_lib.tooling.verdicts.capture``), which checks it again in a clean process of its own:
the verdict printed in the student's kernel is for the student, and never counts.

A check may be worth more than one point (``@exercise(label, points=2)``); a check with parts
raises ``PartlyRight(message, passed, total)`` when only some are right, which earns
``points * passed / total``. ``@exercise(label, reference=("lessons_lib.x.f", ...))`` names the
course's own implementations of what the answer must do, so that the grader can tell an answer
that merely calls them (see ``lessons_lib.tooling.verdicts``).

A check function takes the student's answer(s) and returns a short message on success; it
raises ``NotAttempted`` when the answer is still the stub, and ``ExerciseFailed`` with specific
feedback when it is wrong. The helpers below (``call_student``, ``returned``, ``as_numbers``,
``first_wrong``, ``expect_answer``, ``expect_equal``, ``expect_shape``, ``expect_close``, and
``shown`` for printing a value in feedback) keep checks short; ``expect_equal`` takes a table
of the wrong answers students really give and the mistake each one reveals.

A chapter's checks module is imported when one of its labels is first looked up, and only
that module (the labels are found in the modules' source, without importing them): running
chapter 1's check imports ``ch01_recurrence`` and nothing of the other chapters, which is what
the build's import walker (``lessons_lib.tooling.dependencies``) assumes. The modules import
only numpy and this module at their top (a check that needs a chapter's helper imports it
inside the function), so looking up chapter 1's check never loads TensorFlow or pandas.
"""

from __future__ import annotations

import importlib
import json
import numbers
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

CHECK_MIME = "application/vnd.lessons-check+json"  # a verdict for reading; the grader ignores it
# Set by the grader for the student's kernel: the folder where ``check`` leaves the answers.
ANSWERS_ENV = "LESSONS_ANSWERS_DIR"
_CHAPTER_MODULE = re.compile(r"ch(\d\d_\w+)")
_REGISTERED_LABEL = re.compile(r"@exercise\(\s*[\"']([^\"']+)[\"']")


class Status(StrEnum):
    """The verdict on one exercise. ``MISSING`` is the grader's: no check ran at all."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_ATTEMPTED = "not attempted"
    ERRORED = "errored"
    MISSING = "missing"


class ExerciseFailed(AssertionError):
    """The answer is wrong; the message says what was expected and what came back."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows when a check cell raises this, instead of a stack trace into the
        checking code: the verdict (printed just above it too) and why the run stopped."""
        return [f"{type(self).__name__}: {self}",
                "(A run of the whole notebook stops at an exercise that has not passed yet.)"]


class NotAttempted(ExerciseFailed):
    """The answer is still the stub that the exercise started with."""


class PartlyRight(ExerciseFailed):
    """Some parts of the answer are right: ``passed`` of ``total``, worth that share of the
    points; the message says what is wrong."""

    def __init__(self, message: str, passed: int, total: int) -> None:
        if not 0 <= passed < total:
            raise ValueError(f"PartlyRight needs 0 <= passed < total, got {passed} of {total}")
        super().__init__(message)
        self.passed, self.total = passed, total


@dataclass(frozen=True)
class Exercise:
    """One registered check: the chapter it belongs to, its label and the function."""

    chapter: str
    label: str
    check: Callable[..., str]
    # Dotted names of the course's own implementations of the answer (see the module docstring).
    reference: tuple[str, ...] = ()
    points: float = 1.0


_REGISTRY: dict[str, Exercise] = {}


def exercise(label: str, chapter: str | None = None, reference: tuple[str, ...] = (),
             points: float = 1.0) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """Register the decorated function as the check of exercise ``label``.

    ``chapter`` defaults to the chapter of the checks module the function is in (``chNN_name``
    holds the checks of chapter ``NN_name``); checks kept elsewhere must name it. ``reference``
    holds the dotted names of the course's implementations of the answer (an answer that calls
    one fails under the grader); ``points`` is what the exercise is worth.
    """
    if isinstance(reference, str) or not all(
            isinstance(name, str) and name.count(".") >= 1 for name in reference):
        raise ValueError(f"reference of {label!r}: expected a tuple of dotted names such as "
                         f"('lessons_lib.bptt.clip_by_global_norm',), got {reference!r}")
    if isinstance(points, bool) or not isinstance(points, numbers.Real) or points <= 0:
        raise ValueError(f"points of {label!r}: expected a positive number, got {points!r}")

    def register(func: Callable[..., str]) -> Callable[..., str]:
        module = _CHAPTER_MODULE.fullmatch(func.__module__.rsplit(".", 1)[-1])
        owner = chapter or (module.group(1) if module else None)
        if owner is None:
            raise ValueError(f"the check {func.__name__} of {label!r} is not in a chapter's "
                             f"checks module (chNN_name.py): give @exercise(..., chapter=...)")
        if label in _REGISTRY:
            raise ValueError(f"exercise label {label!r} is registered twice")
        _REGISTRY[label] = Exercise(owner, label, func, tuple(reference), float(points))
        return func

    return register


def _module_files() -> dict[str, Path]:
    """The chapters' checks modules by dotted name, in chapter order, with their files."""
    files = sorted(Path(__file__).parent.glob("ch*.py"))
    return {f"{__name__}.{f.stem}": f for f in files if _CHAPTER_MODULE.fullmatch(f.stem)}


def chapter_modules() -> list[str]:
    """The dotted names of the chapters' checks modules, in chapter order."""
    return list(_module_files())


def _load_checks(label: str | None = None) -> None:
    """Import the checks module that registers ``label`` (found in the source), or all."""
    for name, path in _module_files().items():
        if label is None or label in _REGISTERED_LABEL.findall(path.read_text("utf-8")):
            importlib.import_module(name)


def registry() -> dict[str, Exercise]:
    """Every registered exercise by label, every chapter's checks loaded."""
    _load_checks()
    return dict(_REGISTRY)


def exercises_for(chapter: str) -> list[str]:
    """The labels of the exercises of one chapter, in the order they were registered."""
    module = f"{__name__}.ch{chapter}"
    if module in _module_files():
        importlib.import_module(module)
    return [e.label for e in _REGISTRY.values() if e.chapter == chapter]


def chapters() -> list[str]:
    """Every chapter that has exercises."""
    return sorted({e.chapter for e in registry().values()})


def lookup(label: str) -> Exercise:
    """The registered exercise ``label`` (its chapter's checks loaded), or a ``KeyError`` that
    lists the known labels."""
    if label not in _REGISTRY:
        _load_checks(label)
    if label not in _REGISTRY:
        known = ", ".join(sorted(registry())) or "none"
        raise KeyError(f"no exercise is labelled {label!r}; known labels: {known}")
    return _REGISTRY[label]


def run_check(label: str, *answers: Any, **kwargs: Any) -> dict[str, Any]:
    """Run one check and return its verdict as a dict, without raising.

    The verdict's ``status`` is a :class:`Status` value: ``passed``, ``failed``, ``not
    attempted`` or ``errored`` (the check itself broke, which is a bug in the course, not in
    the answer); ``points`` is what the exercise is worth and ``score`` what the answer earned
    (all of it when passed, a share when :class:`PartlyRight`).
    """
    entry = lookup(label)
    verdict: dict[str, Any] = {"exercise": label, "chapter": entry.chapter,
                               "points": entry.points, "score": 0.0}
    try:
        message = entry.check(*answers, **kwargs)
        verdict.update(status=Status.PASSED.value, feedback=message or "correct",
                       score=entry.points)
    except NotAttempted as exc:
        verdict.update(status=Status.NOT_ATTEMPTED.value, feedback=str(exc))
    except PartlyRight as exc:
        verdict.update(status=Status.FAILED.value, feedback=str(exc),
                       score=entry.points * exc.passed / exc.total)
    except ExerciseFailed as exc:
        verdict.update(status=Status.FAILED.value, feedback=str(exc))
    except Exception as exc:  # noqa: BLE001 - report any crash of the check as a verdict
        verdict.update(status=Status.ERRORED.value, feedback=f"{type(exc).__name__}: {exc}")
    return verdict


_SYMBOLS = {Status.PASSED: "✅", Status.FAILED: "❌", Status.NOT_ATTEMPTED: "✏️",
            Status.ERRORED: "⚠️"}


def check(label: str, *answers: Any, **kwargs: Any) -> None:
    """Check a student's answer to exercise ``label``: print the verdict, raise unless it passed.

    Under the grader (``LESSONS_ANSWERS_DIR`` set) the answer is first handed to it, to be
    checked again in a clean process; what this prints is for the student only."""
    if os.environ.get(ANSWERS_ENV):
        from lessons_lib.tooling.verdicts import capture

        capture(label, answers, kwargs)
    verdict = run_check(label, *answers, **kwargs)
    status = Status(verdict["status"])
    text = f"{_SYMBOLS[status]} {label}: {status} - {verdict['feedback']}"
    _emit(text, verdict)
    if status is Status.NOT_ATTEMPTED:
        raise NotAttempted(verdict["feedback"])
    if status is not Status.PASSED:
        raise ExerciseFailed(verdict["feedback"])


def _emit(text: str, verdict: dict[str, Any]) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python: no rich outputs
        print(text)
        return
    if get_ipython() is None:
        print(text)
        return
    display({"text/plain": text, CHECK_MIME: json.dumps(verdict)}, raw=True)


# --- helpers for writing checks -------------------------------------------------------------


def call_student(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the student's function; a stub (``NotImplementedError``) means not attempted.

    Every check calls the student's functions through this (or :func:`returned`): the grader's
    clean process looks for this function on the stack to tell the answer calling the course's
    own implementation from the check calling it to compute what is expected."""
    if func is None or func is Ellipsis:
        raise NotAttempted("no answer yet: replace the placeholder with your code")
    if not callable(func):
        raise ExerciseFailed(f"expected a function, got {type(func).__name__}")
    try:
        return func(*args, **kwargs)
    except NotImplementedError as exc:
        raise NotAttempted("the function still raises NotImplementedError: fill it in") from exc
    except Exception as exc:  # noqa: BLE001 - the student's error becomes feedback
        # Raised in the grader's answer process, it comes back named as the student's class.
        name = getattr(exc, "answer_type", type(exc).__name__)
        raise ExerciseFailed(f"your function raised {name}: {exc}") from exc


def shown(value: Any) -> Any:
    """``value`` as feedback should print it: numpy scalars as plain numbers, whole floats as
    ints (``np.float64(3.0)`` shows as ``3``), tuples of numpy ints as tuples of ints."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, tuple):
        return tuple(shown(v) for v in value)
    return value


def returned(func: Any, *args: Any, **kwargs: Any) -> Any:
    """:func:`call_student`, where ``None`` coming back is a mistake (a forgotten ``return``),
    not the stub. For exercises whose answer is never ``None``."""
    got = call_student(func, *args, **kwargs)
    if got is None:
        raise ExerciseFailed("your function returned None: end it with `return` and its answer")
    return got


def as_numbers(value: Any, what: str = "your answer") -> np.ndarray:
    """``value`` as an array of floats, or feedback that it is not numbers."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ExerciseFailed(f"expected {what} as an array of numbers, got "
                             f"{type(value).__name__}") from exc


def first_wrong(answer: Callable[[Any], Any], cases: list[Any],
                right: Callable[[Any, int], bool], failed: Any = None) -> tuple[int | None, list]:
    """Ask ``answer(case)`` case by case: the index of the first wrong answer (``None`` when
    all are right) and the answers to every case. After the first wrong one the later cases
    are still asked, only to name the slip by the pattern of all the answers; one that raises
    ``ExerciseFailed`` there is recorded as ``failed``, which should match no slip."""
    got: list = []
    for index, case in enumerate(cases):
        got.append(answer(case))
        if not right(got[-1], index):
            break
    else:
        return None, got
    wrong = len(got) - 1
    for case in cases[wrong + 1:]:
        try:
            got.append(answer(case))
        except ExerciseFailed:
            got.append(failed)
    return wrong, got


def expect_answer(answer: Any) -> Any:
    """Reject the placeholder answers ``None`` and ``...``."""
    if answer is None or answer is Ellipsis:
        raise NotAttempted("no answer yet: replace the placeholder with your code")
    return answer


def expect_equal(got: Any, expected: Any, what: str,
                 mistakes: Mapping[Any, str] | None = None) -> Any:
    """Insist that ``got == expected``; otherwise say what was expected and what came back.

    When ``got`` is one of the known wrong answers in ``mistakes``, the feedback also names the
    mistake it reveals. A number may come as an int or a float (``6272.0`` is ``6272``).
    """
    got = expect_answer(got)
    if isinstance(expected, numbers.Number) and not (
            isinstance(got, numbers.Number) and not isinstance(got, bool)):
        raise ExerciseFailed(f"{what}: expected a number such as {expected!r}, got {got!r}")
    if got == expected:
        return got
    try:
        mistake = (mistakes or {}).get(got, "")
    except TypeError:  # an unhashable answer is no known mistake
        mistake = ""
    raise ExerciseFailed(f"{what}: expected {shown(expected)!r}, got {shown(got)!r}."
                         + (f" {mistake}" if mistake else ""))


def expect_shape(value: Any, shape: tuple[int, ...], what: str = "your answer") -> np.ndarray:
    """Turn ``value`` into an array and insist on ``shape``."""
    array = np.asarray(expect_answer(value))
    if array.shape != tuple(shape):
        raise ExerciseFailed(f"expected {what} to have shape {tuple(shape)}, got {array.shape}")
    return array


def expect_close(value: Any, expected: Any, what: str = "your answer",
                 atol: float = 1e-6, rtol: float = 1e-5) -> np.ndarray:
    """Insist that ``value`` has the shape of ``expected`` and equals it within tolerance."""
    expected = np.asarray(expected)
    array = expect_shape(value, expected.shape, what)
    if array.dtype.kind not in "biuf":  # None, strings, ragged rows: no number to compare
        raise ExerciseFailed(f"expected {what} to hold numbers, got {str(value)[:200]}")
    if not np.allclose(array, expected, atol=atol, rtol=rtol):
        worst = np.unravel_index(np.argmax(np.abs(array - expected)), expected.shape) \
            if expected.ndim else ()
        raise ExerciseFailed(
            f"{what} has the right shape but not the right values: at index {shown(worst)} "
            f"expected {float(expected[worst]):.6g}, got {float(array[worst]):.6g}"
        )
    return array
