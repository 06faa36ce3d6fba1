"""The checks of chapter 4's exercises (lessons_lib.exercises.ch04_embeddings)."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib.exercises import exercises_for


def right_one_hot(ids, size):
    out = np.zeros((len(ids), size))
    out[np.arange(len(ids)), ids] = 1
    return out


def right_nearest(vectors, i, k):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return [int(j) for j in np.argsort(-(unit @ unit[i])) if j != i][:k]


def dot_nearest(vectors, i, k):
    return [int(j) for j in np.argsort(-(vectors @ vectors[i])) if j != i][:k]


def test_the_chapter_registers_its_exercises():
    assert exercises_for("04_embeddings") == ["ex-one-hot", "ex-nearest"]


@pytest.mark.parametrize("label,right,wrongs", [
    ("ex-one-hot", right_one_hot, [
        (lambda ids, size: np.ones((len(ids), size)), "single 1"),
        (lambda ids, size: right_one_hot(ids, size).T, "shape"),
    ]),
    ("ex-nearest", right_nearest, [
        (dot_nearest, "dot product"),
        (lambda v, i, k: [i] + right_nearest(v, i, k)[:-1], "Leave the row itself out"),
        (lambda v, i, k: right_nearest(v, i, k)[::-1], "wrong order"),
    ]),
])
def test_exercise_checks(label, right, wrongs, verdicts):
    verdicts(label, right, wrongs)
