"""What every check's test asserts, in one place: the fixture ``verdicts``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from lessons_lib.exercises import run_check


def stub(*args: Any) -> Any:
    """The untouched stub of a function exercise."""
    raise NotImplementedError


def _answers(answer: Any) -> tuple:
    """A check's arguments: one answer, or a tuple of several (exercises with two parts)."""
    return answer if isinstance(answer, tuple) else (answer,)


def assert_verdicts(label: str, right: Any, wrongs: Sequence[tuple[Any, str]],
                    placeholders: Sequence[Any] | None = None) -> None:
    """The right answer passes; each placeholder is "not attempted" (by default ``None``, and
    the stub when the right answer is a function); each wrong answer fails with feedback that
    contains the words given beside it, naming the mistake."""
    verdict = run_check(label, *_answers(right))
    assert verdict["status"] == "passed", verdict
    if placeholders is None:
        placeholders = [None, stub] if callable(right) else [None]
    for placeholder in placeholders:
        verdict = run_check(label, *_answers(placeholder))
        assert verdict["status"] == "not attempted", (placeholder, verdict)
    for wrong, feedback in wrongs:
        verdict = run_check(label, *_answers(wrong))
        assert verdict["status"] == "failed", (feedback, verdict)
        assert feedback in verdict["feedback"], (feedback, verdict["feedback"])


@pytest.fixture
def verdicts() -> Callable[..., None]:
    """:func:`assert_verdicts`, for a check's test."""
    return assert_verdicts
