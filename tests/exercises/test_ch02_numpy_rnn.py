"""The checks of chapter 2's exercises (lessons_lib.exercises.ch02_numpy_rnn)."""

from __future__ import annotations

import pytest

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


@pytest.mark.parametrize("label,right,wrongs", [
    ("ex-count-parameters", lambda i, u: u * (i + u + 1), [
        (lambda i, u: u * (i + u), "left out the bias"),
        (lambda i, u: u * i + u, "left out the recurrent matrix U"),
        (lambda i, u: u * i, "counted only W"),
        (lambda i, u: i * (i + u + 1), "swapped the numbers of units"),
        (lambda i, u: u * (i + u + 1) + 1, "expected 6208"),
    ]),
    ("ex-output-shape", lambda s, u, c: (*s[:-2], s[-2] * u) if c else (*s[:-1], u), [
        (lambda s, u, c: (s[-2] * u,) if c else (s[-2], u), "expected (8, 50, 20)"),
        (lambda s, u, c: None, "expected a tuple of ints"),
        (lambda s, u, c: (*s[:-2], s[-2] * u) if c else s, "expected (100, 64)"),  # units kept
        (lambda s, u, c: (*s[:-2], s[-2] + u) if c else (*s[:-1], u), "expected (6400,)"),
    ]),
    ("ex-fresh-forward", right_fresh_forward, [
        (lambda rnn, xs: rnn.forward(xs), "state an earlier call left behind"),
        (lambda rnn, xs: (setattr(rnn, "b", rnn.b + 1), SimpleRNN(3, 4, seed=0).forward(xs))[1],
         "changed the layer's weights"),
        (lambda rnn, xs: SimpleRNN(3, 4, seed=0).forward(xs), "from a new layer"),
        (reset_after, "state an earlier call left behind"),
        (lambda rnn, xs: (rnn.reset_state(), rnn.forward(xs[::-1]))[1], "not the right values"),
    ]),
])
def test_exercise_checks(label, right, wrongs, verdicts):
    verdicts(label, right, wrongs)


def test_fresh_forward_written_differently_passes(verdicts):
    verdicts("ex-fresh-forward", state_to_none, [])
