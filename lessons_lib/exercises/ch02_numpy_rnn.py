"""Chapter 2's exercise checks, in the order of ``book/02_numpy_rnn.ipynb``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lessons_lib.exercises import ExerciseFailed, call_student, exercise, expect_close, expect_equal


@exercise("ex-count-parameters")
def check_count_parameters(count: Callable[[int, int], Any]) -> str:
    """``count(input_features, units)`` is the number of weights of a SimpleRNN layer."""
    for inputs, units in [(32, 64), (16, 32), (32, 32), (1, 1), (7, 3)]:
        expect_equal(call_student(count, inputs, units), units * inputs + units * units + units,
                     f"count({inputs}, {units}), the weights of {units} units on {inputs} "
                     "input features", {
                         units * inputs + units * units: "You left out the bias b.",
                         units * inputs + units: "You left out the recurrent matrix U.",
                         units * inputs: "You counted only W.",
                         inputs * (inputs + units + 1): "You swapped the numbers of units and "
                         "of input features: W has one row per unit, one column per input."})
    return "W, U and b: units * (input_features + units + 1) parameters"


@exercise("ex-output-shape")
def check_output_shape(output_shape: Callable[..., Any]) -> str:
    """``output_shape(input_shape, units, concatenate)`` predicts what ``forward`` returns."""
    cases = [((100, 32), 64, False, (100, 64)), ((100, 32), 64, True, (6400,)),
             ((8, 50, 10), 20, False, (8, 50, 20)), ((8, 50, 10), 20, True, (8, 1000)),
             ((3, 1), 5, True, (15,))]
    for input_shape, units, concatenate, expected in cases:
        got = call_student(output_shape, input_shape, units, concatenate)
        try:
            got = tuple(int(n) for n in got)
        except TypeError as exc:
            raise ExerciseFailed(f"expected a tuple of ints such as {expected}, got {got!r}"
                                 ) from exc
        if got != expected:
            raise ExerciseFailed(f"for inputs of shape {input_shape}, {units} units and "
                                 f"concatenate={concatenate} expected {expected}, got {got}")
    return "you can predict the output shape of forward, batched or not"


@exercise("ex-fresh-forward")
def check_fresh_forward(fresh_forward: Callable[..., Any]) -> str:
    """``fresh_forward(rnn, inputs)`` returns what a brand-new layer would, call after call.

    The layer's weights are changed after it was made, so that no freshly made layer (of any
    seed) has them; the usual slips (the earlier call's state kept, a new layer, the state
    cleared after the call instead of before) are named.
    """
    from lessons_lib.numpy_rnn import SimpleRNN

    rnn, reference = SimpleRNN(3, 4, seed=0), SimpleRNN(3, 4, seed=0)
    rng = np.random.default_rng(1)
    rnn.W, rnn.U, rnn.b = rnn.W * 1.5, rnn.U[::-1].copy(), rng.normal(size=4) * 0.1
    reference.W, reference.U, reference.b = rnn.W.copy(), rnn.U.copy(), rnn.b.copy()
    xs = rng.normal(size=(6, 3))
    expected = reference.forward(xs)
    rnn.forward(rng.normal(size=(6, 3)))  # leave some state behind, as an earlier call would
    weights = [rnn.W.copy(), rnn.U.copy(), rnn.b.copy()]
    for call in ("first", "second"):
        left = None if rnn.state is None else np.array(rnn.state, copy=True)
        got = call_student(fresh_forward, rnn, xs)
        if not all(np.array_equal(a, b) for a, b in zip(weights, [rnn.W, rnn.U, rnn.b],
                                                        strict=True)):
            raise ExerciseFailed("fresh_forward changed the layer's weights: only the state "
                                 "may go")
        if np.shape(got) == np.shape(expected) and not np.allclose(got, expected, atol=1e-10):
            if np.allclose(got, SimpleRNN(3, 4, seed=0).forward(xs), atol=1e-10):
                raise ExerciseFailed("your outputs come from a new layer, whose weights are "
                                     "not rnn's: keep rnn and clear only its state")
            reference.state = left  # where a call that keeps the state starts from
            if left is not None and np.allclose(got, reference.forward(xs), atol=1e-10):
                raise ExerciseFailed(f"the {call} call started from the state an earlier call "
                                     "left behind: clear the state before running the layer "
                                     "(Pitfall 2)")
        expect_close(got, expected, f"the {call} call's outputs", atol=1e-10)
    return "every call starts from y_0 = 0, whatever ran before"
