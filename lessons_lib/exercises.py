"""Checks for the exercises, with feedback that says what was expected and what came back.

Every exercise in the book has one check, registered here under the exercise's label and the
chapter (the notebook's file name without ``.ipynb``) it belongs to. A notebook calls
``check("label", answer)``: it prints a verdict, and raises ``ExerciseFailed`` when the answer is
wrong or missing, so a test run of the notebook fails. Each verdict is also emitted as a JSON
output (``CHECK_MIME``) so that the grader can read the results back from an executed notebook.

A check function takes the student's answer(s) and returns a short message on success; it raises
``NotAttempted`` when the answer is still the stub, and ``ExerciseFailed`` with specific
feedback when it is wrong. The helpers below (``call_student``, ``expect_shape``,
``expect_close``) keep checks short.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

CHECK_MIME = "application/vnd.lessons-check+json"


class ExerciseFailed(AssertionError):
    """The answer is wrong; the message says what was expected and what came back."""


class NotAttempted(ExerciseFailed):
    """The answer is still the stub that the exercise started with."""


@dataclass(frozen=True)
class Exercise:
    chapter: str
    label: str
    check: Callable[..., str]


_REGISTRY: dict[str, Exercise] = {}


def exercise(chapter: str, label: str) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """Register the decorated function as the check of exercise ``label`` in ``chapter``."""

    def register(func: Callable[..., str]) -> Callable[..., str]:
        if label in _REGISTRY:
            raise ValueError(f"exercise label {label!r} is registered twice")
        _REGISTRY[label] = Exercise(chapter, label, func)
        return func

    return register


def exercises_for(chapter: str) -> list[str]:
    """The labels of the exercises of one chapter, in the order they were registered."""
    return [e.label for e in _REGISTRY.values() if e.chapter == chapter]


def chapters() -> list[str]:
    """Every chapter that has exercises."""
    return sorted({e.chapter for e in _REGISTRY.values()})


def run_check(label: str, *answers: Any, **kwargs: Any) -> dict[str, str]:
    """Run one check and return its verdict as a dict, without raising.

    The verdict's ``status`` is ``passed``, ``failed``, ``not attempted`` or ``errored``
    (the check itself broke, which is a bug in the course, not in the answer).
    """
    if label not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"no exercise is labelled {label!r}; known labels: {known}")
    entry = _REGISTRY[label]
    verdict = {"exercise": label, "chapter": entry.chapter}
    try:
        message = entry.check(*answers, **kwargs)
        verdict.update(status="passed", feedback=message or "correct")
    except NotAttempted as exc:
        verdict.update(status="not attempted", feedback=str(exc))
    except ExerciseFailed as exc:
        verdict.update(status="failed", feedback=str(exc))
    except Exception as exc:  # noqa: BLE001 - report any crash of the check as a verdict
        verdict.update(status="errored", feedback=f"{type(exc).__name__}: {exc}")
    return verdict


_SYMBOLS = {"passed": "✅", "failed": "❌", "not attempted": "✏️", "errored": "⚠️"}


def check(label: str, *answers: Any, **kwargs: Any) -> None:
    """Check a student's answer to exercise ``label``: print the verdict, raise unless it passed."""
    verdict = run_check(label, *answers, **kwargs)
    text = f"{_SYMBOLS[verdict['status']]} {label}: {verdict['status']} - {verdict['feedback']}"
    _emit(text, verdict)
    if verdict["status"] == "not attempted":
        raise NotAttempted(verdict["feedback"])
    if verdict["status"] != "passed":
        raise ExerciseFailed(verdict["feedback"])


def _emit(text: str, verdict: dict[str, str]) -> None:
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
    """Call the student's function; a stub (``NotImplementedError``) means not attempted."""
    if func is None or func is Ellipsis:
        raise NotAttempted("no answer yet: replace the placeholder with your code")
    if not callable(func):
        raise ExerciseFailed(f"expected a function, got {type(func).__name__}")
    try:
        return func(*args, **kwargs)
    except NotImplementedError as exc:
        raise NotAttempted("the function still raises NotImplementedError: fill it in") from exc
    except Exception as exc:  # noqa: BLE001 - the student's error becomes feedback
        raise ExerciseFailed(f"your function raised {type(exc).__name__}: {exc}") from exc


def expect_answer(answer: Any) -> Any:
    """Reject the placeholder answers ``None`` and ``...``."""
    if answer is None or answer is Ellipsis:
        raise NotAttempted("no answer yet: replace the placeholder with your code")
    return answer


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
    if not np.allclose(array, expected, atol=atol, rtol=rtol):
        worst = np.unravel_index(np.argmax(np.abs(array - expected)), expected.shape) \
            if expected.ndim else ()
        raise ExerciseFailed(
            f"{what} has the right shape but not the right values: at index {worst} "
            f"expected {float(expected[worst]):.6g}, got {float(array[worst]):.6g}"
        )
    return array


# --- checks, one section per chapter ---------------------------------------------------------
# Each chapter's checks follow below in a section of their own, in the order of the chapter.
