"""The checks of chapter 2's exercises (lessons_lib.exercises.ch02_numpy_rnn)."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib.exercises import exercises_for
from lessons_lib.numpy_rnn import SimpleRNN


def right_fresh_forward(rnn, inputs):
    rnn.reset_state()
    return rnn.forward(inputs)


def reset_after(rnn, inputs):  # clears the state, but after the call instead of before
    outputs = rnn.forward(inputs)
    rnn.reset_state()
    return outputs


def state_to_none(rnn, inputs):  # right, written differently: clear the attribute by hand
    rnn.state = None
    return rnn.forward(inputs)


def right_output_shape(s, u, c):
    return (*s[:-2], s[-2] * u) if c else (*s[:-1], u)


def right_saturated_share(rnn, inputs):
    rnn.reset_state()
    return float((np.abs(rnn.forward(inputs)) > 0.99).mean())


def saturated_share_by_hand(rnn, inputs):  # right, written differently: a loop, a numpy float
    x = np.asarray(inputs)
    x = x if x.ndim == 3 else x[None]
    count = 0
    for sequence in x:
        y = np.zeros(len(rnn.b))
        for x_t in sequence:
            y = np.tanh(rnn.W @ x_t + rnn.U @ y + rnn.b)
            count += int(np.sum(np.abs(y) > 0.99))
    return np.float64(count / (x.shape[0] * x.shape[1] * len(rnn.b)))


def scales_the_layer(rnn, inputs):  # scales the weights inside the function
    rnn.W, rnn.U = 2 * rnn.W, 2 * rnn.U
    return right_saturated_share(rnn, inputs)


def test_the_chapter_registers_its_exercises():
    assert exercises_for("02_numpy_rnn") == [
        "ex-count-parameters", "ex-output-shape", "ex-fresh-forward", "ex-saturated-share"]


@pytest.mark.parametrize("label,right,wrongs", [
    ("ex-count-parameters", lambda i, u: u * (i + u + 1), [
        (lambda i, u: u * (i + u), "left out the bias"),
        (lambda i, u: u * i + u, "left out the recurrent matrix U"),
        (lambda i, u: u * i, "counted only W"),
        (lambda i, u: u * u + u, "left out the input matrix W"),
        (lambda i, u: u * i + u * u + 1, "one entry per unit"),
        (lambda i, u: i * (i + u + 1), "swapped the numbers of units"),
        (lambda i, u: u * (i + u + 1) + 1, "expected 6208"),
        (lambda i, u: 6208, "expected 1568"),  # the chapter's layer, hard-coded
        (lambda i, u: str(u * (i + u + 1)), "expected a number"),
    ]),
    ("ex-output-shape", right_output_shape, [
        (lambda s, u, c: (s[-2] * u,) if c else (s[-2], u), "dropped the batch axis"),
        (lambda s, u, c: None, "returned None"),
        (lambda s, u, c: 6400, "expected a tuple of ints"),
        (lambda s, u, c: (*s[:-2], s[-2] * u) if c else s, "not of input features"),
        (lambda s, u, c: (*s[:-2], s[-2] + u) if c else (*s[:-1], u), "steps * units "
                                                                      "numbers"),
        (lambda s, u, c: (*s[:-1], u), "the last two numbers merge"),
        (lambda s, u, c: (*s[:-2], s[-2] * s[-1]) if c else (*s[:-1], u), "multiply by the "
                                                                           "number of units"),
        (lambda s, u, c: (int(np.prod(s[:-1])) * u,) if c else (*s[:-1], u), "not the "
                                                                               "sequences"),
        (lambda s, u, c: (*s[:-2], u), "not only the last one"),
        (lambda s, u, c: (*s[:-2], s[-2] * u), "only concatenate=True merges"),
        (lambda s, u, c: (6400,), "expected (100, 64)"),  # the chapter's example, hard-coded
        (lambda s, u, c: (6400,) if c else (*s[:-1], u), "the chapter's example"),
    ]),
    ("ex-fresh-forward", right_fresh_forward, [
        (lambda rnn, xs: rnn.forward(xs), "state an earlier call left behind"),
        (lambda rnn, xs: (setattr(rnn, "b", rnn.b + 1), SimpleRNN(3, 4, seed=0).forward(xs))[1],
         "changed the layer's weights"),
        (lambda rnn, xs: SimpleRNN(3, 4, seed=0).forward(xs), "from a new layer"),
        (reset_after, "state an earlier call left behind"),
        (lambda rnn, xs: (rnn.reset_state(), rnn.forward(xs[::-1]))[1], "not the right values"),
        (lambda rnn, xs: (rnn.reset_state(), rnn.forward(xs[0] if xs.ndim == 3 else xs))[1],
         "one sequence's outputs"),  # the first sequence of a batch only
    ]),
    ("ex-saturated-share", right_saturated_share, [
        (lambda rnn, x: float((np.abs(rnn.forward(x)) > 0.99).mean()), "Pitfall 2"),
        (lambda rnn, x: (rnn.reset_state(), float((rnn.forward(x) > 0.99).mean()))[1],
         "near -1 too"),
        (lambda rnn, x: (rnn.reset_state(), int((np.abs(rnn.forward(x)) > 0.99).sum()))[1],
         "not their count"),
        (lambda rnn, x: 100 * right_saturated_share(rnn, x), "not a percentage"),
        (lambda rnn, x: 1 - right_saturated_share(rnn, x), "not saturated"),
        (lambda rnn, x: (rnn.reset_state(),
                         float((np.abs(rnn.forward(x)[..., -1, :]) > 0.99).mean()))[1],
         "not only the last one"),
        (lambda rnn, x: right_saturated_share(SimpleRNN(5, 6, seed=3), x), "expected a share"),
        (scales_the_layer, "changed the layer's weights"),
        (lambda rnn, x: [right_saturated_share(rnn, x)] * 2, "as one number"),
        (lambda rnn, x: None, "returned None"),
        (lambda rnn, x: right_saturated_share(rnn, x) > 0.5, "a bool"),
    ]),
])
def test_exercise_checks(label, right, wrongs, verdicts):
    verdicts(label, right, wrongs)


@pytest.mark.parametrize("label,right", [
    ("ex-fresh-forward", state_to_none),
    ("ex-count-parameters", lambda i, u: float(u * i + u * u + u)),
    ("ex-count-parameters", lambda i, u: np.int64(u) * (i + u + 1)),
    ("ex-output-shape", lambda s, u, c: list(right_output_shape(s, u, c))),
    ("ex-output-shape", lambda s, u, c: np.array(right_output_shape(s, u, c))),
    ("ex-saturated-share", saturated_share_by_hand),
])
def test_right_answers_written_differently_pass(label, right, verdicts):
    verdicts(label, right, [])
