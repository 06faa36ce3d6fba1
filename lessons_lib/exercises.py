"""Checks for the exercises, with feedback that says what was expected and what came back.

Every exercise in the book has one check, registered here under the exercise's label and the
chapter (the notebook's file name without ``.ipynb``) it belongs to. A notebook calls
``check("label", answer)``: it prints a verdict, and raises ``ExerciseFailed`` when the answer is
wrong or missing, so a test run of the notebook fails. Each verdict is also emitted as a JSON
output (``CHECK_MIME``) so that the grader can read the results back from an executed notebook.

A check function takes the student's answer(s) and returns a short message on success; it raises
``NotAttempted`` when the answer is still the stub, and ``ExerciseFailed`` with specific
feedback when it is wrong. The helpers below (``call_student``, ``expect_shape``,
``expect_close``) keep checks short.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

CHECK_MIME = "application/vnd.lessons-check+json"


class ExerciseFailed(AssertionError):
    """The answer is wrong; the message says what was expected and what came back."""


class NotAttempted(ExerciseFailed):
    """The answer is still the stub that the exercise started with."""


@dataclass(frozen=True)
class Exercise:
    chapter: str
    label: str
    check: Callable[..., str]


_REGISTRY: dict[str, Exercise] = {}


def exercise(chapter: str, label: str) -> Callable[[Callable[..., str]], Callable[..., str]]:
    """Register the decorated function as the check of exercise ``label`` in ``chapter``."""

    def register(func: Callable[..., str]) -> Callable[..., str]:
        if label in _REGISTRY:
            raise ValueError(f"exercise label {label!r} is registered twice")
        _REGISTRY[label] = Exercise(chapter, label, func)
        return func

    return register


def exercises_for(chapter: str) -> list[str]:
    """The labels of the exercises of one chapter, in the order they were registered."""
    return [e.label for e in _REGISTRY.values() if e.chapter == chapter]


def chapters() -> list[str]:
    """Every chapter that has exercises."""
    return sorted({e.chapter for e in _REGISTRY.values()})


def run_check(label: str, *answers: Any, **kwargs: Any) -> dict[str, str]:
    """Run one check and return its verdict as a dict, without raising.

    The verdict's ``status`` is ``passed``, ``failed``, ``not attempted`` or ``errored``
    (the check itself broke, which is a bug in the course, not in the answer).
    """
    if label not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"no exercise is labelled {label!r}; known labels: {known}")
    entry = _REGISTRY[label]
    verdict = {"exercise": label, "chapter": entry.chapter}
    try:
        message = entry.check(*answers, **kwargs)
        verdict.update(status="passed", feedback=message or "correct")
    except NotAttempted as exc:
        verdict.update(status="not attempted", feedback=str(exc))
    except ExerciseFailed as exc:
        verdict.update(status="failed", feedback=str(exc))
    except Exception as exc:  # noqa: BLE001 - report any crash of the check as a verdict
        verdict.update(status="errored", feedback=f"{type(exc).__name__}: {exc}")
    return verdict


_SYMBOLS = {"passed": "✅", "failed": "❌", "not attempted": "✏️", "errored": "⚠️"}


def check(label: str, *answers: Any, **kwargs: Any) -> None:
    """Check a student's answer to exercise ``label``: print the verdict, raise unless it passed."""
    verdict = run_check(label, *answers, **kwargs)
    text = f"{_SYMBOLS[verdict['status']]} {label}: {verdict['status']} - {verdict['feedback']}"
    _emit(text, verdict)
    if verdict["status"] == "not attempted":
        raise NotAttempted(verdict["feedback"])
    if verdict["status"] != "passed":
        raise ExerciseFailed(verdict["feedback"])


def _emit(text: str, verdict: dict[str, str]) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python: no rich outputs
        print(text)
        return
    if get_ipython() is None:
        print(text)
        return
    display({"text/plain": text, CHECK_MIME: json.dumps(verdict)}, raw=True)


# --- helpers for writing checks -------------------------------------------------------------


def call_student(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the student's function; a stub (``NotImplementedError``) means not attempted."""
    if func is None or func is Ellipsis:
        raise NotAttempted("no answer yet: replace the placeholder with your code")
    if not callable(func):
        raise ExerciseFailed(f"expected a function, got {type(func).__name__}")
    try:
        return func(*args, **kwargs)
    except NotImplementedError as exc:
        raise NotAttempted("the function still raises NotImplementedError: fill it in") from exc
    except Exception as exc:  # noqa: BLE001 - the student's error becomes feedback
        raise ExerciseFailed(f"your function raised {type(exc).__name__}: {exc}") from exc


def expect_answer(answer: Any) -> Any:
    """Reject the placeholder answers ``None`` and ``...``."""
    if answer is None or answer is Ellipsis:
        raise NotAttempted("no answer yet: replace the placeholder with your code")
    return answer


def expect_shape(value: Any, shape: tuple[int, ...], what: str = "your answer") -> np.ndarray:
    """Turn ``value`` into an array and insist on ``shape``."""
    array = np.asarray(expect_answer(value))
    if array.shape != tuple(shape):
        raise ExerciseFailed(f"expected {what} to have shape {tuple(shape)}, got {array.shape}")
    return array


def expect_close(value: Any, expected: Any, what: str = "your answer",
                 atol: float = 1e-6, rtol: float = 1e-5) -> np.ndarray:
    """Insist that ``value`` has the shape of ``expected`` and equals it within tolerance."""
    expected = np.asarray(expected)
    array = expect_shape(value, expected.shape, what)
    if not np.allclose(array, expected, atol=atol, rtol=rtol):
        worst = np.unravel_index(np.argmax(np.abs(array - expected)), expected.shape) \
            if expected.ndim else ()
        raise ExerciseFailed(
            f"{what} has the right shape but not the right values: at index {worst} "
            f"expected {float(expected[worst]):.6g}, got {float(array[worst]):.6g}"
        )
    return array


# --- checks, one section per chapter ---------------------------------------------------------
# Each chapter's checks follow below in a section of their own, in the order of the chapter.


# --- 01_recurrence -----------------------------------------------------------------------------


def _ref_step(x_t: Any, y_prev: Any, W: Any, U: Any, b: Any) -> np.ndarray:
    return np.tanh(np.asarray(W) @ np.asarray(x_t) + np.asarray(U) @ np.asarray(y_prev)
                   + np.asarray(b))


def _random_recurrence(seed: int, inputs: int, outputs: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"W": rng.normal(0, 0.8, (outputs, inputs)),
            "U": rng.normal(0, 0.5, (outputs, outputs)),
            "b": rng.normal(0, 0.3, outputs)}


@exercise("01_recurrence", "ex-rnn-step")
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


@exercise("01_recurrence", "ex-run-sequence")
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


@exercise("01_recurrence", "ex-which-outputs-move")
def check_which_outputs_move(steps: Any) -> str:
    """Which of y_1..y_5 change when only x_3 changes? Exactly steps 3, 4 and 5."""
    answer = expect_answer(steps)
    try:
        got = sorted(int(s) for s in answer)
    except (TypeError, ValueError) as exc:
        raise ExerciseFailed(f"expected a list of step numbers such as [1, 2], got {answer!r}"
                             ) from exc
    if any(s < 1 or s > 5 for s in got):
        raise ExerciseFailed(f"steps are numbered 1 to 5 (as in y_1 ... y_5), got {got}")
    if any(s < 3 for s in got):
        raise ExerciseFailed(f"you listed {got}, but y_1 and y_2 are computed before x_3 is read, "
                             "so they cannot move")
    if got == [3]:
        raise ExerciseFailed("y_3 moves, but so do the outputs after it: y_4 reads y_3 through U")
    if got != [3, 4, 5]:
        raise ExerciseFailed(f"expected every step from the change onwards, got {got}")
    return "a change to x_3 reaches y_3 and, through the state, every later output"


# --- 02_numpy_rnn ------------------------------------------------------------------------------


@exercise("02_numpy_rnn", "ex-count-parameters")
def check_count_parameters(count: Callable[[int, int], Any]) -> str:
    """``count(input_features, units)`` is the number of weights of a SimpleRNN layer."""
    for inputs, units in [(32, 64), (16, 32), (32, 32), (1, 1), (7, 3)]:
        expected = units * inputs + units * units + units
        got = call_student(count, inputs, units)
        if got == expected:
            continue
        hints = {units * inputs + units * units: "you left out the bias b",
                 units * inputs + units: "you left out the recurrent matrix U",
                 units * inputs: "you counted only W"}
        hint = hints.get(got, "count the entries of W, U and b")
        raise ExerciseFailed(f"for {inputs} input features and {units} units expected "
                             f"{expected} parameters, got {got!r}: {hint}")
    return "W, U and b: units * (input_features + units + 1) parameters"


@exercise("02_numpy_rnn", "ex-output-shape")
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


@exercise("02_numpy_rnn", "ex-fresh-forward")
def check_fresh_forward(fresh_forward: Callable[..., Any]) -> str:
    """``fresh_forward(rnn, inputs)`` returns what a brand-new layer would, call after call."""
    from lessons_lib.numpy_rnn import SimpleRNN

    rnn = SimpleRNN(3, 4, seed=0)
    rng = np.random.default_rng(1)
    xs = rng.normal(size=(6, 3))
    reference = SimpleRNN(3, 4, seed=0).forward(xs)
    rnn.forward(rng.normal(size=(6, 3)))  # leave some state behind, as an earlier call would
    weights = [rnn.W.copy(), rnn.U.copy(), rnn.b.copy()]
    for call in ("first", "second"):
        got = call_student(fresh_forward, rnn, xs)
        expect_close(got, reference, f"the {call} call's outputs", atol=1e-10)
    if not all(np.array_equal(a, b) for a, b in zip(weights, [rnn.W, rnn.U, rnn.b],
                                                    strict=True)):
        raise ExerciseFailed("fresh_forward changed the layer's weights: only the state may go")
    return "every call starts from y_0 = 0, whatever ran before"


# --- 03_imdb_data: the reviews, from text to numbers ------------------------------------------


def _as_float(value: Any, what: str) -> float:
    try:
        return float(expect_answer(value))
    except (TypeError, ValueError) as exc:
        raise ExerciseFailed(f"expected {what} as one number, got {value!r}") from exc


@exercise("03_imdb_data", "ex-oov-share")
def check_oov_share(oov_share: Callable[..., Any]) -> str:
    """``oov_share(x)``: the share of word positions (ids >= 2) of ``x`` that hold 2."""
    rng = np.random.default_rng(3)
    padded = rng.integers(2, 40, size=(30, 25))
    for row, start in enumerate(rng.integers(0, 25, size=30)):
        padded[row, :start] = 0
        padded[row, start] = 1
    cases = [np.array([[0, 0, 1, 7, 2, 9]]), np.array([[1, 2, 2, 2], [0, 0, 0, 1]]), padded]
    for x in cases:
        words = x >= 2
        expected = float((x[words] == 2).mean())
        got = _as_float(call_student(oov_share, x.copy()), "the share")
        if not np.isclose(got, expected, atol=1e-9):
            shown = x.tolist() if x.size <= 12 else f"an array of shape {x.shape}"
            hint = ""
            if np.isclose(got, (x == 2).mean()):
                hint = " It looks as if you divided by every position, padding and start too."
            elif np.isclose(got, expected * 100):
                hint = " Give a share between 0 and 1, not a percentage."
            raise ExerciseFailed(f"for {shown} expected {expected:.4f}, got {got:.4f}.{hint}")
    return "padding and start markers are not words: the share counts words only"


@exercise("03_imdb_data", "ex-pad-front")
def check_pad_front(pad_front: Callable[..., Any]) -> str:
    """``pad_front(ids, max_len)``: zeros in front, or the last ``max_len`` ids."""
    rng = np.random.default_rng(4)
    cases = [([1, 5, 6], 5), ([1, 5, 6, 7], 2), ([1, 5, 6], 3), ([], 3), ([1, 9], 1),
             (rng.integers(4, 1000, 250).tolist(), 100), (rng.integers(4, 1000, 40).tolist(), 100)]
    for ids, max_len in cases:
        kept = ids[len(ids) - min(len(ids), max_len):]
        expected = np.array([0] * (max_len - len(kept)) + kept)
        got = expect_shape(call_student(pad_front, list(ids), max_len), (max_len,),
                           f"pad_front(..., {max_len})")
        if not np.array_equal(got, expected):
            shown = ids if len(ids) <= 8 else f"a review of {len(ids)} ids"
            hint = ""
            if len(ids) < max_len and np.array_equal(got, ids + [0] * (max_len - len(ids))):
                hint = " The zeros go in front, not at the end."
            elif len(ids) > max_len and np.array_equal(got, ids[:max_len]):
                hint = " Keep the last max_len ids, not the first."
            raise ExerciseFailed(f"pad_front({shown}, {max_len}) should be "
                                 f"{expected.tolist()[:12]}, got {got.tolist()[:12]}.{hint}")
    return "padding in front and truncation at the front, as pad_sequences does"


# --- 04_embeddings: words as vectors ----------------------------------------------------------


@exercise("04_embeddings", "ex-one-hot")
def check_one_hot(one_hot: Callable[..., Any]) -> str:
    """``one_hot(ids, vocab_size)``: an ``(len(ids), vocab_size)`` matrix of 0/1, one 1 a row."""
    rng = np.random.default_rng(5)
    for ids, vocab_size in [([3, 0, 9, 3], 10), (rng.integers(0, 1000, 50).tolist(), 1000)]:
        got = expect_shape(call_student(one_hot, np.array(ids), vocab_size),
                           (len(ids), vocab_size), f"one_hot of {len(ids)} ids")
        expected = np.eye(vocab_size)[ids]
        if not np.array_equal(got, expected):
            row = int(np.flatnonzero((got != expected).any(axis=1))[0])
            ones = np.flatnonzero(got[row]).tolist()
            raise ExerciseFailed(f"row {row} (id {ids[row]}) should have a single 1 in column "
                                 f"{ids[row]}; yours has non-zeros in columns {ones[:5]}")
    weights = rng.normal(size=(10, 3))
    product = np.asarray(call_student(one_hot, np.array([3, 0, 9]), 10)) @ weights
    expect_close(product, weights[[3, 0, 9]], "one_hot(ids) @ W")
    return "one_hot(ids) @ W picks the rows W[ids]: an embedding is a lookup"


@exercise("04_embeddings", "ex-nearest")
def check_nearest(nearest: Callable[..., Any]) -> str:
    """``nearest(vectors, i, k)``: the ``k`` rows most cosine-similar to row ``i``, not ``i``."""
    rng = np.random.default_rng(6)
    vectors = rng.normal(size=(60, 8)) * rng.uniform(0.1, 10, size=(60, 1))
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for i, k in [(0, 5), (17, 1), (42, 10)]:
        order = [int(j) for j in np.argsort(-(unit @ unit[i])) if j != i]
        expected = order[:k]
        got = call_student(nearest, vectors.copy(), i, k)
        try:
            got = [int(j) for j in np.asarray(got).ravel()]
        except (TypeError, ValueError) as exc:
            raise ExerciseFailed(f"expected a list of {k} row indices, got {got!r}") from exc
        if got != expected:
            dots = [int(j) for j in np.argsort(-(vectors @ vectors[i])) if j != i][:k]
            hint = ""
            if i in got:
                hint = " Leave the row itself out: it is always its own nearest neighbour."
            elif got == dots:
                hint = " You ranked by dot product; divide by the vectors' lengths first."
            elif sorted(got) == sorted(expected):
                hint = " The right rows, in the wrong order: most similar first."
            raise ExerciseFailed(f"nearest(vectors, {i}, {k}) should be {expected}, "
                                 f"got {got}.{hint}")
    return "cosine similarity ignores the vectors' lengths and compares their directions"


# --- 07_bptt ---------------------------------------------------------------------------------


@exercise("07_bptt", "ex-bptt-clip")
def _check_bptt_clip(clip_by_global_norm: Any) -> str:
    rng = np.random.default_rng(7)
    large = {"W": rng.normal(size=(3, 2)) * 10, "U": rng.normal(size=(3, 3)) * 10,
             "b": rng.normal(size=3)}
    norm = float(np.sqrt(sum(np.sum(g**2) for g in large.values())))
    originals = {k: v.copy() for k, v in large.items()}
    clipped = call_student(clip_by_global_norm, large, 1.0)
    if not isinstance(clipped, dict) or set(clipped) != set(large):
        raise ExerciseFailed(f"expected a dict with the keys {sorted(large)}, got {clipped!r:.80}")
    if any(not np.array_equal(large[k], originals[k]) for k in large):
        raise ExerciseFailed("your function changed the input arrays; return new ones instead")
    for name in large:
        expect_close(clipped[name], originals[name] / norm, f"the clipped {name!r}")
    small = {k: v / (10 * norm) for k, v in originals.items()}
    kept = call_student(clip_by_global_norm, small, 1.0)
    for name in small:
        expect_close(kept[name], small[name],
                     f"{name!r} of gradients whose global norm is already below max_norm")
    return f"a global norm of {norm:.1f} was scaled down to 1, a small one left alone"


@exercise("07_bptt", "ex-bptt-step")
def _check_bptt_step(step_backward: Any) -> str:
    rng = np.random.default_rng(8)
    W, U = rng.normal(size=(4, 3)), rng.normal(size=(4, 4))
    x_t, y_prev, g_t = rng.normal(size=3), np.tanh(rng.normal(size=4)), rng.normal(size=4)
    y_t = np.tanh(W @ x_t + U @ y_prev + 0.1)
    delta = g_t * (1 - y_t**2)
    expected = (np.outer(delta, x_t), np.outer(delta, y_prev), delta, W.T @ delta, U.T @ delta)
    got = call_student(step_backward, x_t, y_prev, y_t, g_t, W, U)
    if not isinstance(got, (tuple, list)) or len(got) != 5:
        raise ExerciseFailed("expected a tuple of five arrays (dW, dU, db, dx_t, dy_prev)")
    for name, value, want in zip(("dW", "dU", "db", "dx_t", "dy_prev"), got, expected,
                                 strict=True):
        if name == "dW" and np.shape(value) == np.shape(want) and \
                np.allclose(value, np.outer(g_t, x_t)):
            raise ExerciseFailed("dW is missing the derivative of tanh: multiply g_t by "
                                 "(1 - y_t ** 2) first")
        expect_close(value, want, name)
    return "all five gradients of one step are right"


# --- 09_forecasting: a temperature series --------------------------------------------------


@exercise("09_forecasting", "ex-forecast-windows")
def _check_forecast_windows(windows: Any) -> str:
    from lessons_lib.forecasting import make_windows

    values = np.random.default_rng(9).normal(size=40)
    for input_len, horizon in ((5, 3), (1, 1), (10, 20)):
        expected_X, expected_y = make_windows(values, input_len, horizon)
        answer = call_student(windows, values, input_len, horizon)
        if not isinstance(answer, tuple) or len(answer) != 2:
            raise ExerciseFailed(f"expected a pair (X, y), got {type(answer).__name__}")
        where = f"for input_len={input_len}, horizon={horizon}"
        expect_close(answer[0], expected_X, f"X {where}")
        expect_close(answer[1], expected_y, f"y {where}")
    return "your windows match make_windows, targets included"


@exercise("09_forecasting", "ex-forecast-two-days")
def _check_forecast_two_days(two_day_forecast: Any, two_day_mae: Any) -> str:
    from lessons_lib import forecasting as fc

    X = np.random.default_rng(9).normal(size=(6, 48))
    expect_close(call_student(two_day_forecast, X), (X[:, -1] + X[:, -25]) / 2,
                 "the forecast of 6 random windows")
    _, _, test = fc.chronological_split(fc.load_seattle_temps("C"))
    X_test, y_test = fc.make_windows(test.values, 48, 24)
    expected = fc.mean_absolute_error(y_test, (X_test[:, -1] + X_test[:, -25]) / 2)
    try:
        mae = float(expect_answer(two_day_mae))
    except (TypeError, ValueError) as exc:
        raise ExerciseFailed(f"two_day_mae should be a number, got {two_day_mae!r}") from exc
    if not np.isclose(mae, expected, rtol=1e-3):
        raise ExerciseFailed(f"two_day_mae should be the test MAE in °C, {expected:.4f}; got "
                             f"{mae:.4f} (test windows of 48 hours, horizon 24, in °C?)")
    return f"test MAE {expected:.3f} °C"


# --- 08_gated_cells --------------------------------------------------------------------------


@exercise("08_gated_cells", "ex-gates-count")
def _check_gates_count(gated_parameter_count: Any) -> str:
    cases = [("SimpleRNN", 16, 32), ("LSTM", 16, 32), ("GRU", 16, 32), ("LSTM", 3, 7),
             ("GRU", 5, 2)]
    for cell, m, u in cases:
        expected = {"SimpleRNN": u * m + u * u + u, "LSTM": 4 * (u * m + u * u + u),
                    "GRU": 3 * (u * m + u * u + 2 * u)}[cell]
        got = call_student(gated_parameter_count, cell, m, u)
        if got != expected:
            hint = ""
            if cell == "GRU" and got == 3 * (u * m + u * u + u):
                hint = " With reset_after=True (the default) the GRU has two bias rows."
            elif cell == "LSTM" and got == u * m + u * u + u:
                hint = " Each of the LSTM's four gates has its own weights."
            raise ExerciseFailed(f"a {cell} with {u} units on {m} input features has "
                                 f"{expected} weights, you returned {got}.{hint}")
    return "LSTM 4x and GRU 3x (plus a bias row) the weights of a plain layer, as Keras counts"


@exercise("08_gated_cells", "ex-gates-gru-step")
def _check_gates_gru_step(gru_step: Any) -> str:
    from lessons_lib.gated_cells import GRU, sigmoid

    gru = GRU(input_features=3, units=4, seed=11)
    rng = np.random.default_rng(12)
    gru.b = {g: rng.normal(size=4) for g in "zrh"}
    gru.b_rec = {g: rng.normal(size=4) for g in "zrh"}
    x_t, h_prev = rng.normal(size=3), np.tanh(rng.normal(size=4))
    expected = gru.step(x_t[None], h_prev[None])[0][0]
    got = expect_shape(call_student(gru_step, x_t, h_prev, gru.W, gru.U, gru.b, gru.b_rec),
                       (4,), "h_t")
    if not np.allclose(got, expected, atol=1e-8):
        z = sigmoid(gru.W["z"] @ x_t + gru.b["z"] + gru.U["z"] @ h_prev + gru.b_rec["z"])
        n = (expected - z * h_prev) / (1 - z)
        if np.allclose(got, (1 - z) * h_prev + z * n, atol=1e-8):
            raise ExerciseFailed("z and 1 - z are swapped: in Keras h_t = z * h_prev + "
                                 "(1 - z) * n_t, so z near 1 keeps the old state")
        gru.reset_after = False
        if np.allclose(got, gru.step(x_t[None], h_prev[None])[0][0], atol=1e-8):
            raise ExerciseFailed("that is the reset_after=False form: apply r_t after the "
                                 "matrix, r * (U['h'] @ h_prev + b_rec['h'])")
    expect_close(got, expected, "h_t", atol=1e-8)
    return "your GRU step equals Keras' default GRU (reset_after=True)"


# --- 10_stronger_classifier: masking, bidirectional GRUs, budgets ----------------------------


def _bigru_parameters(vocab_size: int, embed_dim: int, units: int) -> int:
    """Embedding + Bidirectional(GRU(units)) (reset_after=True) + Dense(1), counted by hand."""
    gru = 3 * (units * embed_dim + units * units + 2 * units)
    return vocab_size * embed_dim + 2 * gru + 2 * units + 1


@exercise("10_stronger_classifier", "ex-count-bigru")
def _check_count_bigru(bigru_parameters: Any) -> str:
    for sizes in ((20000, 32, 32), (1000, 16, 8), (50, 3, 5)):
        expected = _bigru_parameters(*sizes)
        got = call_student(bigru_parameters, *sizes)
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)) or got != expected:
            vocab, embed, units = sizes
            hint = ""
            if got == expected - 6 * units:
                hint = " Keras's GRU has two bias vectors per block (reset_after=True)."
            elif got == expected - 3 * (units * embed + units * units + 2 * units):
                hint = " Bidirectional holds two GRUs, one per direction."
            raise ExerciseFailed(f"for vocab_size={vocab}, embed_dim={embed}, units={units} "
                                 f"expected {expected:,} weights, got {got!r}.{hint}")
    return "embedding, two GRUs with two biases per gate, and the output layer"


@exercise("10_stronger_classifier", "ex-cut-length")
def _check_cut_length(length_for_share: Any) -> str:
    rng = np.random.default_rng(10)
    cases = [(np.array([5, 1, 3, 2, 4]), 0.6, 3), (np.array([7, 7, 7]), 0.5, 7),
             (np.array([10, 20, 30, 40]), 1.0, 40)]
    lengths = rng.integers(10, 1000, size=501)
    cases.append((lengths, 0.9, int(np.sort(lengths)[int(np.ceil(0.9 * 501)) - 1])))
    for lengths, share, expected in cases:
        got = call_student(length_for_share, lengths.copy(), share)
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)) or got != expected:
            shown = lengths.tolist() if lengths.size <= 8 else f"{lengths.size} lengths"
            fit = float(np.mean(lengths <= got)) if isinstance(got, (int, np.integer)) else None
            detail = f" (it keeps {100 * fit:.1f} % whole)" if fit is not None else ""
            raise ExerciseFailed(f"for {shown} and share={share} expected max_len {expected}, "
                                 f"got {got!r}{detail}: the smallest length that keeps at least "
                                 f"that share of reviews whole")
    return "the smallest cut that keeps the share whole"


# --- 05_four_models and 06_training: the four IMDB models -----------------------------------


@exercise("05_four_models", "ex-lstm-params")
def check_lstm_params(func: Callable[[int, int], int]) -> str:
    """The student's ``lstm_param_count(input_dim, units)`` against the four-gate formula."""
    cases = [(16, 32), (1, 1), (8, 4), (100, 64)]
    for input_dim, units in cases:
        got = call_student(func, input_dim, units)
        expected = 4 * (input_dim * units + units * units + units)
        if got == 3 * (input_dim * units + units * units + units):
            raise ExerciseFailed(f"lstm_param_count({input_dim}, {units}) = {got} counts three "
                                 f"blocks; an LSTM has four (input, forget, candidate, output)")
        if got != expected:
            raise ExerciseFailed(f"lstm_param_count({input_dim}, {units}): expected {expected}, "
                                 f"got {got}")
    return "right: 4 x (input_dim x units + units x units + units), e.g. 6,272 for (16, 32)"


@exercise("05_four_models", "ex-cnn-steps")
def check_cnn_steps(func: Callable[[int], int]) -> str:
    """The student's ``steps_after_convolutions(input_length)`` for the convnet's layers."""
    for length in (100, 41, 60, 250):
        got = call_student(func, length)
        expected = (length - 6) // 5 - 6
        if got != expected:
            raise ExerciseFailed(f"steps_after_convolutions({length}): expected {expected} "
                                 f"steps, got {got}")
    return "right: 100 words leave 94, then 18, then 12 steps before the global max pooling"


@exercise("06_training", "ex-best-epoch")
def check_best_epoch(func: Callable[[dict], int]) -> str:
    """The student's ``best_epoch(history)``: the 1-based epoch of lowest validation loss."""
    cases = [
        {"val_loss": [0.5, 0.4, 0.45, 0.6], "loss": [0.6, 0.4, 0.3, 0.2]},
        {"val_loss": [0.3, 0.35, 0.4], "loss": [0.5, 0.4, 0.3]},
        {"val_loss": [0.7, 0.6, 0.5, 0.4, 0.39], "loss": [0.7, 0.6, 0.5, 0.4, 0.1]},
    ]
    for history in cases:
        got = call_student(func, history)
        expected = int(np.argmin(history["val_loss"])) + 1
        if got == expected - 1:
            raise ExerciseFailed(f"for val_loss {history['val_loss']} you returned {got}: "
                                 f"epochs count from 1, not 0")
        if got == int(np.argmin(history["loss"])) + 1 and got != expected:
            raise ExerciseFailed(f"you returned {got}, the epoch of lowest *training* loss; "
                                 f"use the validation loss (expected {expected})")
        if got != expected:
            raise ExerciseFailed(f"for val_loss {history['val_loss']}: expected epoch "
                                 f"{expected}, got {got}")
    return "right: the validation loss, not the training loss, tells when overfitting starts"


@exercise("06_training", "ex-discordant")
def check_discordant(func: Callable[[np.ndarray, np.ndarray], tuple[int, int]]) -> str:
    """The student's ``discordant_counts(correct_a, correct_b)`` on random verdicts."""
    rng = np.random.default_rng(6)
    a = rng.random(500) < 0.8
    b = rng.random(500) < 0.75
    got = call_student(func, a, b)
    expected = (int(np.sum(a & ~b)), int(np.sum(~a & b)))
    try:
        got = tuple(int(v) for v in got)
    except (TypeError, ValueError) as exc:
        raise ExerciseFailed(f"expected a pair of ints (a_only, b_only), got {got!r}") from exc
    if got == expected[::-1]:
        raise ExerciseFailed(f"the pair is the wrong way round: expected (a_only, b_only) = "
                             f"{expected}, got {got}")
    if got != expected:
        raise ExerciseFailed(f"expected (a_only, b_only) = {expected}, got {got}; count reviews "
                             f"where exactly one model is right")
    return f"right: {expected[0]} reviews only A gets right, {expected[1]} only B"
