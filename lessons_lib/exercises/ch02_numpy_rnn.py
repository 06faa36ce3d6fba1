"""Chapter 2's exercise checks, in the order of ``book/02_numpy_rnn.ipynb``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lessons_lib.exercises import (
    ExerciseFailed,
    as_numbers,
    exercise,
    expect_answer,
    expect_close,
    expect_equal,
    returned,
)


@exercise("ex-count-parameters", reference=("lessons_lib.models.simple_rnn_params",))
def check_count_parameters(count: Callable[[int, int], Any]) -> str:
    """``count(input_features, units)`` is the number of weights of a SimpleRNN layer."""
    for inputs, units in [(32, 64), (16, 32), (32, 32), (1, 1), (7, 3)]:
        expect_equal(returned(count, inputs, units), units * inputs + units * units + units,
                     f"count({inputs}, {units}), the weights of {units} units on {inputs} "
                     "input features", {
                         units * inputs + units * units: "You left out the bias b.",
                         units * inputs + units: "You left out the recurrent matrix U.",
                         units * inputs: "You counted only W.",
                         units * units + units: "You left out the input matrix W: one weight "
                         "per unit and input feature.",
                         units * inputs + units * units + 1: "b has one entry per unit, not "
                         "one for the whole layer.",
                         inputs * (inputs + units + 1): "You swapped the numbers of units and "
                         "of input features: W has one row per unit, one column per input."})
    return "W, U and b: units * (input_features + units + 1) parameters"


def _shape_slips(input_shape: tuple[int, ...], units: int, concatenate: bool) -> dict:
    """Wrong shapes students predict, each with the mistake it reveals."""
    *batch, steps, features = input_shape
    batch = tuple(batch)
    slips = {
        (*batch, steps, features): "the last number is the number of units, not of input "
                                   "features: every step gives one value per unit",
        (*batch, steps * features): "the steps are joined as outputs of the layer: multiply "
                                    "by the number of units, not of input features",
        (*batch, steps + units): "joining the steps multiplies: steps * units numbers, one "
                                 "block of units per step",
        (*batch, units): "the layer returns one output per step, not only the last one",
    }
    if concatenate:
        slips[(*batch, steps, units)] = ("with concatenate=True the steps are joined end to "
                                         "end: the last two numbers merge into steps * units")
    else:
        slips[(*batch, steps * units)] = ("with concatenate=False the steps stay separate: "
                                          "only concatenate=True merges them")
    if batch:
        slips[(steps * units,) if concatenate else (steps, units)] = (
            "you dropped the batch axis: a leading batch number passes through unchanged")
        slips[(int(np.prod(batch)) * steps * units,)] = (
            "concatenate joins the steps of each sequence, not the sequences of the batch: "
            "the batch axis stays")
    return slips


@exercise("ex-output-shape")
def check_output_shape(output_shape: Callable[..., Any]) -> str:
    """``output_shape(input_shape, units, concatenate)`` predicts what ``forward`` returns."""
    cases = [((100, 32), 64, False, (100, 64)), ((100, 32), 64, True, (6400,)),
             ((8, 50, 10), 20, False, (8, 50, 20)), ((8, 50, 10), 20, True, (8, 1000)),
             ((3, 1), 5, True, (15,)), ((2, 7, 4), 3, False, (2, 7, 3))]
    for input_shape, units, concatenate, expected in cases:
        got = returned(output_shape, input_shape, units, concatenate)
        try:
            got = tuple(int(n) for n in got)
        except (TypeError, ValueError) as exc:
            raise ExerciseFailed(f"expected a tuple of ints such as {expected}, got {got!r}"
                                 ) from exc
        if got != expected:
            slip = _shape_slips(input_shape, units, concatenate).get(got, "")
            if not slip and got == (6400,):
                slip = ("that is the shape of the chapter's example ((100, 32), 64 units, "
                        "concatenated), whatever the arguments: compute it from input_shape, "
                        "units and concatenate")
            raise ExerciseFailed(f"for inputs of shape {input_shape}, {units} units and "
                                 f"concatenate={concatenate} expected {expected}, got {got}."
                                 + (f" {slip[0].upper()}{slip[1:]}." if slip else ""))
    return "you can predict the output shape of forward, batched or not"


@exercise("ex-fresh-forward")
def check_fresh_forward(fresh_forward: Callable[..., Any]) -> str:
    """``fresh_forward(rnn, inputs)`` returns what a brand-new layer would, call after call,
    for one sequence ``(time_steps, input_features)`` or a batch
    ``(batch, time_steps, input_features)``.

    The layer's weights are changed after it was made, so that no freshly made layer (of any
    seed) has them; the usual slips (the earlier call's state kept, a new layer, the state
    cleared after the call instead of before, only the first sequence of a batch) are named.
    """
    from lessons_lib.numpy_rnn import SimpleRNN

    rnn, reference = SimpleRNN(3, 4, seed=0), SimpleRNN(3, 4, seed=0)
    rng = np.random.default_rng(1)
    rnn.W, rnn.U, rnn.b = rnn.W * 1.5, rnn.U[::-1].copy(), rng.normal(size=4) * 0.1
    reference.W, reference.U, reference.b = rnn.W.copy(), rnn.U.copy(), rnn.b.copy()
    single, batch = rng.normal(size=(6, 3)), rng.normal(size=(3, 5, 3))
    rnn.forward(rng.normal(size=(6, 3)))  # leave some state behind, as an earlier call would
    weights = [rnn.W.copy(), rnn.U.copy(), rnn.b.copy()]
    for call, xs in [("first", single), ("second", single), ("batch", batch),
                     ("second batch", batch)]:
        reference.reset_state()
        expected = reference.forward(xs)
        left = None if rnn.state is None else np.array(rnn.state, copy=True)
        got = as_numbers(returned(fresh_forward, rnn, xs.copy()), "the outputs")
        if not all(np.array_equal(a, b) for a, b in zip(weights, [rnn.W, rnn.U, rnn.b],
                                                        strict=True)):
            raise ExerciseFailed("fresh_forward changed the layer's weights: only the state "
                                 "may go")
        if xs.ndim == 3 and np.shape(got) == expected.shape[1:]:
            raise ExerciseFailed(
                f"for a batch of shape {xs.shape} you returned {np.shape(got)}, one sequence's "
                "outputs: return the outputs of every sequence of the batch, shape (batch, "
                "time_steps, units), as rnn.forward does")
        if np.shape(got) == np.shape(expected) and not np.allclose(got, expected, atol=1e-10):
            if np.allclose(got, SimpleRNN(3, 4, seed=0).forward(xs), atol=1e-10):
                raise ExerciseFailed("your outputs come from a new layer, whose weights are "
                                     "not rnn's: keep rnn and clear only its state")
            reference.state = left  # where a call that keeps the state starts from
            try:
                leaked = reference.forward(xs)
            except ValueError:  # a state of another batch size cannot carry on
                leaked = None
            if left is not None and leaked is not None and np.allclose(got, leaked,
                                                                        atol=1e-10):
                raise ExerciseFailed(f"the {call} call started from the state an earlier call "
                                     "left behind: clear the state before running the layer "
                                     "(Pitfall 2)")
        expect_close(got, expected, f"the {call} call's outputs", atol=1e-10)
    return "every call starts from y_0 = 0, whatever ran before, one sequence or a batch"


def _share(outputs: np.ndarray) -> float:
    return float((np.abs(outputs) > 0.99).mean())


@exercise("ex-saturated-share")
def check_saturated_share(saturated_share: Callable[..., Any]) -> str:
    """``saturated_share(rnn, inputs)``: the share of rnn's outputs on inputs, from a zero
    state, with ``|y| > 0.99``.

    The layer's weights are the check's own (no freshly made layer has them) and an earlier
    call leaves a state behind; inputs with and without a batch axis, of several sizes.
    """
    from lessons_lib.numpy_rnn import SimpleRNN

    rng = np.random.default_rng(21)
    rnn = SimpleRNN(5, 6, seed=3)
    rnn.W, rnn.U, rnn.b = 3 * rnn.W, 2.5 * rnn.U, rng.normal(0, 0.5, 6)
    weights = [rnn.W.copy(), rnn.U.copy(), rnn.b.copy()]
    cases = [rng.normal(size=(4, 30, 5)), rng.random((12, 5)), 0.3 * rng.normal(size=(2, 9, 5))]
    for inputs in cases:
        rnn.reset_state()  # the last case's state has another shape
        rnn.forward(rng.normal(size=inputs.shape))  # an earlier call leaves its state behind
        left = np.array(rnn.state, copy=True)
        reference = SimpleRNN(5, 6)
        reference.W, reference.U, reference.b = (w.copy() for w in weights)
        outputs = reference.forward(inputs)
        expected = _share(outputs)
        got = returned(saturated_share, rnn, inputs.copy())
        if not all(np.array_equal(a, b) for a, b in zip(weights, [rnn.W, rnn.U, rnn.b],
                                                        strict=True)):
            raise ExerciseFailed("saturated_share changed the layer's weights: measure the "
                                 "layer as it is (scale the weights outside the function)")
        if isinstance(got, (bool, np.bool_)):
            raise ExerciseFailed(f"expected the share as one number between 0 and 1, got "
                                 f"{got!r}, a bool: return the share itself, not whether the "
                                 "layer is saturated")
        try:
            got = float(expect_answer(got))
        except (TypeError, ValueError) as exc:
            raise ExerciseFailed(f"expected the share as one number, got {got!r}") from exc
        if np.isclose(got, expected, atol=1e-12):
            continue
        reference.state = left
        leaked = reference.forward(inputs)
        slips = [
            (_share(leaked), "the earlier call's state leaked into yours: call "
                             "rnn.reset_state() first (Pitfall 2)"),
            (float((outputs > 0.99).mean()), "count the outputs near -1 too: compare "
                                             "np.abs(y) with 0.99"),
            (float((np.abs(outputs) > 0.99).sum()), "give the share of the outputs (between "
                                                    "0 and 1), not their count"),
            (100 * expected, "give a share between 0 and 1, not a percentage"),
            (1 - expected, "that is the share of the outputs that are not saturated"),
            (_share(outputs[..., -1, :]), "count the outputs of every step, not only the "
                                          "last one"),
            (float((np.abs(np.arctanh(np.clip(outputs, -1 + 1e-15, 1 - 1e-15))) > 0.99).mean()),
             "compare the outputs y themselves with 0.99, not their pre-activations"),
        ]
        named = [text for value, text in slips if np.isclose(got, value, atol=1e-12)
                 and not np.isclose(value, expected, atol=1e-12)]
        raise ExerciseFailed(f"for inputs of shape {inputs.shape} expected a share of "
                             f"{expected:.4f}, got {got:.4f}."
                             + (f" {named[0][0].upper()}{named[0][1:]}." if named else ""))
    return "you can measure how much of a layer's output is stuck at ±1"
