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
    first_wrong,
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
    (lambda x, y, W, U, b: np.tanh(W @ x) + U @ y + b,
     "np.tanh must wrap the whole sum: tanh(W x_t + U y_prev + b), not tanh(W x_t) + "
     "U y_prev + b"),
    (lambda x, y, W, U, b: np.tanh(W @ x + U @ y) + b,
     "the bias b goes inside np.tanh: tanh(W x_t + U y_prev + b), not tanh(W x_t + U y_prev) "
     "+ b"),
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


@exercise("ex-rnn-step",
          reference=("lessons_lib.numpy_rnn.rnn_step",
                     "lessons_lib.numpy_rnn.SimpleRNN.forward"))
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


def _sequence_slips(xs: np.ndarray, p: dict[str, np.ndarray],
                    previous: np.ndarray | None = None) -> list:
    """Wrong outputs students return for ``xs``, each with the mistake it reveals.
    ``previous`` is the last output of the call before, when it had the same sizes."""
    zeros = np.zeros(len(p["b"]))
    right = _run(xs, zeros, p)
    slips = [] if previous is None else [
        (lambda: _run(xs, previous, p),
         "your function kept the state of its previous call: called again with the same "
         "sizes, it started from the last output of the call before, not from y_0 = 0 (a "
         "layer or a state kept between calls carries it along: start from zeros inside the "
         "function, on every call)")]
    return slips + [
        (lambda: right[-1], "you returned only the last output: return the output of every "
                            "step, stacked into shape (time_steps, output_features)"),
        (lambda: _run(xs, np.ones(len(p["b"])), p), "you started from ones: y_0 = 0, a "
                                                    "vector of zeros"),
        (lambda: _run(xs, zeros, p, carry=False), "every step started from zero: carry the "
                                                  "state, feed each step the output of the "
                                                  "step before"),
        (lambda: _run(xs, zeros, {**p, "b": zeros}), "you left out the bias b: every step is "
                                                     "tanh(W x_t + U y_prev + b)"),
        (lambda: right[1:], "the first output is missing (off by one): return one output per "
                            "row of xs, y_1 to y_T"),
        (lambda: _run(xs[1:], zeros, p), "you skipped the first row of xs (off by one): every "
                                         "row is a step, x_1 included"),
        (lambda: np.vstack([zeros, right]), "you included y_0: return y_1 to y_T, one output "
                                            "per row of xs"),
        (lambda: right[:-1], "the last output is missing: run one step per row of xs, "
                             "len(xs) steps (not a fixed number), y_1 to y_T"),
        (lambda: _run(xs[::-1], zeros, p), "you read xs backwards: start with the first row"),
        (lambda: right[::-1], "your outputs are in reverse order: the first row must be y_1, "
                              "the last y_T"),
        (lambda: right.T, "your array is transposed: one row per time step, one column per "
                          "output"),
        (lambda: _run(xs, np.zeros(2), _EXAMPLE), "you used the worked example's W, U and b "
                                                  "instead of the ones run_sequence is given"),
    ]


def _steps(count: int) -> str:
    return f"{count} step" if count == 1 else f"{count} steps"


# SimpleRNN's own complaints: a layer made for other sizes was reused.
_LAYER_ERRORS = ("expected W of shape", "expected U of shape", "expected b of shape",
                 "expected inputs of shape", "the kept state belongs")


@exercise("ex-run-sequence",
          reference=("lessons_lib.numpy_rnn.rnn_step",
                     "lessons_lib.numpy_rnn.SimpleRNN.forward"))
def check_run_sequence(run_sequence: Callable[..., Any]) -> str:
    """``run_sequence(xs, W, U, b)`` must return the outputs of every step, from ``y_0 = 0``.

    Sequences of several lengths and sizes (one of a single step), so that a hard-coded
    number of steps or of outputs fails; the second call has the sizes of the first, so that
    a state kept between calls (a layer reused from call to call) shows. The usual slips are
    named.
    """
    previous: dict[tuple[int, int], np.ndarray] = {}
    for seed, (steps, inputs, outputs) in enumerate([(5, 2, 3), (5, 2, 3), (1, 3, 2),
                                                     (8, 1, 4), (4, 2, 2)]):
        p = _random_recurrence(10 + seed, inputs, outputs)
        xs = np.random.default_rng(20 + seed).normal(size=(steps, inputs))
        expected = _run(xs, np.zeros(outputs), p)
        where = f"on {_steps(steps)} of {inputs} features and {outputs} outputs"
        try:
            got = returned(run_sequence, xs.copy(), p["W"].copy(), p["U"].copy(),
                           p["b"].copy())
        except ExerciseFailed as exc:
            if isinstance(exc.__cause__, ValueError):  # shapes that do not fit: say which
                if any(text in str(exc.__cause__) for text in _LAYER_ERRORS):
                    raise ExerciseFailed(
                        f"{exc} ({where}: a layer made for the sizes of an earlier call was "
                        "reused; make the state, or the layer, inside the function, from the "
                        "sizes of W, U and b)") from exc
                raise ExerciseFailed(f"{exc} ({where}: the state must have len(b) = "
                                     f"{outputs} entries, whatever the sizes of the example)"
                                     ) from exc
            raise
        array = got = as_numbers(got, f"the outputs, shape {expected.shape},")
        if array.shape != expected.shape or not np.allclose(array, expected, atol=1e-9):
            for slip, feedback in _sequence_slips(xs, p, previous.get((inputs, outputs))):
                try:
                    wrong = slip()
                except ValueError:  # the slip does not fit these shapes
                    continue
                if wrong.shape == array.shape and np.allclose(array, wrong, atol=1e-9):
                    raise ExerciseFailed(f"on {_steps(steps)} of {inputs} features: "
                                         f"{feedback}")
            if array.ndim == 2 and array.shape[0] != steps:
                raise ExerciseFailed(f"on {_steps(steps)} expected {steps} outputs, one per "
                                     f"row of xs, got {array.shape[0]}: run one step per row, "
                                     "whatever the length of xs")
        expect_close(got, expected,
                     f"run_sequence {where}")
        previous[(inputs, outputs)] = expected[-1]
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
    if got == [1, 2, 3, 4, 5]:
        raise ExerciseFailed("you listed all five steps, but y_1 and y_2 are computed before "
                             "x_3 is read, so they cannot move. If your computation says they "
                             "did, the second run started from the state the first left "
                             "behind: call rnn.reset_state() before each of the two runs")
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
            np.array([1.3, 0.0, 0.0, 0.0, 0.0]),         # U = 0 forgets at once: t = 2
            np.array([2.0, 1.2, 0.0, 0.0, 0.5]),         # a zero is below half too: t = 3
            from_layer]


def _last_at_or_above(d: np.ndarray) -> int | None:
    hits = np.flatnonzero(d >= d[0] / 2)
    return int(hits[-1]) + 1 if len(hits) else None


# Wrong half-lives students compute, each with the mistake it reveals; the slip named is the
# one that matches the answer on the most cases, so that two slips that agree on one case
# (the index from 0 and the last step still above half, on a steady fading) are not confused.
_HALF_LIFE_SLIPS: list[tuple[Callable[[np.ndarray], Any], str]] = [
    (lambda d: None if _first_below(d, d[0] / 2) is None else _first_below(d, d[0] / 2) - 1,
     "your step number is one too small: d_1 = distances[0] is step 1, so the index i of "
     "distances is step i + 1 (and index i of distances[1:] is step i + 2)"),
    (_last_at_or_above,
     "you gave the last step still at or above half of d_1: give the first step below half"),
    (lambda d: _first_below(d, d[0] / 2, strict=False),
     "a distance equal to half of d_1 is not below half: use <, not <="),
    (lambda d: _first_below(d, d.max() / 2),
     "compare with half of d_1, the first distance, not of the largest"),
    (lambda d: _first_below(d, 0.5), "compare with half of d_1, not with the fixed number 0.5"),
    (lambda d: None if _first_below(d, d[0] / 2) is None
     else int(np.flatnonzero(d < d[0] / 2)[-1]) + 1,
     "give the first step below half, not the last"),
    (lambda d: _first_below(np.where(d > 0, d, np.inf), d[0] / 2),
     "a distance of exactly 0 is below half of d_1 too: with U = 0 every distance after d_1 "
     "is 0, so the half-life is 2 (do not skip zeros, or turn them into NaN)"),
]


def _same(a: Any, b: Any) -> bool:
    return a == b and (a is None) == (b is None)


def _half_life_slip(got: list, cases: list[np.ndarray], k: int) -> list[str]:
    """The slip behind the wrong answer to case ``k``: of the slips that give it, the one
    that matches the student's answers on the most cases, when only one does."""
    scores = {text: sum(_same(g, slip(c)) for g, c in zip(got, cases, strict=True))
              for slip, text in _HALF_LIFE_SLIPS if _same(got[k], slip(cases[k]))}
    best = [text for text, score in scores.items() if score == max(scores.values())]
    return best if len(best) == 1 else []


def _half_life_of(half_life: Callable[..., Any], d: np.ndarray) -> int | float | None:
    """The student's half-life of ``d``: a number or None, else feedback."""
    got = call_student(half_life, d.copy())
    if isinstance(got, (np.integer, np.floating)):
        got = got.item()
    if got is not None and (isinstance(got, bool) or not isinstance(got, int | float)):
        raise ExerciseFailed(f"expected a step number (or None), got {got!r}")
    return got


@exercise("ex-half-life")
def check_half_life(half_life: Callable[..., Any]) -> str:
    """``half_life(distances)``: the first step t (from 1) with d_t < d_1 / 2, else None.

    Exact zeros after d_1 (the distances of a layer with U = 0) count as below half.
    """
    cases = [np.asarray(d, dtype=float) for d in _half_life_cases()]
    expected = [_first_below(d, d[0] / 2) for d in cases]
    k, got = first_wrong(lambda d: _half_life_of(half_life, d), cases,
                         lambda answer, i: _same(answer, expected[i]), failed=ExerciseFailed)
    if k is None:
        return "your half_life finds the first step below half of d_1, counted from 1"
    d = cases[k]
    if expected[k] is None and got[k] is not None:
        named = ["these distances never fall below half of d_1: return None"]
    else:
        named = _half_life_slip(got, cases, k)
    shown = np.round(d, 3).tolist() if len(d) <= 12 else f"{len(d)} distances"
    raise ExerciseFailed(f"half_life({shown}) should be {expected[k]}, got {got[k]!r}."
                         + (f" {named[0][0].upper()}{named[0][1:]}." if named else ""))
