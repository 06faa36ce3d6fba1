"""Chapter 3's exercise checks, in the order of ``book/03_imdb_data.ipynb``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lessons_lib.exercises import (
    ExerciseFailed,
    call_student,
    exercise,
    expect_answer,
    expect_shape,
)


def _as_float(value: Any, what: str) -> float:
    try:
        return float(expect_answer(value))
    except (TypeError, ValueError) as exc:
        raise ExerciseFailed(f"expected {what} as one number, got {value!r}") from exc


@exercise("ex-oov-share")
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
            elif np.isclose(got, (x[x >= 1] == 2).mean()):
                hint = " The start marker (1) is not a word either: count ids of 2 and above."
            elif np.isclose(got, expected * 100):
                hint = " Give a share between 0 and 1, not a percentage."
            raise ExerciseFailed(f"for {shown} expected {expected:.4f}, got {got:.4f}.{hint}")
    return "padding and start markers are not words: the share counts words only"


@exercise("ex-pad-front")
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
