"""Chapter 5's exercise checks, in the order of ``book/05_four_models.ipynb``."""

from __future__ import annotations

from collections.abc import Callable

from lessons_lib.exercises import call_student, exercise, expect_equal


@exercise("ex-lstm-params")
def check_lstm_params(func: Callable[[int, int], int]) -> str:
    """The student's ``lstm_param_count(input_dim, units)`` against the four-gate formula."""
    for input_dim, units in [(16, 32), (1, 1), (8, 4), (100, 64)]:
        one_gate = input_dim * units + units * units + units
        expect_equal(call_student(func, input_dim, units), 4 * one_gate,
                     f"lstm_param_count({input_dim}, {units})", {
                         3 * one_gate: "That counts three blocks; an LSTM has four (input, "
                                       "forget, candidate, output).",
                         one_gate: "That is one SimpleRNN's weights; an LSTM has four blocks."})
    return "right: 4 x (input_dim x units + units x units + units), e.g. 6,272 for (16, 32)"


@exercise("ex-cnn-steps")
def check_cnn_steps(func: Callable[[int], int]) -> str:
    """The student's ``steps_after_convolutions(input_length)`` for the convnet's layers."""
    for length in (100, 41, 60, 250):
        expect_equal(call_student(func, length), (length - 6) // 5 - 6,
                     f"steps_after_convolutions({length}), in steps")
    return "right: 100 words leave 94, then 18, then 12 steps before the global max pooling"
