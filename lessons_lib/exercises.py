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
