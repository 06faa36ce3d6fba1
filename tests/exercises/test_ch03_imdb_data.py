"""The checks of chapter 3's exercises (lessons_lib.exercises.ch03_imdb_data)."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib.exercises import exercises_for


def right_oov_share(x):
    x = np.asarray(x)
    return float((x[x >= 2] == 2).mean())


def right_pad_front(ids, max_len):
    kept = np.asarray(ids, dtype=np.int32)[-max_len:]
    return np.concatenate([np.zeros(max_len - len(kept), dtype=np.int32), kept])


def test_the_chapter_registers_its_exercises():
    assert exercises_for("03_imdb_data") == ["ex-oov-share", "ex-pad-front"]


@pytest.mark.parametrize("label,right,wrongs", [
    ("ex-oov-share", right_oov_share, [
        (lambda x: float((np.asarray(x) == 2).mean()), "padding and start too"),
        (lambda x: 100 * right_oov_share(x), "not a percentage"),
        (lambda x: "a lot", "one number"),
        (lambda x: float((np.asarray(x)[np.asarray(x) >= 1] == 2).mean()), "start marker"),
        (lambda x: float((np.asarray(x) == 2).sum()), "expected"),
    ]),
    ("ex-pad-front", right_pad_front, [
        (lambda ids, n: np.array((list(ids) + [0] * n)[:n]), "zeros go in front"),
        (lambda ids, n: np.array(([0] * n + list(ids[:n]))[-n:]), "not the first"),
        (lambda ids, n: np.zeros(n + 1), "shape"),
        (lambda ids, n: np.array([0] * (n - len(ids)) + list(ids)), "shape"),  # never cuts
        (lambda ids, n: np.array(([0] * n + list(ids))[-n:][::-1]), "should be"),  # reversed
    ]),
])
def test_exercise_checks(label, right, wrongs, verdicts):
    verdicts(label, right, wrongs)
