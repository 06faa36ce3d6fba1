"""Chapter 12's exercise checks, in the order of ``book/12_seq2seq_attention.ipynb``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from lessons_lib.exercises import ExerciseFailed, as_numbers, exercise, returned


def _softmax_masked(scores: np.ndarray, mask: np.ndarray) -> np.ndarray:
    from lessons_lib.decoding import softmax

    return softmax(np.where(mask, scores, -np.inf))


def attention_step_reference(query: Any, keys: Any, values: Any, mask: Any
                             ) -> tuple[np.ndarray, np.ndarray]:
    """Scaled dot-product attention for one query (the chapter's ``decoding.attend``, for a
    batch of one): the weights over the unmasked positions and the weighted sum of the values."""
    from lessons_lib.decoding import attend

    weights, context = attend(*(np.asarray(a, dtype=float)[None] for a in (query, keys, values)),
                              np.asarray(mask, bool)[None])
    return weights[0], context[0]


def _attention_slips(query: np.ndarray, keys: np.ndarray, values: np.ndarray,
                     mask: np.ndarray) -> list[tuple[np.ndarray, np.ndarray | None, str]]:
    """The weights (and context, where it differs) that the usual slips give, with the slip."""
    d = len(query)
    raw = keys @ query
    everywhere = np.ones_like(mask)

    def softmax(scores: np.ndarray, m: np.ndarray = mask) -> np.ndarray:
        return _softmax_masked(scores, m)

    after = softmax(raw / np.sqrt(d), everywhere) * mask
    zero_scores = softmax(np.where(mask, raw / np.sqrt(d), 0.0), everywhere)
    return [
        (softmax(raw), None, "the scores are not scaled: divide them by sqrt(d), d = len(query)"),
        (softmax(raw / d), None, "the scores are divided by d; scale them by sqrt(d)"),
        (softmax(raw / np.sqrt(d), everywhere), None,
         "the padding gets weight too: leave the masked positions out of the softmax"),
        (after, None, "the padding was zeroed after the softmax, so the weights no longer sum "
                      "to 1: leave the masked positions out before normalizing (a score of "
                      "-inf gives weight 0)"),
        (zero_scores, None, "a masked position's score was set to 0, which still gets weight "
                            "exp(0); set it to -inf so that its weight is 0"),
        (np.where(mask, raw / np.sqrt(d), 0.0), None,
         "those are the scores, not the weights: take their softmax"),
        (np.where(mask, np.exp(raw / np.sqrt(d)), 0.0), None,
         "the weights are not normalized: divide by their sum so that they sum to 1"),
    ]


def _attention_cases() -> list[tuple[np.ndarray, ...]]:
    """One query each; sizes differ (so a transposed product fails), padding at the end or
    none, keys unlike values, and scores large enough for scaling to matter."""
    rng = np.random.default_rng(12)
    cases = []
    for n, d, d_v, padded in ((5, 3, 2, 2), (4, 4, 4, 0), (6, 2, 5, 1), (7, 8, 3, 3)):
        mask = np.arange(n) < n - padded
        cases.append((2 * rng.normal(size=d), rng.normal(size=(n, d)), rng.normal(size=(n, d_v)),
                      mask))
    return cases


@exercise("ex-attention-step", reference=("lessons_lib.decoding.attend",))
def check_attention_step(attention_step: Callable[..., Any]) -> str:
    """``attention_step(query, keys, values, mask)``: softmax of q.k/sqrt(d) over unmasked
    positions, and the weighted sum of the values."""
    for query, keys, values, mask in _attention_cases():
        got = returned(attention_step, query.copy(), keys.copy(), values.copy(), mask.copy())
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise ExerciseFailed("expected two things back, (weights, context), got "
                                 f"{type(got).__name__}")
        weights = as_numbers(got[0], "the weights")
        context = as_numbers(got[1], "the context")
        expected_w, expected_c = attention_step_reference(query, keys, values, mask)
        where = f"for a query of size {len(query)} and {len(mask)} positions ({(~mask).sum()} " \
                "of them padding)"
        if weights.shape != expected_w.shape:
            raise ExerciseFailed(f"{where} expected weights of shape {expected_w.shape} (one per "
                                 f"position), got {weights.shape}")
        if not np.allclose(weights, expected_w, atol=1e-6):
            why = next((slip for wrong, _, slip in _attention_slips(query, keys, values, mask)
                        if wrong.shape == weights.shape and np.allclose(weights, wrong,
                                                                        atol=1e-6)), "")
            raise ExerciseFailed(f"{where} the weights are wrong: expected "
                                 f"{np.round(expected_w, 3).tolist()}, got "
                                 f"{np.round(weights, 3).tolist()}" + (f"; {why}" if why else ""))
        if context.shape != expected_c.shape:
            hint = (" (that is the keys' size: the context averages the values)"
                    if context.shape == (keys.shape[1],) else "")
            raise ExerciseFailed(f"{where} expected a context of shape {expected_c.shape}, the "
                                 f"values' size, got {context.shape}{hint}")
        if not np.allclose(context, expected_c, atol=1e-6):
            why = ""
            if keys.shape == values.shape and np.allclose(context, expected_w @ keys, atol=1e-6):
                why = "; that averages the keys: the context is the weighted sum of the values"
            elif np.allclose(context, values.mean(axis=0), atol=1e-6):
                why = "; that is the plain mean of the values: weight them by the weights"
            raise ExerciseFailed(f"{where} the context is wrong: expected "
                                 f"{np.round(expected_c, 3).tolist()}, got "
                                 f"{np.round(context, 3).tolist()}{why}")
    return "scores scaled by sqrt(d), padding left out, values averaged"


def beam_step_reference(beam_log_probs: Any, next_log_probs: Any, width: int
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``width`` best one-character extensions of all beams, best first (the chapter's
    ``decoding.beam_step``): their log-probabilities, the beam each extends, the character."""
    from lessons_lib.decoding import beam_step

    return beam_step(np.asarray(beam_log_probs, float), np.asarray(next_log_probs, float), width)


def _beam_cases() -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Beams and next-character log-probabilities with no ties, sized so that a beam's second
    character beats another beam's first, a width above the number of beams, and more
    characters than beams (so a transposed index fails)."""
    rng = np.random.default_rng(2012)
    cases = [(np.log([0.6, 0.4]), np.log([[0.5, 0.3, 0.2], [0.9, 0.06, 0.04]]), 3),
             (np.zeros(1), np.log(rng.dirichlet(np.ones(6))), 3)]
    cases[1] = (cases[1][0], cases[1][1][None, :], cases[1][2])
    for beams, vocab, width in ((3, 5, 3), (2, 7, 4), (4, 11, 2)):
        beam_lp = np.sort(np.log(rng.dirichlet(np.ones(beams + 1))[:beams]))[::-1]
        cases.append((beam_lp, np.log(rng.dirichlet(np.ones(vocab) * 0.5, size=beams)), width))
    return cases


def _beam_slips(beam_lp: np.ndarray, next_lp: np.ndarray, width: int
                ) -> list[tuple[np.ndarray, str]]:
    """The log-probabilities the usual slips keep, with the slip each reveals."""
    beams, vocab = next_lp.shape
    right = beam_step_reference(beam_lp, next_lp, width)[0]
    per_beam = np.sort(beam_lp + next_lp.max(axis=1))[::-1][:width]
    no_history = np.sort(next_lp, axis=None)[::-1][:width]
    product = np.sort((beam_lp[:, None] * next_lp).ravel())[::-1][:width]
    return [
        (right[::-1], "the extensions are in order worst first: return them best first"),
        (np.sort(beam_lp[:, None] + next_lp, axis=None)[:width],
         "those are the worst extensions: keep the largest log-probabilities"),
        (per_beam, "each beam kept only its best character: compare every extension of every "
                   "beam, a beam's second character can beat another beam's first"),
        (no_history, "the beams' own log-probabilities are missing: an extension's score is its "
                     "beam's log-probability plus the character's"),
        (product, "log-probabilities add (probabilities multiply): the score is the sum, not "
                  "the product"),
        (np.exp(right), "those are probabilities: return the log-probabilities"),
    ]


@contextmanager
def _argpartition_in_any_order() -> Iterator[None]:
    """Make ``np.argpartition`` return what it keeps in reverse order, as its contract allows.

    For small arrays numpy happens to leave the kept block sorted, so an answer that forgets to
    sort it would pass here and fail elsewhere; reversing the block (still a valid partition)
    makes the missing sort show.
    """
    original = np.argpartition

    def any_order(a: Any, kth: Any, axis: int | None = -1, **kwargs: Any) -> np.ndarray:
        result = original(a, kth, axis=axis, **kwargs)
        if result.ndim == 1 and np.ndim(kth) == 0 and kth >= 0:
            result = result.copy()
            result[:kth] = result[:kth][::-1]
        return result

    np.argpartition = any_order
    try:
        yield
    finally:
        np.argpartition = original


@exercise("ex-beam-step", reference=("lessons_lib.decoding.beam_step",))
def check_beam_step(beam_step: Callable[..., Any]) -> str:
    """``beam_step(beam_log_probs, next_log_probs, width)``: the width best extensions of all
    beams, best first: (log-probabilities, beam, character)."""
    for beam_lp, next_lp, width in _beam_cases():
        with _argpartition_in_any_order():
            got = returned(beam_step, beam_lp.copy(), next_lp.copy(), width)
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            raise ExerciseFailed("expected three arrays back, (log-probabilities, beams, "
                                 f"characters), got {type(got).__name__}")
        scores, beams, characters = (as_numbers(g, what) for g, what in
                                     zip(got, ("the log-probabilities", "the beams",
                                               "the characters"), strict=True))
        right_lp, right_beams, right_chars = beam_step_reference(beam_lp, next_lp, width)
        where = f"for {len(beam_lp)} beam(s), {next_lp.shape[1]} characters and width {width}"
        for name, value in (("log-probabilities", scores), ("beams", beams),
                            ("characters", characters)):
            if value.shape != (width,):
                hint = ("; each beam kept only its best character: compare every extension of "
                        "every beam, a beam's second character can beat another beam's first"
                        if value.shape == (len(beam_lp),) and width > len(beam_lp) else "")
                raise ExerciseFailed(f"{where} expected {width} {name} (one per extension "
                                     f"kept), got an array of shape {value.shape}{hint}")
        if not np.allclose(scores, right_lp, atol=1e-9):
            why = next((slip for wrong, slip in _beam_slips(beam_lp, next_lp, width)
                        if wrong.shape == scores.shape and np.allclose(scores, wrong)), "")
            if not why and np.allclose(np.sort(scores)[::-1], right_lp, atol=1e-9):
                why = ("the right extensions, in the wrong order: return them best first "
                       "(np.argpartition does not sort what it keeps)")
            raise ExerciseFailed(f"{where} expected the log-probabilities "
                                 f"{np.round(right_lp, 3).tolist()}, got "
                                 f"{np.round(scores, 3).tolist()}" + (f"; {why}" if why else ""))
        if not (np.array_equal(beams, right_beams) and np.array_equal(characters, right_chars)):
            vocab = next_lp.shape[1]
            flat = right_beams * vocab + right_chars
            transposed = np.array_equal(beams, flat % len(beam_lp)) and np.array_equal(
                characters, flat // len(beam_lp))
            swapped = np.array_equal(beams, right_chars) and np.array_equal(characters,
                                                                            right_beams)
            why = ("; the flat index was split the wrong way round: in a (beams, vocab) array "
                   "the beam is index // vocab and the character index % vocab"
                   if transposed else "; beams and characters are swapped" if swapped else "")
            raise ExerciseFailed(f"{where} the log-probabilities are right but the beams "
                                 f"{beams.astype(int).tolist()} and characters "
                                 f"{characters.astype(int).tolist()} are not: expected "
                                 f"{right_beams.tolist()} and {right_chars.tolist()}{why}")
    return "every extension of every beam scored, the best kept, best first"
