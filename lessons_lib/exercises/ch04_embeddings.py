"""Chapter 4's exercise checks, in the order of ``book/04_embeddings.ipynb``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lessons_lib.exercises import (
    ExerciseFailed,
    as_numbers,
    call_student,
    exercise,
    expect_close,
)


def _uses_identity(func: Any) -> bool:
    """Whether the source of ``func`` calls ``eye`` or ``identity`` (comments and strings
    aside); False when its source cannot be read."""
    import inspect
    import io
    import tokenize

    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):  # no source to read (built in a string, say): cannot tell
        return False
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                  if t.type not in (tokenize.COMMENT, tokenize.STRING)]
    except (tokenize.TokenError, IndentationError):  # a lambda cut out of a longer line
        return "eye(" in source or "identity(" in source
    return any(a.string in ("eye", "identity") and b.string == "("
               for a, b in zip(tokens, tokens[1:], strict=False))


def _one_hot_mistake(got: np.ndarray, ids: np.ndarray, size: int) -> str:
    """Name the slip behind a wrong one-hot matrix of the right shape, or say what is wrong."""
    n = len(ids)
    rows = np.arange(n)
    if np.all(got == 1):
        return "Every entry is 1: a row needs a single 1, in the column of its id, zeros elsewhere."
    for shift in (1, -1):
        shifted = np.zeros((n, size))
        shifted[rows, (ids + shift) % size] = 1
        if np.array_equal(got, shifted):
            return (f"Off by one: your 1s sit in column id {'+' if shift > 0 else '-'} 1. "
                    "Ids count from 0, like the columns: id 0 is column 0.")
    if np.array_equal(got, (np.arange(size) <= ids[:, None]).astype(float)):
        return ("Your rows hold 1s in every column up to the id: a row needs a single 1, in "
                "the column of its id.")
    if not np.all(got.sum(axis=1) == 1):
        row = int(np.flatnonzero(got.sum(axis=1) != 1)[0])
        return (f"Row {row} sums to {got[row].sum():g}: each row must hold exactly one 1 "
                "and zeros elsewhere.")
    row = int(np.flatnonzero((got != np.eye(size)[ids]).any(axis=1))[0])
    return (f"Row {row} (id {ids[row]}) should have its 1 in column {ids[row]}; yours is in "
            f"column {int(np.argmax(got[row]))}.")


@exercise("ex-one-hot")
def check_one_hot(one_hot: Callable[..., Any]) -> str:
    """``one_hot(ids, vocab_size)``: an ``(len(ids), vocab_size)`` matrix of 0/1, one 1 a row,
    built without ``np.eye`` (the statement's rule, read from the function's source when it
    can be read). A list of lists or a bool matrix of the right values passes.

    Tried on several sizes (not only the chapter's 1,000), with repeated ids, id 0 and, after
    a first case that leaves it out, the last id ``vocab_size - 1``.
    """
    rng = np.random.default_rng(5)
    cases = [([3, 0, 7, 3, 5], 10), ([6, 2, 6], 8), ([0, 12, 12, 1, 12], 13),
             (rng.integers(0, 1000, 50).tolist() + [999], 1000),
             (rng.integers(0, 37, 20).tolist(), 37)]
    for ids, size in cases:
        ids = np.array(ids)
        got = as_numbers(call_student(one_hot, ids.copy(), size), f"one_hot of {len(ids)} ids")
        expected = np.eye(size)[ids]
        if got.shape == (size, len(ids)) and size != len(ids):
            raise ExerciseFailed(f"one_hot(ids, {size}) of {len(ids)} ids has shape "
                                 f"{got.shape}: rows and columns are swapped. Expected "
                                 f"{expected.shape}: one row per id, one column per word.")
        if got.ndim == 2 and got.shape[0] == len(ids) and got.shape[1] != size:
            hint = (" It looks as if you used 1000, the chapter's vocab_size, instead of the "
                    "argument size." if got.shape[1] == 1000 else
                    " It looks as if you used the largest id + 1 instead of the argument size."
                    if got.shape[1] == ids.max() + 1 else
                    " One column too many: ids run from 0 to size - 1, so size columns hold "
                    "them all." if got.shape[1] == size + 1 else "")
            raise ExerciseFailed(f"one_hot(ids, {size}) should have {size} columns, got "
                                 f"{got.shape[1]}.{hint}")
        if got.shape != expected.shape:
            raise ExerciseFailed(f"one_hot of {len(ids)} ids with size {size} should have shape "
                                 f"{expected.shape}, got {got.shape}")
        if not np.array_equal(got, expected):
            raise ExerciseFailed(f"one_hot({ids.tolist()[:8]}{'...' if len(ids) > 8 else ''}, "
                                 f"{size}) is wrong. {_one_hot_mistake(got, ids, size)}")
    weights = rng.normal(size=(10, 3))
    product = as_numbers(call_student(one_hot, np.array([3, 0, 9]), 10), "one_hot") @ weights
    expect_close(product, weights[[3, 0, 9]], "one_hot(ids) @ W")
    if _uses_identity(one_hot):
        raise ExerciseFailed("your matrix is right, but it comes from np.eye (or np.identity), "
                             "which the exercise asks you not to use: start from np.zeros and "
                             "set the 1s by indexing, out[rows, ids] = 1")
    return "one_hot(ids) @ W picks the rows W[ids]: an embedding is a lookup"


def _ranking(scores: np.ndarray, i: int) -> list[int]:
    """Row indices from the highest score to the lowest, row ``i`` left out."""
    return [int(j) for j in np.argsort(-scores, kind="stable") if j != i]


def _nearest_mistake(got: list[int], vectors: np.ndarray, i: int, k: int,
                     expected: list[int]) -> str:
    """Name the slip behind a wrong list of neighbours, or return ""."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosine = _ranking(unit @ unit[i], i)
    twins = [j for j in range(len(vectors)) if j != i and unit[j] @ unit[i] > 1 - 1e-9]
    if i in got and twins:
        return (f" Row {i} itself is in your list: rows {twins}, equal or parallel to it, have "
                "a similarity of 1 too, so row i need not come first in the ranking, and "
                "dropping the first place ([1:]) does not remove it. Leave out row i by its "
                "index.")
    if i in got:
        return " Leave the row itself out: it is always its own nearest neighbour."
    if twins and not set(twins) & set(got):
        return (f" Rows {twins} are equal or parallel to row {i} (a similarity of 1): they are "
                "its nearest neighbours and must come first. Leave out only row i itself, by "
                "its index, not every row with a similarity of 1.")
    if len(got) != k:
        return (f" You returned {len(got)} indices; k = {k} asks for exactly {k}"
                + (" (off by one)." if abs(len(got) - k) == 1 else "."))
    columns = vectors / np.linalg.norm(vectors, axis=0, keepdims=True)
    wrong_rankings = [
        (_ranking(vectors @ vectors[i], i),
         " You ranked by the dot product: divide every row by its length first, so that "
         "long vectors do not win whatever their direction."),
        (_ranking(-np.linalg.norm(vectors - vectors[i], axis=1), i),
         " You ranked by Euclidean distance between the raw vectors, which depends on their "
         "lengths: cosine similarity compares directions only."),
        (_ranking(columns @ columns[i], i),
         " You normalised the columns (axis=0): divide each row by its own length "
         "(axis=1, keepdims=True)."),
        (cosine[::-1][:k],
         " You took the least similar rows: sort from the largest similarity down."),
    ]
    for ranking, hint in wrong_rankings:
        if got == ranking[:k]:
            return hint
    if sorted(got) == sorted(expected):
        return " The right rows, in the wrong order: most similar first."
    return ""


def _with_twins(vectors: np.ndarray, i: int, equal: int, parallel: int) -> np.ndarray:
    """``vectors`` with row ``equal`` a copy of row ``i`` and row ``parallel`` a multiple of
    it, whose computed similarity to row ``i`` exceeds row ``i``'s own (so that row ``i``
    does not sort first, whatever the sort)."""
    twins = vectors.copy()
    twins[equal] = vectors[i]
    for factor in 1.5 + 0.013 * np.arange(500):
        twins[parallel] = factor * vectors[i]
        unit = twins / np.linalg.norm(twins, axis=1, keepdims=True)
        similarity = unit @ unit[i]
        if similarity[parallel] > similarity[i]:
            break
    return twins


def _is_ranking(got: list[int], similarity: np.ndarray, i: int, k: int) -> bool:
    """Whether ``got`` is k distinct rows, not ``i``, with the k largest similarities, most
    similar first (rows whose similarities tie within rounding may come in either order)."""
    if len(got) != k or len(set(got)) != k or i in got or not all(
            0 <= j < len(similarity) for j in got):
        return False
    best = np.sort(np.delete(similarity, i))[::-1][:k]
    return bool(np.allclose(similarity[got], best, atol=1e-9))


@exercise("ex-nearest")
def check_nearest(nearest: Callable[..., Any]) -> str:
    """``nearest(vectors, i, k)``: the ``k`` rows most cosine-similar to row ``i``, not ``i``.

    The rows have lengths from 0.1 to 10, so the dot product, the Euclidean distance and a
    cosine ranking all differ; several rows ``i`` (the last one too) and sizes ``k``; one
    matrix holds a copy of row ``i`` and a multiple of it, which must be returned first
    (rows that tie may come in either order).
    """
    rng = np.random.default_rng(6)
    vectors = rng.normal(size=(60, 8)) * rng.uniform(0.1, 10, size=(60, 1))
    cases = [(vectors, 0, 5), (vectors, 17, 1), (vectors, 42, 10), (vectors, 59, 3),
             (vectors, 8, 7), (_with_twins(vectors, 25, equal=11, parallel=50), 25, 4)]
    for matrix, i, k in cases:
        unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
        similarity = unit @ unit[i]
        expected = _ranking(similarity, i)[:k]
        got = call_student(nearest, matrix.copy(), i, k)
        try:
            values = np.asarray(got, dtype=float).ravel()
        except (TypeError, ValueError) as exc:
            raise ExerciseFailed(f"expected a list of {k} row indices, got {got!r}") from exc
        if not np.all(values == np.round(values)):
            raise ExerciseFailed(f"expected a list of {k} row indices (whole numbers), got "
                                 f"{values[:5].round(3).tolist()}: return the rows' "
                                 "positions, not their similarities")
        got = [int(j) for j in values]
        if not _is_ranking(got, similarity, i, k):
            hint = _nearest_mistake(got, matrix, i, k, expected)
            raise ExerciseFailed(f"nearest(vectors, {i}, {k}) should be {expected}, "
                                 f"got {got}.{hint}")
    return "cosine similarity ignores the vectors' lengths and compares their directions"


@exercise("ex-masked-average")
def check_masked_average(masked_average: Callable[..., Any]) -> str:
    """``masked_average(ids, table)``: the mean of ``table[ids]`` over the positions whose id
    is not 0 (padding, in front); the start marker 1 and every other id count.

    The table's padding row is not zero, so counting the padding changes the result.
    """
    rng = np.random.default_rng(14)
    table = rng.normal(size=(12, 7)) + 0.5  # 7: no case has 7 words
    cases = [np.array([0, 0, 0, 1, 5, 7, 7, 3]), np.array([1, 4, 9, 9, 2, 11]),
             np.array([0] * 17 + [1, 6, 3]), np.array([0, 1, 8, 10, 2, 2, 6, 4, 4, 4])]
    for ids in cases:
        words = ids[ids != 0]
        expected = table[words].mean(axis=0)
        got = as_numbers(call_student(masked_average, ids.copy(), table.copy()),
                         "the average vector")
        if got.shape != expected.shape:
            hint = (" You averaged over the wrong axis: average the positions (axis=0), "
                    "keeping one number per coordinate of the embedding."
                    if got.shape in ((len(ids),), (len(words),)) else "")
            raise ExerciseFailed(f"expected a vector of shape {expected.shape} (one number per "
                                 f"coordinate of the embedding), got {got.shape}.{hint}")
        if np.allclose(got, expected, atol=1e-6):
            continue
        mistakes = [
            (table[ids].mean(axis=0), "That is the plain average: the padding positions "
                                      "(id 0) are counted too."),
            (table[words].sum(axis=0) / len(ids), "You summed the words' vectors but divided "
                                                  "by all the positions, padding included: "
                                                  "divide by the number of words."),
            (table[ids[ids > 1]].mean(axis=0), "You left out the start marker (id 1) too: "
                                               "only id 0 is padding."),
            (table[ids[:len(words)]].mean(axis=0), "You averaged the first positions, as if "
                                                   "the padding came at the end: it comes in "
                                                   "front, so pick the positions whose id is "
                                                   "not 0."),
            (table[words].sum(axis=0), "That is the sum of the vectors: divide by the number "
                                       "of words."),
        ]
        hint = next((why for wrong, why in mistakes if np.allclose(got, wrong, atol=1e-6)), "")
        raise ExerciseFailed(f"for ids {ids.tolist()} expected {expected.round(4).tolist()}, "
                             f"got {got.round(4).tolist()}. {hint}".rstrip())
    return "the padding no longer counts: a short review's words carry their full weight"
