"""Chapter 3's exercise checks, in the order of ``book/03_imdb_data.ipynb``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lessons_lib.exercises import (
    ExerciseFailed,
    exercise,
    expect_answer,
    first_wrong,
    returned,
)


def _as_float(value: Any, what: str) -> float:
    try:
        return float(expect_answer(value))
    except (TypeError, ValueError) as exc:
        raise ExerciseFailed(f"expected {what} as one number, got {value!r}") from exc


def _oov_slips() -> list[tuple[Callable[[np.ndarray], float], str]]:
    """Wrong shares students compute, each with the mistake it reveals."""
    def share(x: np.ndarray, hits: np.ndarray, among: np.ndarray) -> float:
        with np.errstate(divide="ignore", invalid="ignore"):  # no words: inf or nan, as
            return float(np.float64(hits.sum()) / among.sum())  # a student's numpy gives

    return [
        (lambda x: float((x == 2).mean()),
         "It looks as if you divided by every position, padding and start too."),
        (lambda x: share(x, x == 2, x >= 1),
         "The start marker (1) is not a word either: count ids of 2 and above."),
        (lambda x: 100 * share(x, x == 2, x >= 2),
         "Give a share between 0 and 1, not a percentage."),
        (lambda x: float((x == 2).sum()),
         "That is the number of out-of-vocabulary words, not their share: divide it by the "
         "number of words."),
        (lambda x: float((x == 2).sum() // (x >= 2).sum()),
         "Integer division (//) rounds the share down to a whole number: divide with /."),
        (lambda x: share(x, x == 1, x >= 2),
         "Id 1 is the start marker: the out-of-vocabulary id is 2."),
        (lambda x: float((x[x >= 2] == 1).mean()),
         "Id 1 is the start marker: the out-of-vocabulary id is 2."),
        (lambda x: share(x, x == 1, x >= 1),
         "Id 1 is the start marker: the out-of-vocabulary id is 2."),
        (lambda x: share(x, x == 3, x >= 2),
         "The out-of-vocabulary id is 2 (0 is padding, 1 the start marker), not 3."),
        (lambda x: share(x, x == 2, x > 2),
         "The out-of-vocabulary words are words too: divide by all the ids of 2 and above."),
    ]


def _same_share(a: float, b: float) -> bool:
    return bool(np.isclose(a, b, atol=1e-9) or (np.isnan(a) and np.isnan(b)))


@exercise("ex-oov-share")
def check_oov_share(oov_share: Callable[..., Any]) -> str:
    """``oov_share(x)``: the share of word positions (ids >= 2) of ``x`` that hold 2.

    When an answer is wrong, a slip is named only when it matches the answer on every case.
    """
    rng = np.random.default_rng(3)
    padded = rng.integers(2, 40, size=(30, 25))
    for row, start in enumerate(rng.integers(0, 25, size=30)):
        padded[row, :start] = 0
        padded[row, start] = 1
    cases = [np.array([[0, 0, 1, 7, 2, 9]]), np.array([[1, 2, 2, 2], [0, 0, 0, 1]]), padded]
    expected = [float((x[x >= 2] == 2).mean()) for x in cases]
    k, got = first_wrong(lambda x: _as_float(returned(oov_share, x.copy()), "the share"), cases,
                         lambda answer, i: np.isclose(answer, expected[i], atol=1e-9),
                         failed=float("inf"))
    if k is None:
        return "padding and start markers are not words: the share counts words only"
    named = [text for slip, text in _oov_slips()
             if all(_same_share(g, slip(x)) for g, x in zip(got, cases, strict=True))]
    x = cases[k]
    shown = x.tolist() if x.size <= 12 else f"an array of shape {x.shape}"
    raise ExerciseFailed(f"for {shown} expected {expected[k]:.4f}, got {got[k]:.4f}."
                         + (f" {named[0]}" if named else ""))


def _pad(kept: list[int], max_len: int, front: bool = True) -> list[int]:
    zeros = [0] * (max_len - len(kept))
    return zeros + kept if front else kept + zeros


def _pad_slips(ids: list[int], max_len: int) -> list[tuple[list[int], str]]:
    """Rows that students make of ``ids``, each with the mistake it reveals."""
    last = ids[len(ids) - min(len(ids), max_len):]
    slips = [
        (_pad(last, max_len, front=False), "the zeros go in front, not at the end"),
        (_pad(ids[:max_len], max_len), "keep the last max_len ids, not the first"),
        (_pad(ids[:max_len], max_len, front=False), "pad and cut at the front: zeros in front, "
                                                    "and keep the last max_len ids"),
        (_pad(last, max_len)[::-1], "keep the ids in their order"),
    ]
    if len(ids) < max_len:
        slips.append(([1] * (max_len - len(ids)) + ids, "pad with 0, the padding id: 1 is the "
                                                        "start marker"))
    if len(ids) >= max_len:
        slips.append((_pad(last[1:], max_len), "you kept one id too few (off by one): keep "
                                               "max_len of them"))
    if len(ids) < max_len:  # ids[len(ids) - max_len:] slices from a negative start
        slips.append((_pad(ids[len(ids) - max_len:], max_len),
                      "a review shorter than max_len keeps all its ids: ids[len(ids) - max_len:] "
                      "counts a negative start from the end, ids[-max_len:] does not"))
    return slips


@exercise("ex-pad-front", reference=("lessons_lib.data.pad_reviews",))
def check_pad_front(pad_front: Callable[..., Any]) -> str:
    """``pad_front(ids, max_len)``: zeros in front, or the last ``max_len`` ids, as integers."""
    rng = np.random.default_rng(4)
    cases = [([1, 5, 6], 5), ([1, 5, 6, 7], 2), ([1, 5, 6], 3), ([], 3), ([1, 9], 1),
             ([1, 8, 3, 12, 4], 7), (rng.integers(4, 1000, 250).tolist(), 100),
             (rng.integers(4, 1000, 40).tolist(), 100)]
    for ids, max_len in cases:
        expected = _pad(ids[len(ids) - min(len(ids), max_len):], max_len)
        shown = ids if len(ids) <= 8 else f"a review of {len(ids)} ids"
        given = list(ids)
        got = returned(pad_front, given, max_len)
        if given != ids:
            raise ExerciseFailed(f"pad_front({shown}, {max_len}) changed the list it was "
                                 f"given (it now holds {given[:12]}): build a new row and "
                                 "leave the caller's review as it was")
        try:
            got = np.asarray(got)
        except ValueError as exc:  # rows of several lengths
            raise ExerciseFailed(f"expected one row of {max_len} ids, got {got!r}") from exc
        if got.shape != (max_len,):
            hint = ""
            if got.shape == (len(ids),) and len(ids) > max_len:
                hint = " A review longer than max_len must be cut to its last max_len ids."
            elif got.shape == (max_len + 1,):
                hint = " The row has exactly max_len ids; the start marker is already in ids."
            elif got.shape == (max_len - 1,) and len(ids) < max_len:
                hint = (" One zero too few (off by one): put max_len - len(ids) zeros in "
                        "front.")
            raise ExerciseFailed(f"pad_front({shown}, {max_len}) should have shape ({max_len},), "
                                 f"got {got.shape}.{hint}")
        if not np.issubdtype(got.dtype, np.integer) and np.array_equal(got, expected):
            raise ExerciseFailed(f"pad_front({shown}, {max_len}) has the right values as "
                                 f"{got.dtype} numbers: ids index an embedding, so give an "
                                 "integer array (np.zeros makes floats unless dtype=int)")
        if not np.array_equal(got, expected):
            named = [text for row, text in _pad_slips(ids, max_len)
                     if np.array_equal(got, row) and row != expected]
            raise ExerciseFailed(f"pad_front({shown}, {max_len}) should be "
                                 f"{expected[:12]}, got {got.tolist()[:12]}."
                                 + (f" {named[0][0].upper()}{named[0][1:]}." if named else ""))
    return "padding in front and truncation at the front, as pad_sequences does"


def _kept_shares(starts: np.ndarray, lengths: np.ndarray, max_len: int, front_words: int = 0,
                 end_words: int = -1, words: tuple[int, int] = (0, 1)) -> tuple[float, float]:
    """The shares of two-word scores a row keeps whole, cut at the front and at the end.

    A row holds the start marker and the words, cut to ``max_len`` ids. Cut at the front, it
    keeps a long review's last ``max_len`` words (the marker is what goes first); cut at the
    end, the marker and the first ``max_len - 1`` words. The offsets ``front_words`` and
    ``end_words`` to those counts, and ``words`` (which words of a score must be kept), give
    the usual slips.
    """
    first, last = starts + words[0], starts + words[1]
    front = first >= lengths - (max_len + front_words)
    end = last <= max_len + end_words - 1
    return float(front.mean()), float(end.mean())


def _score_cases() -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Scores in reviews of many lengths, many of them right at the edges of a cut."""
    rng = np.random.default_rng(31)
    cases = []
    for max_len, count in [(10, 300), (100, 400), (7, 200)]:
        lengths = rng.integers(max_len - 4, 3 * max_len, count)
        third = count // 3
        near_edges = np.concatenate([lengths[:third] - max_len + rng.integers(-2, 3, third),
                                     rng.integers(max_len - 4, max_len + 1, third)])
        anywhere = rng.integers(0, lengths[len(near_edges):] - 1)
        starts = np.clip(np.concatenate([near_edges, anywhere]), 0, lengths - 2)
        cases.append((starts, lengths, max_len))
    return cases


@exercise("ex-front-or-end")
def check_front_or_end(kept_by_each_cut: Callable[..., Any]) -> str:
    """``kept_by_each_cut(starts, lengths, max_len)``: the shares of two-word scores that a row
    of ``max_len`` ids (start marker first) keeps whole, cut at the front and at the end."""
    for starts, lengths, max_len in _score_cases():
        expected = np.array(_kept_shares(starts, lengths, max_len))
        got = returned(kept_by_each_cut, starts.copy(), lengths.copy(), max_len)
        try:
            pair = np.asarray(expect_answer(got), dtype=float)
        except (TypeError, ValueError) as exc:
            raise ExerciseFailed(f"expected a pair of shares (front, end), got {got!r}") from exc
        if pair.shape != (2,):
            raise ExerciseFailed(f"expected a pair of shares (front, end), got {got!r}")
        if np.allclose(pair, expected, atol=1e-12):
            continue
        count = len(starts)
        slips = [
            (expected[::-1], "your pair is the wrong way round: (front, end), the front cut "
                             "first"),
            (np.array(_kept_shares(starts, lengths, max_len, end_words=0)),
             "an end cut keeps one score too many at its edge: the start marker takes the "
             "first of the max_len places, so only the first max_len - 1 words stay, and a "
             "score stays only if both its words do"),
            (np.array(_kept_shares(starts, lengths, max_len, front_words=-1)),
             "a front cut drops the start marker first: a long review keeps its last max_len "
             "words, not max_len - 1"),
            (np.array(_kept_shares(starts, lengths, max_len, front_words=-1, end_words=0)),
             "the start marker stays only in an end cut: a front cut keeps the last max_len "
             "words, an end cut the first max_len - 1"),
            (np.array(_kept_shares(starts, lengths, max_len, words=(1, 1))),
             "a score is kept only if both its words are: check its first word too"),
            (100 * expected, "give shares between 0 and 1, not percentages"),
            (expected * count, "give shares of all the scores, not counts"),
            (1 - expected, "those are the shares of the scores each cut loses"),
        ]
        named = [text for wrong, text in slips if np.allclose(pair, wrong, atol=1e-9)
                 and not np.allclose(wrong, expected, atol=1e-9)]
        raise ExerciseFailed(
            f"for {count} scores and max_len={max_len} expected ({expected[0]:.4f}, "
            f"{expected[1]:.4f}), got ({pair[0]:.4f}, {pair[1]:.4f})."
            + (f" {named[0][0].upper()}{named[0][1:]}." if named else ""))
    return "a front cut and an end cut keep different parts of a review, and you can count them"
