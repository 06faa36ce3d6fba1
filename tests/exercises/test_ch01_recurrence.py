"""The checks of chapter 1's exercises (lessons_lib.exercises.ch01_recurrence)."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib.exercises import exercises_for
from lessons_lib.numpy_rnn import rnn_step

EXAMPLE_W = np.array([[0.5, -0.3], [0.8, 0.2]])
EXAMPLE_U = np.array([[0.1, 0.4], [-0.6, 0.3]])
EXAMPLE_B = np.array([0.0, 0.1])


def right_step(x_t, y_prev, W, U, b):
    return np.tanh(W @ x_t + U @ y_prev + b)


def right_run_sequence(xs, W, U, b):
    y, out = np.zeros(len(b)), []
    for x_t in xs:
        y = right_step(x_t, y, W, U, b)
        out.append(y)
    return np.array(out)


def run_from(y0, carry=True):
    """A run_sequence that starts from ``y0(b)`` and, unless ``carry``, restarts every step."""
    def run(xs, W, U, b):
        y, out = y0(b), []
        for x_t in xs:
            y = right_step(x_t, y if carry else y0(b), W, U, b)
            out.append(y)
        return np.array(out)
    return run


def fixed_state_of_4(xs, W, U, b):  # hard-codes the size of the state
    y, out = np.zeros(4), []
    for x_t in xs:
        y = right_step(x_t, y, W, U, b)
        out.append(y)
    return np.array(out)


def four_steps(xs, W, U, b):  # hard-codes the number of steps
    y, out = np.zeros(len(b)), []
    for t in range(4):
        y = right_step(xs[t], y, W, U, b)
        out.append(y)
    return np.array(out)


def as_list(xs, W, U, b):  # right, written differently: a list of lists
    return right_run_sequence(xs, W, U, b).tolist()


class LeakyLayers:
    """A run_sequence that keeps one SimpleRNN per size between calls: its state leaks."""

    def __init__(self):
        self.layers = {}

    def __call__(self, xs, W, U, b):
        from lessons_lib.numpy_rnn import SimpleRNN
        layer = self.layers.setdefault(W.shape, SimpleRNN(W.shape[1], W.shape[0]))
        layer.W, layer.U, layer.b = W, U, b
        return layer.forward(xs)


def one_layer_for_all(xs, W, U, b, _kept={}):  # noqa: B006 - the leak under test
    """A run_sequence that reuses the layer it made on its first call, whatever the sizes."""
    from lessons_lib.numpy_rnn import SimpleRNN
    layer = _kept.setdefault("layer", SimpleRNN(W.shape[1], W.shape[0]))
    layer.W, layer.U, layer.b = W, U, b
    return layer.forward(xs)


def half_life_loop(distances):  # right, written with a loop and a plain list
    for t, d in enumerate(list(distances), start=1):
        if d < distances[0] / 2:
            return t
    return None


def right_half_life(d):
    below = np.flatnonzero(np.asarray(d) < d[0] / 2)
    return int(below[0]) + 1 if len(below) else None


def test_the_chapter_registers_its_exercises():
    assert exercises_for("01_recurrence") == [
        "ex-rnn-step", "ex-run-sequence", "ex-which-outputs-move", "ex-half-life"]


@pytest.mark.parametrize("label,right,wrongs", [
    ("ex-rnn-step", right_step, [
        (lambda x, y, W, U, b: W @ x + U @ y + b, "apply np.tanh"),
        (lambda x, y, W, U, b: np.tanh(W @ x + U @ y), "left out the bias b"),
        (lambda x, y, W, U, b: np.tanh(W @ x) + U @ y + b, "must wrap the whole sum"),
        (lambda x, y, W, U, b: np.tanh(W @ x + U @ y) + b, "bias b goes inside np.tanh"),
        (lambda x, y, W, U, b: np.tanh(W @ x + b), "left out U y_prev"),
        (lambda x, y, W, U, b: np.tanh(U @ x + W @ y + b), "swapped W and U"),
        (lambda x, y, W, U, b: np.tanh(x @ W + y @ U + b), "wrong side"),
        (lambda x, y, W, U, b: np.tanh(W.T @ x + U @ y + b), "W x_t is multiplied from the "
                                                             "wrong side"),
        (lambda x, y, W, U, b: np.tanh(np.dot(W, x) + np.dot(y, U) + b), "U y_prev is "
                                                                         "multiplied from"),
        (lambda x, y, W, U, b: 1 / (1 + np.exp(-(W @ x + U @ y + b))), "sigmoid"),
        (lambda x, y, W, U, b: np.tanh(EXAMPLE_W @ x + EXAMPLE_U @ y + EXAMPLE_B),
         "worked example's W, U and b"),
        (lambda x, y, W, U, b: np.tanh(W @ x + U @ y + b)[:1], "to have shape"),
        (lambda x, y, W, U, b: print(np.tanh(W @ x + U @ y + b)), "returned None"),
        (lambda x, y, W, U, b: (None, None), "not the right values"),
    ]),
    ("ex-run-sequence", right_run_sequence, [
        (lambda xs, W, U, b: right_run_sequence(xs, W, U, b)[-1], "only the last output"),
        (run_from(np.ones_like), "started from ones"),
        (run_from(np.zeros_like, carry=False), "carry the state"),
        (lambda xs, W, U, b: right_run_sequence(xs[1:], W, U, b), "skipped the first row"),
        (lambda xs, W, U, b: right_run_sequence(xs, W, U, b)[1:], "first output is missing"),
        (lambda xs, W, U, b: np.vstack([np.zeros(len(b)), right_run_sequence(xs, W, U, b)]),
         "included y_0"),
        (lambda xs, W, U, b: right_run_sequence(xs[::-1], W, U, b), "backwards"),
        (lambda xs, W, U, b: right_run_sequence(xs, W, U, b).T, "transposed"),
        (fixed_state_of_4, "len(b) = 3 entries"),
        (four_steps, "not a fixed number"),
        (lambda xs, W, U, b: right_run_sequence(xs, EXAMPLE_W, EXAMPLE_U, EXAMPLE_B),
         "worked example's W, U and b"),
        (LeakyLayers(), "kept the state of its previous call"),
        (one_layer_for_all, "kept the state of its previous call"),
        (lambda xs, W, U, b: right_run_sequence(xs, W, U, np.zeros_like(b)), "left out the "
                                                                            "bias b"),
        (lambda xs, W, U, b: right_run_sequence(xs, W, U, b)[::-1], "reverse order"),
    ]),
    ("ex-which-outputs-move", [5, 3, 4], [
        ([3], "so do all the outputs after it"),
        ([1, 2, 3, 4, 5], "call rnn.reset_state() before each"),  # computed without reset
        ([1, 2, 3], "computed before x_3 is read"),
        ([0, 3], "numbered 1 to 5"),
        ("three", "expected a list of step numbers"),
        ([2, 3, 4], "counted from 0"),
        ([4, 5], "y_3 itself reads x_3"),
        ([False, False, True, True, True], "True/False"),
        ([3, 4], "so do all the outputs after it"),
    ]),
    ("ex-half-life", right_half_life, [
        (lambda d: right_half_life(d) - 1 if right_half_life(d) else None, "one too small"),
        (lambda d: int(np.argmax(np.asarray(d) <= d[0] / 2)) + 1, "use <, not <="),
        (lambda d: int(np.argmax(np.asarray(d) < max(d) / 2)) + 1, "not of the largest"),
        (lambda d: int(np.argmax(np.asarray(d) < 0.5)) + 1, "fixed number 0.5"),
        (lambda d: int(np.flatnonzero(np.asarray(d) < d[0] / 2)[-1]) + 1, "not the last"),
        (lambda d: right_half_life(d) or len(d), "return None"),
        (lambda d: 3, "should be 5"),  # the chapter's number for U x 0.9, hard-coded
        (lambda d: int(np.sum(np.asarray(d) < d[0] / 2)), "should be"),
        (lambda d: "five", "expected a step number"),
        (lambda d: next((t + 1 for t in range(1, len(d)) if 0 < d[t] < d[0] / 2), None),
         "distance of exactly 0 is below half"),  # skips exact zeros
        (lambda d: right_half_life(np.where(np.asarray(d) > 0, d, np.nan)),
         "distance of exactly 0 is below half"),  # the chapter's plotting line: 0 -> NaN
        (lambda d: (lambda b: int(b[0]) + 1 if len(b) else None)(
            np.flatnonzero(np.asarray(d)[1:] < d[0] / 2)), "step i + 2"),  # d[1:], index + 1
        (lambda d: (lambda b: int(b[-1]) + 1 if len(b) else None)(
            np.flatnonzero(np.asarray(d) >= d[0] / 2)), "last step still at or above half"),
    ]),
])
def test_exercise_checks(label, right, wrongs, verdicts):
    verdicts(label, right, wrongs)


@pytest.mark.parametrize("label,right", [
    ("ex-rnn-step", rnn_step),  # the library's step, row vectors inside
    ("ex-rnn-step", lambda x, y, W, U, b: np.tanh(np.dot(W, x) + np.dot(U, y) + b).tolist()),
    ("ex-run-sequence", as_list),
    # a layer made afresh on every call starts from zero every time: right
    ("ex-run-sequence", lambda xs, W, U, b: LeakyLayers()(xs, W, U, b)),
    # a set of the right steps is accepted: the order of the steps tells nothing here
    ("ex-which-outputs-move", {3, 4, 5}),
    ("ex-half-life", half_life_loop),
    ("ex-half-life", lambda d: (np.flatnonzero(np.asarray(d) < d[0] / 2) + 1.0).tolist()[0]
     if (np.asarray(d) < d[0] / 2).any() else None),  # a float step number
    ("ex-half-life", lambda d: next((np.int64(t) for t in range(1, len(d) + 1)
                                     if d[t - 1] < d[0] / 2), None)),  # a numpy int
])
def test_right_answers_written_differently_pass(label, right, verdicts):
    verdicts(label, right, [])
