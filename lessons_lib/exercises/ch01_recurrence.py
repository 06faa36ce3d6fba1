"""Chapter 1's exercise checks, in the order of ``book/01_recurrence.ipynb``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lessons_lib.exercises import (
    ExerciseFailed,
    as_numbers,
    call_student,
    exercise,
    expect_answer,
    expect_close,
    returned,
)

# The worked example's weights: a step that reads these instead of its arguments is named.
_EXAMPLE = {"W": np.array([[0.5, -0.3], [0.8, 0.2]]), "U": np.array([[0.1, 0.4], [-0.6, 0.3]]),
            "b": np.array([0.0, 0.1])}




def _ref_step(x_t: Any, y_prev: Any, W: Any, U: Any, b: Any) -> np.ndarray:
    return np.tanh(np.asarray(W) @ np.asarray(x_t) + np.asarray(U) @ np.asarray(y_prev)
                   + np.asarray(b))


def _random_recurrence(seed: int, inputs: int, outputs: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"W": rng.normal(0, 0.8, (outputs, inputs)),
            "U": rng.normal(0, 0.5, (outputs, outputs)),
            "b": rng.normal(0, 0.3, outputs)}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


# Wrong steps students write, each with the mistake it reveals; tried where the shapes allow.
_STEP_SLIPS: list[tuple[Callable[..., np.ndarray], str]] = [
    (lambda x, y, W, U, b: W @ x + U @ y + b,
     "your step returns W x_t + U y_prev + b: apply np.tanh to it"),
    (lambda x, y, W, U, b: _sigmoid(W @ x + U @ y + b),
     "your step squashes with the sigmoid; the recurrence uses np.tanh"),
    (lambda x, y, W, U, b: np.tanh(W @ x + U @ y),
     "you left out the bias b"),
    (lambda x, y, W, U, b: np.tanh(W @ x + b),
     "you left out U y_prev, the only route by which the past reaches this step"),
    (lambda x, y, W, U, b: np.tanh(U @ x + W @ y + b),
     "you swapped W and U: W multiplies the input x_t, U the previous state y_prev"),
    (lambda x, y, W, U, b: np.tanh(x @ W + y @ U + b),
     "you multiplied from the wrong side (x_t @ W is W transposed times x_t): write W @ x_t "
     "and U @ y_prev"),
    (lambda x, y, W, U, b: np.tanh(W @ x + y @ U + b),
     "U y_prev is multiplied from the wrong side (y_prev @ U is U transposed times y_prev): "
     "write U @ y_prev"),
    (lambda x, y, W, U, b: np.tanh(x @ W + U @ y + b),
     "W x_t is multiplied from the wrong side (x_t @ W is W transposed times x_t): write "
     "W @ x_t"),
    (lambda x, y, W, U, b: np.tanh(_EXAMPLE["W"] @ x + _EXAMPLE["U"] @ y + _EXAMPLE["b"]),
     "your step uses the worked example's W, U and b instead of the ones it is given"),
]


def _named_slip(got: Any, expected: np.ndarray, args: tuple, slips: list) -> str | None:
    """The feedback of the first slip whose result ``got`` equals (and the right answer does
    not), or None."""
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None
    for slip, feedback in slips:
        try:
            wrong = np.asarray(slip(*args), dtype=float)
        except (ValueError, TypeError):  # the slip does not fit these shapes
            continue
        if wrong.shape == got.shape and np.allclose(got, wrong, atol=1e-9) and not (
                wrong.shape == expected.shape and np.allclose(wrong, expected, atol=1e-9)):
            return feedback
    return None


@exercise("ex-rnn-step")
def check_rnn_step(step: Callable[..., Any]) -> str:
    """``step(x_t, y_prev, W, U, b)`` must return ``tanh(W x_t + U y_prev + b)``.

    Square weights come first, so that a swapped or transposed product gives numbers (and
    named feedback) rather than a shape error; then non-square ones, and a single unit.
    """
    for seed, (inputs, outputs) in enumerate([(2, 2), (3, 3), (2, 3), (4, 2), (1, 1)]):
        p = _random_recurrence(seed, inputs, outputs)
        rng = np.random.default_rng(100 + seed)
        x_t, y_prev = rng.normal(size=inputs), rng.uniform(-1, 1, outputs)
        got = returned(step, x_t.copy(), y_prev.copy(), p["W"].copy(), p["U"].copy(),
                           p["b"].copy())
        got = as_numbers(got, "the new state")
        expected = _ref_step(x_t, y_prev, **p)
        slip = _named_slip(got, expected, (x_t, y_prev, p["W"], p["U"], p["b"]), _STEP_SLIPS)
        if slip:
            raise ExerciseFailed(slip)
        expect_close(got, expected, f"step(x_t, y_prev, W, U, b) for {inputs} inputs and "
                     f"{outputs} outputs")
    return "your step computes tanh(W x_t + U y_prev + b)"


def _run(xs: np.ndarray, y0: np.ndarray, p: dict[str, np.ndarray], carry: bool = True
         ) -> np.ndarray:
    y, out = y0, []
    for x_t in xs:
        y = _ref_step(x_t, y if carry else y0, **p)
        out.append(y)
    return np.array(out)


def _sequence_slips(xs: np.ndarray, p: dict[str, np.ndarray]) -> list:
    zeros = np.zeros(len(p["b"]))
    right = _run(xs, zeros, p)
    return [
        (lambda: right[-1], "you returned only the last output: return the output of every "
                            "step, stacked into shape (time_steps, output_features)"),
        (lambda: _run(xs, np.ones(len(p["b"])), p), "you started from ones: y_0 = 0, a "
                                                    "vector of zeros"),
        (lambda: _run(xs, zeros, p, carry=False), "every step started from zero: carry the "
                                                  "state, feed each step the output of the "
                                                  "step before"),
        (lambda: right[1:], "the first output is missing (off by one): return one output per "
                            "row of xs, y_1 to y_T"),
        (lambda: _run(xs[1:], zeros, p), "you skipped the first row of xs (off by one): every "
                                         "row is a step, x_1 included"),
        (lambda: np.vstack([zeros, right]), "you included y_0: return y_1 to y_T, one output "
                                            "per row of xs"),
        (lambda: right[:-1], "the last output is missing: run one step per row of xs, "
                             "len(xs) steps (not a fixed number), y_1 to y_T"),
        (lambda: _run(xs[::-1], zeros, p), "you read xs backwards: start with the first row"),
        (lambda: right.T, "your array is transposed: one row per time step, one column per "
                          "output"),
        (lambda: _run(xs, np.zeros(2), _EXAMPLE), "you used the worked example's W, U and b "
                                                  "instead of the ones run_sequence is given"),
    ]


@exercise("ex-run-sequence")
def check_run_sequence(run_sequence: Callable[..., Any]) -> str:
    """``run_sequence(xs, W, U, b)`` must return the outputs of every step, from ``y_0 = 0``.

    Sequences of several lengths and sizes (one of a single step), so that a hard-coded
    number of steps or of outputs fails; the usual slips are named.
    """
    for seed, (steps, inputs, outputs) in enumerate([(5, 2, 3), (1, 3, 2), (8, 1, 4),
                                                     (4, 2, 2)]):
        p = _random_recurrence(10 + seed, inputs, outputs)
        xs = np.random.default_rng(20 + seed).normal(size=(steps, inputs))
        expected = _run(xs, np.zeros(outputs), p)
        try:
            got = returned(run_sequence, xs.copy(), p["W"].copy(), p["U"].copy(),
                               p["b"].copy())
        except ExerciseFailed as exc:
            if isinstance(exc.__cause__, ValueError):  # shapes that do not fit: say which
                raise ExerciseFailed(f"{exc} (on {steps} steps of {inputs} features and "
                                     f"{outputs} outputs: the state must have len(b) = "
                                     f"{outputs} entries, whatever the sizes of the example)"
                                     ) from exc
            raise
        array = got = as_numbers(got, f"the outputs, shape {expected.shape},")
        if array.shape != expected.shape or not np.allclose(array, expected, atol=1e-9):
            for slip, feedback in _sequence_slips(xs, p):
                try:
                    wrong = slip()
                except ValueError:  # the slip does not fit these shapes
                    continue
                if wrong.shape == array.shape and np.allclose(array, wrong, atol=1e-9):
                    raise ExerciseFailed(f"on {steps} steps of {inputs} features: {feedback}")
            if array.ndim == 2 and array.shape[0] != steps:
                raise ExerciseFailed(f"on {steps} steps expected {steps} outputs, one per row "
                                     f"of xs, got {array.shape[0]}: run one step per row, "
                                     "whatever the length of xs")
        expect_close(got, expected,
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


def _first_below(distances: np.ndarray, limit: float, strict: bool = True) -> int | None:
    below = distances < limit if strict else distances <= limit
    hits = np.flatnonzero(below)
    return int(hits[0]) + 1 if len(hits) else None


def _half_life_cases() -> list[np.ndarray]:
    """Distances that tell the usual slips apart, and one from a layer of the check's own."""
    from lessons_lib.numpy_rnn import SimpleRNN

    rnn = SimpleRNN(2, 8, seed=11)
    rnn.U = 0.8 * rnn.U[::-1]
    rnn.b = np.random.default_rng(12).normal(0, 0.2, 8)
    sequence = np.random.default_rng(13).normal(size=(30, 2))
    nudged = sequence.copy()
    nudged[0] += 1.0
    original = rnn.forward(sequence)
    rnn.reset_state()
    from_layer = np.linalg.norm(original - rnn.forward(nudged), axis=1)
    return [0.8 ** np.arange(12),                        # steady fading: t = 5
            np.array([4.0, 3.0, 2.5, 1.9, 0.4, 0.1]),    # half of d_1 is 2, not 0.5
            np.array([1.0, 1.4, 0.9, 0.65, 0.7, 0.45]),  # rises first: half of d_1, not max
            np.array([2.0, 1.0, 1.5, 0.9, 0.2]),         # exactly half is not below half
            np.array([1.0, 0.4, 0.8, 0.3, 0.7]),         # dips, recovers: the first time
            np.array([1.0, 0.9, 0.8, 0.7]),              # never falls below half: None
            from_layer]


@exercise("ex-half-life")
def check_half_life(half_life: Callable[..., Any]) -> str:
    """``half_life(distances)``: the first step t (from 1) with d_t < d_1 / 2, else None."""
    for distances in _half_life_cases():
        d = np.asarray(distances, dtype=float)
        expected = _first_below(d, d[0] / 2)
        got = call_student(half_life, d.copy())
        if isinstance(got, (np.integer, np.floating)):
            got = got.item()
        if got is not None and (isinstance(got, bool) or not isinstance(got, int | float)):
            raise ExerciseFailed(f"expected a step number (or None), got {got!r}")
        if got == expected and (got is None) == (expected is None):
            continue
        shown = np.round(d, 3).tolist() if len(d) <= 12 else f"{len(d)} distances"
        slips = {
            "you counted the steps from 0: d_1 is step 1, so add 1 to the index":
                None if expected is None else expected - 1,
            "d_t equal to half of d_1 is not below half: use <, not <=":
                _first_below(d, d[0] / 2, strict=False),
            "compare with half of d_1, the first distance, not of the largest":
                _first_below(d, d.max() / 2),
            "compare with half of d_1, not with the fixed number 0.5": _first_below(d, 0.5),
            "give the first step below half, not the last":
                None if expected is None else int(np.flatnonzero(d < d[0] / 2)[-1]) + 1,
        }
        named = [text for text, wrong in slips.items() if wrong is not None and got == wrong
                 and wrong != expected]
        if expected is None and got is not None:
            named.append("these distances never fall below half of d_1: return None")
        raise ExerciseFailed(f"half_life({shown}) should be {expected}, got {got!r}."
                             + (f" {named[0][0].upper()}{named[0][1:]}." if named else ""))
    return "your half_life finds the first step below half of d_1, counted from 1"
