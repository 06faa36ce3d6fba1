"""Chapter 1's exercise checks, in the order of ``book/01_recurrence.ipynb``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lessons_lib.exercises import (
    ExerciseFailed,
    call_student,
    exercise,
    expect_answer,
    expect_close,
)


def _ref_step(x_t: Any, y_prev: Any, W: Any, U: Any, b: Any) -> np.ndarray:
    return np.tanh(np.asarray(W) @ np.asarray(x_t) + np.asarray(U) @ np.asarray(y_prev)
                   + np.asarray(b))


def _random_recurrence(seed: int, inputs: int, outputs: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"W": rng.normal(0, 0.8, (outputs, inputs)),
            "U": rng.normal(0, 0.5, (outputs, outputs)),
            "b": rng.normal(0, 0.3, outputs)}


@exercise("ex-rnn-step")
def check_rnn_step(step: Callable[..., Any]) -> str:
    """``step(x_t, y_prev, W, U, b)`` must return ``tanh(W x_t + U y_prev + b)``."""
    for seed, (inputs, outputs) in enumerate([(2, 3), (4, 2), (1, 1)]):
        p = _random_recurrence(seed, inputs, outputs)
        rng = np.random.default_rng(100 + seed)
        x_t, y_prev = rng.normal(size=inputs), rng.uniform(-1, 1, outputs)
        got = call_student(step, x_t, y_prev, p["W"], p["U"], p["b"])
        expected = _ref_step(x_t, y_prev, **p)
        without_tanh = p["W"] @ x_t + p["U"] @ y_prev + p["b"]
        if np.shape(got) == expected.shape and np.allclose(got, without_tanh):
            raise ExerciseFailed("your step returns W x_t + U y_prev + b: apply np.tanh to it")
        expect_close(got, expected, f"step(x_t, y_prev, W, U, b) for {inputs} inputs and "
                     f"{outputs} outputs")
    return "your step computes tanh(W x_t + U y_prev + b)"


@exercise("ex-run-sequence")
def check_run_sequence(run_sequence: Callable[..., Any]) -> str:
    """``run_sequence(xs, W, U, b)`` must return the outputs of every step, from ``y_0 = 0``."""
    for seed, (steps, inputs, outputs) in enumerate([(5, 2, 3), (1, 3, 2), (8, 1, 4)]):
        p = _random_recurrence(10 + seed, inputs, outputs)
        xs = np.random.default_rng(20 + seed).normal(size=(steps, inputs))
        y, expected = np.zeros(outputs), []
        for x_t in xs:
            y = _ref_step(x_t, y, **p)
            expected.append(y)
        got = call_student(run_sequence, xs, p["W"], p["U"], p["b"])
        expect_close(got, np.array(expected),
                     f"run_sequence on {steps} steps of {inputs} features ({outputs} outputs)")
    return "your loop carries the state from step to step, starting from zero"


@exercise("ex-which-outputs-move")
def check_which_outputs_move(steps: Any) -> str:
    """Which of y_1..y_5 change when only x_3 changes? Exactly steps 3, 4 and 5."""
    answer = expect_answer(steps)
    try:
        values = list(answer)
        got = sorted(int(s) for s in values)
    except (TypeError, ValueError) as exc:
        raise ExerciseFailed(f"expected a list of step numbers such as [1, 2], got {answer!r}"
                             ) from exc
    if len(values) == 5 and all(isinstance(v, (bool, np.bool_)) for v in values):
        raise ExerciseFailed("you gave True/False for each step; list the numbers of the steps "
                             "that moved instead, such as [1, 2]")
    if got == [2, 3, 4]:
        raise ExerciseFailed("you listed rows 2, 3 and 4 of the output array, counted from 0; "
                             "the steps are counted from 1 (row 2 is y_3)")
    if got and got[0] > 3:
        raise ExerciseFailed(f"you listed {got}, but y_3 itself reads x_3: it moves too")
    if any(s < 1 or s > 5 for s in got):
        raise ExerciseFailed(f"steps are numbered 1 to 5 (as in y_1 ... y_5), got {got}")
    if any(s < 3 for s in got):
        raise ExerciseFailed(f"you listed {got}, but y_1 and y_2 are computed before x_3 is read, "
                             "so they cannot move")
    if got and got[0] == 3 and got != [3, 4, 5]:
        raise ExerciseFailed(f"you listed {got}: y_3 moves, but so do all the outputs after it, "
                             "since y_4 reads y_3 through U, y_5 reads y_4, and so on")
    if got != [3, 4, 5]:
        raise ExerciseFailed(f"expected every step from the change onwards, got {got}")
    return "a change to x_3 reaches y_3 and, through the state, every later output"
