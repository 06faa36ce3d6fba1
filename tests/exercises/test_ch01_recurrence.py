"""The checks of chapter 1's exercises (lessons_lib.exercises.ch01_recurrence)."""

from __future__ import annotations

import numpy as np
import pytest


def right_step(x_t, y_prev, W, U, b):
    return np.tanh(W @ x_t + U @ y_prev + b)


def right_run_sequence(xs, W, U, b):
    y, out = np.zeros(len(b)), []
    for x_t in xs:
        y = right_step(x_t, y, W, U, b)
        out.append(y)
    return np.array(out)


@pytest.mark.parametrize("label,right,wrongs", [
    ("ex-rnn-step", right_step, [
        (lambda x, y, W, U, b: W @ x + U @ y + b, "apply np.tanh"),
        (lambda x, y, W, U, b: np.tanh(W @ x + b), "right shape but not the right values"),
        (lambda x, y, W, U, b: np.tanh(W.T @ x), "your function raised ValueError"),
    ]),
    ("ex-run-sequence", right_run_sequence, [
        (lambda xs, W, U, b: right_run_sequence(xs, W, U, b)[-1], "to have shape"),
        (lambda xs, W, U, b: np.array([right_step(x, np.zeros(len(b)), W, U, b) for x in xs]),
         "not the right values"),
    ]),
    ("ex-which-outputs-move", [5, 3, 4], [
        ([3], "so do all the outputs after it"),
        ([1, 2, 3, 4, 5], "computed before x_3 is read"),
        ([0, 3], "numbered 1 to 5"),
        ("three", "expected a list of step numbers"),
        ([2, 3, 4], "counted from 0"),
        ([4, 5], "y_3 itself reads x_3"),
        ([False, False, True, True, True], "True/False"),
        ([3, 4], "so do all the outputs after it"),
    ]),
])
def test_exercise_checks(label, right, wrongs, verdicts):
    verdicts(label, right, wrongs)
