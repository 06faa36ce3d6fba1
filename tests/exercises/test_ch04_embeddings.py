"""The checks of chapter 4's exercises (lessons_lib.exercises.ch04_embeddings)."""

from __future__ import annotations

import numpy as np

from lessons_lib.exercises import exercises_for


def right_one_hot(ids, size):
    out = np.zeros((len(ids), size))
    out[np.arange(len(ids)), ids] = 1
    return out


def one_hot_with(columns):
    """A one-hot matrix whose 1s sit in ``columns(ids, size)``: a slip in the column."""
    def one_hot(ids, size):
        out = np.zeros((len(ids), size))
        out[np.arange(len(ids)), columns(np.asarray(ids), size)] = 1
        return out
    return one_hot


def one_hot_from_eye(ids, size):
    """Right values, but from np.eye, which the statement forbids."""
    # (a comment that names eye( does not count; the call below does)
    return np.eye(size)[ids]


def one_hot_commenting_eye(ids, size):
    """Right, built with indexing: only its comment and docstring name np.eye(size)."""
    out = np.zeros((len(ids), size))  # like np.eye(size)[ids], without np.eye
    out[np.arange(len(ids)), ids] = 1
    return out


def right_nearest(vectors, i, k):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return [int(j) for j in np.argsort(-(unit @ unit[i])) if j != i][:k]


def ranked_by(score):
    """A nearest() that ranks the rows by ``score(vectors, i)``, largest first, without i."""
    def nearest(vectors, i, k):
        return [int(j) for j in np.argsort(-score(vectors, i)) if j != i][:k]
    return nearest


def drop_every_twin(vectors, i, k):
    """Leaves out every row with a cosine similarity of 1 to row i, not row i alone."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = unit @ unit[i]
    return [int(j) for j in np.argsort(-similarity) if similarity[j] < 1 - 1e-9][:k]


def right_masked_average(ids, table):
    return table[ids[ids != 0]].mean(axis=0)


def test_the_chapter_registers_its_exercises():
    assert exercises_for("04_embeddings") == ["ex-one-hot", "ex-nearest", "ex-masked-average"]


def test_one_hot(verdicts):
    verdicts("ex-one-hot", right_one_hot, [
        (lambda ids, size: np.ones((len(ids), size)), "single 1"),
        (lambda ids, size: right_one_hot(ids, size).T, "rows and columns are swapped"),
        (one_hot_with(lambda ids, size: ids + 1), "Off by one"),
        (one_hot_with(lambda ids, size: ids - 1), "Off by one"),
        (lambda ids, size: right_one_hot(ids, 1000), "1000, the chapter's vocab_size"),
        (lambda ids, size: right_one_hot(ids, max(ids) + 1), "largest id + 1"),
        (lambda ids, size: (np.arange(size) <= np.asarray(ids)[:, None]).astype(float),
         "every column up to the id"),
        (lambda ids, size: np.eye(10)[[3, 0, 7, 3, 5]], "should have shape (3, 8)"),
        (one_hot_with(lambda ids, size: size - 1 - ids), "should have its 1 in column"),
        (lambda ids, size: right_one_hot(ids, size + 1), "One column too many"),
        (one_hot_from_eye, "comes from np.eye"),  # the statement forbids np.eye
        (lambda ids, size: np.identity(size)[ids], "comes from np.eye"),
    ])
    # right answers written differently: ints, booleans, a list of lists
    for right in (lambda ids, size: right_one_hot(ids, size).astype(int),
                  lambda ids, size: np.arange(size) == np.asarray(ids)[:, None],
                  lambda ids, size: [[1 if c == i else 0 for c in range(size)] for i in ids]):
        verdicts("ex-one-hot", right, [])
    verdicts("ex-one-hot", one_hot_commenting_eye, [])


def test_nearest(verdicts):
    verdicts("ex-nearest", right_nearest, [
        (ranked_by(lambda v, i: v @ v[i]), "dot product"),
        (ranked_by(lambda v, i: -np.linalg.norm(v - v[i], axis=1)), "Euclidean distance"),
        (ranked_by(lambda v, i: (v / np.linalg.norm(v, axis=0))
                   @ (v / np.linalg.norm(v, axis=0))[i]), "normalised the columns"),
        (lambda v, i, k: [i] + right_nearest(v, i, k)[:-1], "Leave the row itself out"),
        (lambda v, i, k: right_nearest(v, i, k)[::-1], "wrong order"),
        (lambda v, i, k: right_nearest(v, i, k + 1), "(off by one)"),
        (lambda v, i, k: right_nearest(v, i, k - 1), "(off by one)"),
        (ranked_by(lambda v, i: -(v / np.linalg.norm(v, axis=1, keepdims=True))
                   @ (v[i] / np.linalg.norm(v[i]))), "least similar"),
        (lambda v, i, k: np.sort((v / np.linalg.norm(v, axis=1, keepdims=True))
                                 @ (v[i] / np.linalg.norm(v[i])))[::-1][1:k + 1],
         "not their similarities"),
        (lambda v, i, k: [1, 2, 3, 4, 5], "should be"),
        # assumes row i sorts first: a row parallel to it can come before it
        (lambda v, i, k: np.argsort(-(v @ v[i]) / np.linalg.norm(v, axis=1))[1:k + 1],
         "need not come first"),
        (lambda v, i, k: [int(j) for j in np.argsort(-(v / np.linalg.norm(v, axis=1)[:, None])
                                                      @ (v[i] / np.linalg.norm(v[i])))
                          if j != i][1:k + 1], "should be"),
        (drop_every_twin, "not every row with a similarity of 1"),
    ])
    # right answers written differently: Euclidean distance between unit vectors, an array
    def unit_euclidean(vectors, i, k):
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        order = np.argsort(np.linalg.norm(unit - unit[i], axis=1))
        return np.array([j for j in order if j != i][:k])

    verdicts("ex-nearest", unit_euclidean, [])


def test_masked_average(verdicts):
    verdicts("ex-masked-average", right_masked_average, [
        (lambda ids, table: table[ids].mean(axis=0), "padding positions (id 0) are counted"),
        (lambda ids, table: table[ids[ids != 0]].sum(axis=0) / len(ids),
         "divided by all the positions"),
        (lambda ids, table: table[ids[ids > 1]].mean(axis=0), "start marker (id 1) too"),
        (lambda ids, table: table[ids[:np.count_nonzero(ids)]].mean(axis=0),
         "as if the padding came at the end"),
        (lambda ids, table: table[ids[ids != 0]].sum(axis=0), "sum of the vectors"),
        (lambda ids, table: table[ids[ids != 0]].mean(axis=1), "wrong axis"),
        (lambda ids, table: np.arange(7) / 10, "expected"),
    ])
    # right answers written differently: a mask and a weighted sum, a list, float32
    def with_mask(ids, table):
        mask = (ids > 0).astype(float)
        return list(mask @ table[ids] / mask.sum())

    verdicts("ex-masked-average", with_mask, [])
    verdicts("ex-masked-average",
             lambda ids, table: np.mean([table[i] for i in ids if i], axis=0).astype(np.float32),
             [])
