"""Chapter 6's exercise checks, in the order of ``book/06_training.ipynb``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lessons_lib.exercises import ExerciseFailed, call_student, exercise


def _first_rise(val_loss: list[float]) -> int:
    """The 1-based epoch just before the validation loss first goes up (a common slip)."""
    for epoch in range(1, len(val_loss)):
        if val_loss[epoch] > val_loss[epoch - 1]:
            return epoch
    return len(val_loss)


@exercise("ex-best-epoch")
def check_best_epoch(func: Callable[[dict], int]) -> str:
    """The student's ``best_epoch(history)``: the 1-based epoch of lowest validation loss.

    The histories include one whose loss falls again after a first rise, and one with a tie,
    where early stopping keeps the first of the equal epochs.
    """
    cases = [
        {"val_loss": [0.5, 0.4, 0.45, 0.6], "loss": [0.6, 0.4, 0.3, 0.31]},
        {"val_loss": [0.3, 0.35, 0.4], "loss": [0.5, 0.4, 0.3]},
        {"val_loss": [0.7, 0.6, 0.5, 0.4, 0.39], "loss": [0.7, 0.6, 0.5, 0.4, 0.1]},
        {"val_loss": [0.6, 0.5, 0.55, 0.45, 0.5, 0.52], "loss": [0.7, 0.5, 0.4, 0.3, 0.2, 0.1]},
        {"val_loss": [0.5, 0.4, 0.45, 0.4, 0.6], "loss": [0.6, 0.5, 0.4, 0.3, 0.2]},
    ]
    for history in cases:
        got = call_student(func, history)
        val_loss = history["val_loss"]
        expected = int(np.argmin(val_loss)) + 1
        if got == expected:
            continue
        if got == expected - 1:
            raise ExerciseFailed(f"for val_loss {val_loss} you returned {got}: epochs count "
                                 "from 1, not 0")
        if got == int(np.argmin(history["loss"])) + 1:
            raise ExerciseFailed(f"you returned {got}, the epoch of lowest *training* loss; "
                                 f"use the validation loss (expected {expected})")
        if got == _first_rise(val_loss):
            raise ExerciseFailed(f"for val_loss {val_loss} you returned {got}, the epoch "
                                 "before the loss first rises; it can fall lower later, so "
                                 f"take the lowest over all epochs (expected {expected})")
        if val_loss[got - 1 if isinstance(got, int) and 0 < got <= len(val_loss) else 0] \
                == min(val_loss):
            raise ExerciseFailed(f"for val_loss {val_loss} you returned {got}, a later epoch "
                                 f"with the same lowest loss; early stopping keeps the first "
                                 f"(expected {expected})")
        raise ExerciseFailed(f"for val_loss {val_loss}: expected epoch {expected}, got {got}")
    return "right: the validation loss, not the training loss, tells when overfitting starts"


@exercise("ex-discordant")
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
