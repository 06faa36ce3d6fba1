"""Chapter 6's exercise checks, in the order of ``book/06_training.ipynb``.

Each check runs the student's function on several inputs and compares all its answers at once
with those of the slips students really make (``_SLIPS`` tables): an answer that matches a
slip on every input is wrong in that way, and the feedback names the slip.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lessons_lib.exercises import ExerciseFailed, call_student, exercise

# Training histories for the early-stopping checks; none is the chapter's. Across them, the
# epoch of lowest validation loss differs from that of highest validation accuracy, of lowest
# training loss, of the first rise of the validation loss and from the last epoch, one has
# two epochs with the same lowest validation loss (early stopping keeps the first), and in the
# last the best epoch's accuracy is *below* the last epoch's (a negative gain).
_HISTORIES = [
    {"val_loss": [0.5, 0.4, 0.45, 0.6], "loss": [0.6, 0.4, 0.3, 0.31],
     "val_accuracy": [0.70, 0.80, 0.78, 0.74], "accuracy": [0.65, 0.80, 0.86, 0.90]},
    {"val_loss": [0.3, 0.35, 0.4], "loss": [0.5, 0.4, 0.3],
     "val_accuracy": [0.81, 0.83, 0.79], "accuracy": [0.70, 0.85, 0.91]},
    {"val_loss": [0.7, 0.6, 0.5, 0.4, 0.39], "loss": [0.7, 0.6, 0.5, 0.4, 0.1],
     "val_accuracy": [0.60, 0.66, 0.71, 0.76, 0.75], "accuracy": [0.55, 0.65, 0.72, 0.80, 0.97]},
    {"val_loss": [0.6, 0.5, 0.55, 0.45, 0.5, 0.52], "loss": [0.7, 0.5, 0.4, 0.3, 0.2, 0.1],
     "val_accuracy": [0.68, 0.74, 0.73, 0.78, 0.79, 0.775],
     "accuracy": [0.6, 0.75, 0.8, 0.86, 0.9, 0.95]},
    {"val_loss": [0.5, 0.4, 0.45, 0.4, 0.6], "loss": [0.6, 0.5, 0.4, 0.3, 0.2],
     "val_accuracy": [0.75, 0.80, 0.83, 0.79, 0.77], "accuracy": [0.7, 0.78, 0.84, 0.88, 0.93]},
    {"val_loss": [0.55, 0.42, 0.44, 0.47], "loss": [0.6, 0.45, 0.35, 0.3],
     "val_accuracy": [0.72, 0.79, 0.80, 0.82], "accuracy": [0.68, 0.8, 0.85, 0.9]},
]


def _copy(history: dict) -> dict:
    """A fresh copy of a history, so that a student's function cannot change the next case."""
    return {key: list(values) for key, values in history.items()}


def _matching_slip(answers: Sequence[Any], inputs: Sequence[Any],
                   slips: Sequence[tuple[Callable[..., Any], str]],
                   same: Callable[[Any, Any], bool]) -> str | None:
    """The mistake of the first slip whose answers equal the student's on every input."""
    for slip, mistake in slips:
        try:
            theirs = [slip(*case) for case in inputs]
        except (IndexError, ValueError):  # a slip that has no answer for some input
            continue
        if all(same(got, slip_answer) for got, slip_answer in zip(answers, theirs, strict=True)):
            return mistake
    return None


def _constant(answers: Sequence[Any], expected: Sequence[Any]) -> str | None:
    """Feedback for a function that returns one value where the right answers differ."""
    if len({repr(a) for a in answers}) == 1 and len({repr(e) for e in expected}) > 1:
        return (f"your function returned {answers[0]!r} for every input, though the right "
                f"answers differ: compute it from the input it is given")
    return None


# --- ex-best-epoch ---------------------------------------------------------------------------


def _best_epoch(history: dict) -> int:
    return int(np.argmin(history["val_loss"])) + 1


def _first_rise(history: dict) -> int:
    """The 1-based epoch just before the validation loss first goes up."""
    val_loss = history["val_loss"]
    return next((e for e in range(1, len(val_loss)) if val_loss[e] > val_loss[e - 1]),
                len(val_loss))


def _last_of_ties(history: dict) -> int:
    """The 1-based epoch of the *last* of equal lowest validation losses."""
    val_loss = list(history["val_loss"])
    return len(val_loss) - val_loss[::-1].index(min(val_loss))


_BEST_EPOCH_SLIPS = [
    (lambda h: _best_epoch(h) - 1, "epochs count from 1, not 0"),
    (lambda h: int(np.argmin(h["loss"])) + 1,
     "that is the epoch of lowest *training* loss; use the validation loss"),
    (lambda h: int(np.argmax(h["val_accuracy"])) + 1,
     "that is the epoch of highest validation *accuracy*; early stopping here watches the "
     "validation loss"),
    (_first_rise, "that is the epoch before the validation loss first rises; it can fall lower "
     "later, so take the lowest over all epochs"),
    (_last_of_ties, "that is a later epoch with the same lowest loss; early stopping keeps the "
     "first"),
    (lambda h: len(h["val_loss"]), "that is the last epoch, not the best one"),
    (lambda h: int(np.argmax(h["val_loss"])) + 1,
     "that is the epoch of *highest* validation loss, the worst one: take the lowest (argmin, "
     "not argmax)"),
    (lambda h: _best_epoch(h) + 1,
     "one epoch too late: argmin's index + 1 already counts from 1, so add 1 once"),
]


def _as_epoch(got: Any) -> int:
    """The student's epoch as an int; a float with no fraction counts as one, nothing else."""
    if isinstance(got, bool) or not isinstance(got, numbers.Real) or float(got) != int(got):
        raise ExerciseFailed(f"expected a whole epoch number, got {got!r}")
    return int(got)


@exercise("ex-best-epoch")
def check_best_epoch(func: Callable[[dict], int]) -> str:
    """The student's ``best_epoch(history)``: the 1-based epoch of lowest validation loss.

    The histories include one whose loss falls again after a first rise, and one with a tie,
    where early stopping keeps the first of the equal epochs.
    """
    answers = [_as_epoch(call_student(func, _copy(h))) for h in _HISTORIES]
    expected = [_best_epoch(h) for h in _HISTORIES]
    if answers == expected:
        return "right: the validation loss, not the training loss, tells when overfitting starts"
    wrong = next(i for i, (g, e) in enumerate(zip(answers, expected, strict=True)) if g != e)
    shown = (f"for val_loss {_HISTORIES[wrong]['val_loss']} you returned {answers[wrong]}, "
             f"expected {expected[wrong]}")
    mistake = _constant(answers, expected) or _matching_slip(
        answers, [(h,) for h in _HISTORIES], _BEST_EPOCH_SLIPS, lambda a, b: a == b)
    raise ExerciseFailed(f"{shown}: {mistake}" if mistake else
                         f"{shown}: the epoch, counted from 1, of the lowest validation loss")


# --- ex-discordant ---------------------------------------------------------------------------


def _discordant(a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    return int(np.sum(a & ~b)), int(np.sum(~a & b))


_DISCORDANT_SLIPS = [
    (lambda a, b: _discordant(a, b)[::-1],
     "the pair is the wrong way round: a_only comes first"),
    (lambda a, b: (int(a.sum()), int(b.sum())),
     "those are each model's total of right reviews; count only the reviews the *other* "
     "model gets wrong"),
    (lambda a, b: (int(np.sum(a & b)), int(np.sum(~a & ~b))),
     "those are the reviews on which the two models agree (both right, both wrong); McNemar "
     "needs those where they disagree"),
    (lambda a, b: (int(np.sum(~a & ~b)), int(np.sum(a & b))),
     "those are the reviews on which the two models agree (both wrong, both right); McNemar "
     "needs those where they disagree"),
    (lambda a, b: (int(np.sum(a != b)), 0),
     "the first number is how many reviews the models disagree on; split it by which model "
     "is right"),
    (lambda a, b: (int(np.sum(a & ~b)), int(np.sum(a != b))),
     "the second number counts every disagreement; count only those where B is right"),
    (lambda a, b: (int(np.sum(a != b)), int(np.sum(a != b))),
     "both numbers count every review the models disagree on (a != b); split those by which "
     "model is right: A right and B wrong, then A wrong and B right"),
    (lambda a, b: (int(a.sum()) - int(b.sum()), int(b.sum()) - int(a.sum())),
     "those are differences of the two totals, which give only a_only - b_only: reviews both "
     "models get right cancel out of them. Count the reviews A gets right and B wrong, then "
     "those B gets right and A wrong"),
]


def _as_pair(got: Any) -> tuple[int, int]:
    """The student's (a_only, b_only) as two ints; shares or other shapes are clear errors."""
    try:
        values = [float(v) for v in got]
    except (TypeError, ValueError) as exc:
        raise ExerciseFailed(f"expected a pair of ints (a_only, b_only), got {got!r}") from exc
    if len(values) != 2:
        raise ExerciseFailed(f"expected a pair of ints (a_only, b_only), got {len(values)} "
                             f"values: {got!r}")
    if any(not v.is_integer() for v in values):
        raise ExerciseFailed(f"expected counts of reviews, got {got!r}: these look like "
                             f"shares (a mean); count with a sum instead")
    return int(values[0]), int(values[1])


def _verdict_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    """Pairs of right/wrong vectors of different lengths and accuracies."""
    rng = np.random.default_rng(6)
    return [(rng.random(500) < 0.8, rng.random(500) < 0.75),
            (rng.random(313) < 0.6, rng.random(313) < 0.7),
            (np.array([True, True, False, False, True, False]),
             np.array([True, False, True, True, False, False]))]


@exercise("ex-discordant", reference=("lessons_lib.evaluation.mcnemar",))
def check_discordant(func: Callable[[np.ndarray, np.ndarray], tuple[int, int]]) -> str:
    """The student's ``discordant_counts(correct_a, correct_b)`` on several sets of verdicts:
    the pair (reviews only A gets right, reviews only B gets right)."""
    cases = _verdict_cases()
    answers = [_as_pair(call_student(func, a.copy(), b.copy())) for a, b in cases]
    expected = [_discordant(a, b) for a, b in cases]
    if answers == expected:
        return (f"right: in the first case {expected[0][0]} reviews only A gets right, "
                f"{expected[0][1]} only B")
    wrong = next(i for i, (g, e) in enumerate(zip(answers, expected, strict=True)) if g != e)
    shown = (f"for {cases[wrong][0].size} reviews you returned {answers[wrong]}, expected "
             f"(a_only, b_only) = {expected[wrong]}")
    mistake = _constant(answers, expected) or _matching_slip(
        answers, cases, _DISCORDANT_SLIPS, lambda a, b: a == b)
    raise ExerciseFailed(f"{shown}: {mistake}" if mistake else
                         f"{shown}: count the reviews where exactly one model is right")


# --- ex-early-stopping -----------------------------------------------------------------------


def _gain_at(history: dict, index: int) -> float:
    """Validation accuracy at 0-based epoch ``index`` minus at the last epoch, in points."""
    if not 0 <= index < len(history["val_accuracy"]):
        raise IndexError(index)
    return 100 * (history["val_accuracy"][index] - history["val_accuracy"][-1])


def _early_stopping_gain(history: dict) -> float:
    return _gain_at(history, int(np.argmin(history["val_loss"])))


_EARLY_STOPPING_SLIPS = [
    (lambda h: _early_stopping_gain(h) / 100,
     "a difference of accuracies as fractions; give it in percentage points (x 100)"),
    (lambda h: -_early_stopping_gain(h),
     "the difference is the wrong way round; take the best epoch's accuracy minus the last "
     "one's"),
    (lambda h: _gain_at(h, int(np.argmin(h["val_loss"])) + 1),
     "the accuracy one epoch late: the epoch counted from 1 was used as a 0-based index"),
    (lambda h: _gain_at(h, min(int(np.argmin(h["val_loss"])) + 1, len(h["val_loss"]) - 1)),
     "the accuracy one epoch late: the epoch counted from 1 was used as a 0-based index"),
    (lambda h: abs(_early_stopping_gain(h)),
     "that is the absolute value of the gain: when the last epoch is more accurate than the "
     "best one, the gain is negative (early stopping would have cost accuracy); keep its sign"),
    (lambda h: 100 * (h["val_accuracy"][int(np.argmin(h["val_loss"]))] / h["val_accuracy"][-1]
                      - 1),
     "a relative change in per cent (best / last - 1); the gain is a difference of "
     "accuracies in percentage points, 100 * (best - last)"),
    (lambda h: _gain_at(h, int(np.argmax(h["val_accuracy"]))),
     "the gain at the epoch of highest validation accuracy; early stopping here watches the "
     "validation loss"),
    (lambda h: _gain_at(h, _last_of_ties(h) - 1),
     "the gain at a later epoch with the same lowest loss; early stopping keeps the first"),
    (lambda h: 100 * (h["accuracy"][int(np.argmin(h["val_loss"]))] - h["accuracy"][-1]),
     "a difference of *training* accuracies; use the validation accuracy"),
    (lambda h: _gain_at(h, int(np.argmin(h["loss"]))),
     "the gain at the epoch of lowest *training* loss; choose the epoch by the validation "
     "loss"),
    (lambda h: 100 * (h["val_accuracy"][int(np.argmin(h["val_loss"]))] - h["val_accuracy"][0]),
     "compared with the first epoch; compare with the last one, the weights training ends "
     "with"),
]


def _rounded(answers: Sequence[float], expected: Sequence[float]) -> str | None:
    """Feedback for gains rounded to whole points (some right gains have a fraction)."""
    if all(float(a).is_integer() and abs(a - e) <= 0.5 + 1e-6
           for a, e in zip(answers, expected, strict=True)):
        return ("rounded to whole points: return the gain as it is (0.5 points is 0.5), "
                "round only when you print it")
    return None


@exercise("ex-early-stopping")
def check_early_stopping(func: Callable[[dict], float]) -> str:
    """The student's ``early_stopping_gain(history)``: validation accuracy, in percentage
    points, at the first epoch of lowest validation loss minus at the last epoch."""
    answers = []
    for history in _HISTORIES:
        try:
            answers.append(call_student(func, _copy(history)))
        except ExerciseFailed as exc:
            if isinstance(exc.__cause__, IndexError):
                raise ExerciseFailed(
                    f"for val_loss {history['val_loss']}, lowest at the last epoch, {exc}: "
                    f"was the epoch counted from 1 used as a 0-based index?") from exc
            raise
    for got in answers:
        if isinstance(got, bool) or not isinstance(got, numbers.Real):
            raise ExerciseFailed(f"expected a number (percentage points), got {got!r}")
    answers = [float(a) for a in answers]
    expected = [_early_stopping_gain(h) for h in _HISTORIES]

    def same(a: float, b: float) -> bool:
        return bool(np.isclose(a, b, rtol=1e-6, atol=1e-9))

    if all(same(g, e) for g, e in zip(answers, expected, strict=True)):
        return ("right: this is what early stopping would have kept, measured on the very "
                "reviews that chose the epoch")
    wrong = next(i for i, (g, e) in enumerate(zip(answers, expected, strict=True))
                 if not same(g, e))
    history = _HISTORIES[wrong]
    shown = (f"for val_loss {history['val_loss']} and val_accuracy {history['val_accuracy']} "
             f"you returned {answers[wrong]:.4g}, expected {expected[wrong]:.4g}")
    mistake = _constant(answers, expected) or _matching_slip(
        answers, [(h,) for h in _HISTORIES], _EARLY_STOPPING_SLIPS, same) or _rounded(
        answers, expected)
    raise ExerciseFailed(f"{shown}: {mistake}" if mistake else
                         f"{shown}: the validation accuracy at the epoch of lowest validation "
                         f"loss minus that at the last epoch, in points")
