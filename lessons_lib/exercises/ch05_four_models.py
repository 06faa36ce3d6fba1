"""The exercise checks of chapter 5, *Four models for one question*.

The chapter is ``book/05_four_models.ipynb``. Each check takes the student's answer(s) and
returns a short message when it is right; it raises ``NotAttempted`` for the untouched
stub and ``ExerciseFailed`` with feedback that names the mistake otherwise. The framework
(the registry, ``check``, ``run_check`` and the helpers) is ``lessons_lib.exercises``.
"""

from __future__ import annotations

from collections.abc import Callable

from lessons_lib.exercises import (
    ExerciseFailed,
    call_student,
    exercise,
)

CHAPTER = "05_four_models"


@exercise(CHAPTER, "ex-lstm-params")
def check_lstm_params(func: Callable[[int, int], int]) -> str:
    """The student's ``lstm_param_count(input_dim, units)`` against the four-gate formula."""
    cases = [(16, 32), (1, 1), (8, 4), (100, 64)]
    for input_dim, units in cases:
        got = call_student(func, input_dim, units)
        expected = 4 * (input_dim * units + units * units + units)
        if got == 3 * (input_dim * units + units * units + units):
            raise ExerciseFailed(f"lstm_param_count({input_dim}, {units}) = {got} counts three "
                                 f"blocks; an LSTM has four (input, forget, candidate, output)")
        if got != expected:
            raise ExerciseFailed(f"lstm_param_count({input_dim}, {units}): expected {expected}, "
                                 f"got {got}")
    return "right: 4 x (input_dim x units + units x units + units), e.g. 6,272 for (16, 32)"


@exercise(CHAPTER, "ex-cnn-steps")
def check_cnn_steps(func: Callable[[int], int]) -> str:
    """The student's ``steps_after_convolutions(input_length)`` for the convnet's layers."""
    for length in (100, 41, 60, 250):
        got = call_student(func, length)
        expected = (length - 6) // 5 - 6
        if got != expected:
            raise ExerciseFailed(f"steps_after_convolutions({length}): expected {expected} "
                                 f"steps, got {got}")
    return "right: 100 words leave 94, then 18, then 12 steps before the global max pooling"
