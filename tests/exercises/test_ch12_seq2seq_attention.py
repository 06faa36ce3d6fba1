"""The checks of chapter 12's exercises (lessons_lib.exercises.ch12_seq2seq_attention)."""

from __future__ import annotations

import numpy as np

from lessons_lib import decoding
from lessons_lib.exercises import run_check
from lessons_lib.exercises.ch12_seq2seq_attention import (
    attention_step_reference,
    beam_step_reference,
)


def _softmax(scores):
    e = np.exp(scores - scores.max())
    return e / e.sum()


def test_attention_reference_is_the_libraries():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=4), rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    mask = np.arange(6) < 4
    weights, context = attention_step_reference(q, k, v, mask)
    lib_w, lib_c = decoding.attend(q[None], k[None], v[None], mask[None])
    assert np.allclose(weights, lib_w[0]) and np.allclose(context, lib_c[0])


def test_attention_step(verdicts):
    def right(q, k, v, m):
        s = np.where(m, k @ q / np.sqrt(len(q)), -np.inf)
        w = _softmax(s)
        return w, w @ v

    def weights_then(context_of):
        def answer(q, k, v, m):
            w = right(q, k, v, m)[0]
            return w, context_of(w, k, v)
        return answer

    def scaled(scale):
        def answer(q, k, v, m):
            w = _softmax(np.where(m, k @ q * scale(len(q)), -np.inf))
            return w, w @ v
        return answer

    def no_mask(q, k, v, m):
        w = _softmax(k @ q / np.sqrt(len(q)))
        return w, w @ v

    def zeroed_after(q, k, v, m):
        w = _softmax(k @ q / np.sqrt(len(q))) * m
        return w, w @ v

    def zero_score(q, k, v, m):
        w = _softmax(np.where(m, k @ q / np.sqrt(len(q)), 0.0))
        return w, w @ v

    def unnormalized(q, k, v, m):
        w = np.where(m, np.exp(k @ q / np.sqrt(len(q))), 0.0)
        return w, w @ v

    def scores(q, k, v, m):
        s = np.where(m, k @ q / np.sqrt(len(q)), 0.0)
        return s, s @ v

    verdicts("ex-attention-step", right, [
        (scaled(lambda d: 1.0), "not scaled"),
        (scaled(lambda d: 1 / d), "divided by d"),
        (no_mask, "padding gets weight"),
        (zeroed_after, "no longer sum to 1"),
        (zero_score, "score was set to 0"),
        (unnormalized, "not normalized"),
        (scores, "those are the scores"),
        (weights_then(lambda w, k, v: w @ k), "keys' size"),
        (weights_then(lambda w, k, v: v.mean(axis=0)), "plain mean of the values"),
        (weights_then(lambda w, k, v: w @ v.T if v.shape[0] == v.shape[1] else w[:, None] * v),
         "context"),
        (lambda q, k, v, m: right(q, k, v, m)[0], "expected two things back"),
        (lambda q, k, v, m: (right(q, k, v, m)[0][None], right(q, k, v, m)[1]), "shape"),
        (lambda q, k, v, m: None, "returned None"),
    ])
    # the library's batched attend, used for one query, is also a right answer
    assert run_check("ex-attention-step", lambda q, k, v, m: tuple(
        a[0] for a in decoding.attend(q[None], k[None], v[None], m[None])))["status"] == "passed"


def test_beam_reference_is_the_libraries():
    rng = np.random.default_rng(1)
    beam_lp = np.log(rng.dirichlet(np.ones(4)))[:3]
    next_lp = np.log(rng.dirichlet(np.ones(7), size=3))
    for got, lib in zip(beam_step_reference(beam_lp, next_lp, 4),
                        decoding.beam_step(beam_lp, next_lp, 4), strict=True):
        assert np.allclose(got, lib)


def test_beam_step(verdicts):
    def right(beam_lp, next_lp, width):
        totals = beam_lp[:, None] + next_lp
        best = np.argsort(-totals, axis=None)[:width]
        return totals.ravel()[best], best // next_lp.shape[1], best % next_lp.shape[1]

    def per_beam(beam_lp, next_lp, width):
        totals = beam_lp + next_lp.max(axis=1)
        order = np.argsort(-totals)[:width]
        return totals[order], order, next_lp.argmax(axis=1)[order]

    def no_history(beam_lp, next_lp, width):
        best = np.argsort(-next_lp, axis=None)[:width]
        return next_lp.ravel()[best], best // next_lp.shape[1], best % next_lp.shape[1]

    def product(beam_lp, next_lp, width):
        totals = beam_lp[:, None] * next_lp
        best = np.argsort(-totals, axis=None)[:width]
        return totals.ravel()[best], best // next_lp.shape[1], best % next_lp.shape[1]

    def worst_first(beam_lp, next_lp, width):
        return tuple(a[::-1] for a in right(beam_lp, next_lp, width))

    def smallest(beam_lp, next_lp, width):
        totals = beam_lp[:, None] + next_lp
        best = np.argsort(totals, axis=None)[:width]
        return totals.ravel()[best], best // next_lp.shape[1], best % next_lp.shape[1]

    def transposed(beam_lp, next_lp, width):
        scores, beams, chars = right(beam_lp, next_lp, width)
        flat = beams * next_lp.shape[1] + chars
        return scores, flat % len(beam_lp), flat // len(beam_lp)

    def swapped(beam_lp, next_lp, width):
        scores, beams, chars = right(beam_lp, next_lp, width)
        return scores, chars, beams

    def probabilities(beam_lp, next_lp, width):
        scores, beams, chars = right(beam_lp, next_lp, width)
        return np.exp(scores), beams, chars

    def one_more(beam_lp, next_lp, width):
        return right(beam_lp, next_lp, width + 1)

    def one_less(beam_lp, next_lp, width):
        return right(beam_lp, next_lp, width - 1)

    def partitioned(beam_lp, next_lp, width):  # np.argpartition keeps the best, unsorted
        totals = (beam_lp[:, None] + next_lp).ravel()
        best = np.argpartition(-totals, width - 1)[:width]
        return totals[best], best // next_lp.shape[1], best % next_lp.shape[1]

    def partitioned_sorted(beam_lp, next_lp, width):
        totals = (beam_lp[:, None] + next_lp).ravel()
        best = np.argpartition(-totals, width - 1)[:width]
        best = best[np.argsort(-totals[best])]
        return totals[best], best // next_lp.shape[1], best % next_lp.shape[1]

    verdicts("ex-beam-step", right, [
        (partitioned, "best first"),
        (per_beam, "each beam kept only its best"),
        (no_history, "own log-probabilities are missing"),
        (product, "not the product"),
        (worst_first, "worst first"),
        (smallest, "keep the largest"),
        (transposed, "wrong way round"),
        (swapped, "swapped"),
        (probabilities, "those are probabilities"),
        (one_more, "expected 3 log-probabilities"),
        (one_less, "expected 3 log-probabilities"),
        (lambda b, n, w: right(b, n, w)[0], "expected three arrays"),
        (lambda b, n, w: None, "returned None"),
    ])
    assert run_check("ex-beam-step", decoding.beam_step)["status"] == "passed"
    assert run_check("ex-beam-step", partitioned_sorted)["status"] == "passed"
    # the check leaves numpy as it found it
    assert np.argpartition.__module__.startswith("numpy")
