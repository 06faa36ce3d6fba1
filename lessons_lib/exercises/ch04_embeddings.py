"""Chapter 4's exercise checks, in the order of ``book/04_embeddings.ipynb``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lessons_lib.exercises import ExerciseFailed, call_student, exercise, expect_close, expect_shape


@exercise("ex-one-hot")
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


@exercise("ex-nearest")
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
