"""The checks of chapter 3's exercises (lessons_lib.exercises.ch03_imdb_data)."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib.exercises import exercises_for


def right_oov_share(x):
    x = np.asarray(x)
    return float((x[x >= 2] == 2).mean())


def oov_over_known_words(x):  # leaves the OOV words out of the denominator
    x = np.asarray(x)
    with np.errstate(divide="ignore"):  # a review of OOV words only: inf, as numpy gives
        return float((x == 2).sum() / (x > 2).sum())


def right_pad_front(ids, max_len):
    kept = np.asarray(ids, dtype=np.int32)[-max_len:]
    return np.concatenate([np.zeros(max_len - len(kept), dtype=np.int32), kept])


def pad_front_as_list(ids, max_len):  # right, written differently: a list of Python ints
    kept = list(ids)[len(ids) - min(len(ids), max_len):]
    return [0] * (max_len - len(kept)) + kept


def pad_front_in_place(ids, max_len):  # pads the caller's list itself
    while len(ids) < max_len:
        ids.insert(0, 0)
    return np.array(ids[-max_len:])


def pad_front_float_zeros(ids, max_len):  # np.zeros without a dtype makes the row float
    kept = np.asarray(ids)[-max_len:] if len(ids) else np.zeros(0)
    return np.concatenate([np.zeros(max_len - len(kept)), kept])


def right_kept(starts, lengths, max_len):
    front = starts >= lengths - max_len        # a front cut keeps the last max_len words
    end = starts + 1 <= max_len - 2            # an end cut: the marker, then max_len - 1 words
    return float(front.mean()), float(end.mean())


def kept_by_loop(starts, lengths, max_len):  # right, written differently: a loop, a list
    front = end = 0
    for start, length in zip(starts.tolist(), lengths.tolist(), strict=True):
        row = list(range(length))[-max_len:]           # word positions a front cut keeps
        front += start in row and start + 1 in row
        end += start + 1 < max_len - 1
    return [front / len(starts), np.float64(end / len(starts))]


def test_the_chapter_registers_its_exercises():
    assert exercises_for("03_imdb_data") == ["ex-oov-share", "ex-pad-front", "ex-front-or-end"]


@pytest.mark.parametrize("label,right,wrongs", [
    ("ex-oov-share", right_oov_share, [
        (lambda x: float((np.asarray(x) == 2).mean()), "padding and start too"),
        (lambda x: 100 * right_oov_share(x), "not a percentage"),
        (lambda x: "a lot", "one number"),
        (lambda x: float((np.asarray(x)[np.asarray(x) >= 1] == 2).mean()), "start marker"),
        (lambda x: float((np.asarray(x) == 2).sum()), "not their share"),  # a count
        (lambda x: float((np.asarray(x) == 2).sum() // (np.asarray(x) >= 2).sum()),
         "Integer division"),
        (lambda x: float((np.asarray(x)[np.asarray(x) >= 2] == 3).mean()), "not 3"),
        (lambda x: float((np.asarray(x)[np.asarray(x) >= 2] == 1).mean()),  # id 1 as OOV
         "Id 1 is the start marker"),
        (oov_over_known_words, "words too"),
    ]),
    ("ex-pad-front", right_pad_front, [
        (lambda ids, n: np.array((list(ids) + [0] * n)[:n]), "zeros go in front"),
        (lambda ids, n: np.array(([0] * n + list(ids[:n]))[-n:]), "not the first"),
        (lambda ids, n: np.array((list(ids[:n]) + [0] * n)[:n]), "zeros go in front"),  # post, post
        (lambda ids, n: np.zeros(n + 1, dtype=int), "start marker is already in ids"),
        (lambda ids, n: np.array([0] * (n - len(ids)) + list(ids)), "must be cut"),  # never cuts
        (lambda ids, n: right_pad_front(ids, n)[::-1], "in their order"),
        (lambda ids, n: right_pad_front(list(ids)[1:], n) if len(ids) >= n
         else right_pad_front(ids, n), "one id too few"),
        (lambda ids, n: right_pad_front(list(ids)[len(ids) - n:], n), "negative start"),
        (pad_front_float_zeros, "integer array"),
        (lambda ids, n: np.array([0, 0, 1, 5, 6]), "should have shape"),  # the example, hard-coded
        (lambda ids, n: None, "returned None"),
        (lambda ids, n: [list(ids), [0]], "one row of"),
        (pad_front_in_place, "changed the list it was given"),
        (lambda ids, n: right_pad_front(ids, n)[1:] if len(ids) < n else right_pad_front(ids, n),
         "One zero too few"),
        (lambda ids, n: np.array([1] * (n - len(ids)) + list(ids)[-n:]), "Pad with 0"),
    ]),
    ("ex-front-or-end", right_kept, [
        (lambda s, n, m: right_kept(s, n, m)[::-1], "wrong way round"),
        (lambda s, n, m: (float((s >= n - m).mean()), float((s + 1 <= m - 1).mean())),
         "start marker takes the first"),
        (lambda s, n, m: (float((s >= n - m + 1).mean()), float((s + 1 <= m - 2).mean())),
         "not max_len - 1"),
        (lambda s, n, m: (float((s >= n - m + 1).mean()), float((s + 1 <= m - 1).mean())),
         "start marker stays only in an end cut"),
        (lambda s, n, m: (float((s + 1 >= n - m).mean()), right_kept(s, n, m)[1]),
         "check its first word too"),
        (lambda s, n, m: tuple(100 * v for v in right_kept(s, n, m)), "not percentages"),
        (lambda s, n, m: tuple(len(s) * v for v in right_kept(s, n, m)), "not counts"),
        (lambda s, n, m: tuple(1 - v for v in right_kept(s, n, m)), "each cut loses"),
        (lambda s, n, m: (0.91, 0.08), "expected ("),  # the chapter's numbers, hard-coded
        (lambda s, n, m: right_kept(s, n, m)[0], "a pair of shares"),
    ]),
])
def test_exercise_checks(label, right, wrongs, verdicts):
    verdicts(label, right, wrongs)


@pytest.mark.parametrize("label,right", [
    # a list or a tuple of the right ids passes: the statement asks for an array, but the values
    # are what an embedding reads, and np.asarray turns either into the right row
    ("ex-pad-front", pad_front_as_list),
    ("ex-pad-front", lambda ids, n: tuple(right_pad_front(ids, n).tolist())),
    # ids[-max_len:] with no guard for max_len = 0: right, since the statement has max_len >= 1
    ("ex-pad-front", lambda ids, n: np.array([0] * (n - len(list(ids)[-n:])) + list(ids)[-n:])),
    ("ex-pad-front", lambda ids, n: right_pad_front(ids, n).astype(np.int64)),
    ("ex-oov-share", lambda x: np.float32(right_oov_share(x))),
    ("ex-front-or-end", kept_by_loop),
    ("ex-front-or-end", lambda s, n, m: np.array(right_kept(s, n, m))),
])
def test_right_answers_written_differently_pass(label, right, verdicts):
    verdicts(label, right, [])
