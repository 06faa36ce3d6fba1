"""The checks of chapter 2's exercises (lessons_lib.exercises.ch02_numpy_rnn)."""

from __future__ import annotations

import pytest

from lessons_lib.numpy_rnn import SimpleRNN


def right_fresh_forward(rnn, inputs):
    rnn.reset_state()
    return rnn.forward(inputs)


@pytest.mark.parametrize("label,right,wrongs", [
    ("ex-count-parameters", lambda i, u: u * (i + u + 1), [
        (lambda i, u: u * (i + u), "left out the bias"),
        (lambda i, u: u * i + u, "left out the recurrent matrix U"),
    ]),
    ("ex-output-shape", lambda s, u, c: (*s[:-2], s[-2] * u) if c else (*s[:-1], u), [
        (lambda s, u, c: (s[-2] * u,) if c else (s[-2], u), "expected (8, 50, 20)"),
        (lambda s, u, c: None, "expected a tuple of ints"),
    ]),
    ("ex-fresh-forward", right_fresh_forward, [
        (lambda rnn, xs: rnn.forward(xs), "not the right values"),
        (lambda rnn, xs: (setattr(rnn, "b", rnn.b + 1), SimpleRNN(3, 4, seed=0).forward(xs))[1],
         "changed the layer's weights"),
    ]),
])
def test_exercise_checks(label, right, wrongs, verdicts):
    verdicts(label, right, wrongs)
