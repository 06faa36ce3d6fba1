"""Chapter 11's exercise checks, in the order of ``book/11_char_language_model.ipynb``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lessons_lib.exercises import ExerciseFailed, as_numbers, exercise, returned


def _softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    from lessons_lib.decoding import softmax

    return softmax(logits, axis=axis)


def _log_softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    from lessons_lib.decoding import log_softmax

    return log_softmax(logits, axis=axis)


def tempered_reference(logits: Any, temperature: float) -> np.ndarray:
    """The distribution sampling draws from at ``temperature``: ``softmax(logits / T)`` along
    the last axis."""
    return _softmax(np.asarray(logits, dtype=float) / temperature)


def _tempered_cases() -> list[tuple[np.ndarray, float]]:
    """Rows of logits and temperatures: below and above 1, logits large enough to overflow an
    unshifted exponential, and a batch of rows with as many rows as columns (so normalizing
    the wrong axis fails) and one with more rows than columns."""
    rng = np.random.default_rng(11)
    return [(np.array([2.0, 1.0, 0.1, -1.0]), 0.5),
            (np.array([2.0, 1.0, 0.1, -1.0]), 2.0),
            (rng.normal(size=(3, 3)) * 2, 0.7),
            (rng.normal(size=(5, 4)) * 3, 1.5),
            (np.array([1000.0, 999.0, 990.0]), 0.8)]


def _tempered_slips(logits: np.ndarray, temperature: float) -> list[tuple[np.ndarray, str]]:
    plain = _softmax(logits)
    powered = plain ** (1 / temperature)
    with np.errstate(all="ignore"):
        return [
            (_softmax(logits * temperature), "the logits were multiplied by the temperature: "
                                             "divide them by it"),
            (plain, "the temperature changes nothing here: it must divide the logits before "
                    "the softmax"),
            (plain / temperature, "the probabilities were divided by the temperature after the "
                                  "softmax: divide the logits before it"),
            (powered, "p ** (1 / T) is the right shape but no longer sums to 1: normalize it"),
            (logits / temperature, "those are the scaled logits: take their softmax"),
            (_softmax(logits / temperature, axis=0) if logits.ndim == 2 else plain * np.nan,
             "each column sums to 1, not each row: normalize along the last axis"),
        ]


@exercise("ex-temperature", reference=("lessons_lib.decoding.softmax",
                                       "lessons_lib.decoding.sample_next"))
def check_temperature(tempered: Callable[..., Any]) -> str:
    """``tempered(logits, temperature)``: ``softmax(logits / temperature)`` along the last axis,
    shifted so that large logits do not overflow; one row per row of logits."""
    for logits, temperature in _tempered_cases():
        got = as_numbers(returned(tempered, logits.copy(), temperature), "the probabilities")
        expected = tempered_reference(logits, temperature)
        where = f"for logits {np.round(logits, 2).tolist()} at temperature {temperature}"
        if got.shape != expected.shape:
            raise ExerciseFailed(f"{where} expected probabilities of shape {expected.shape}, "
                                 f"one per logit, got {got.shape}")
        if not np.all(np.isfinite(got)):
            raise ExerciseFailed(f"{where} got {got.tolist()}: exp overflowed; subtract each "
                                 "row's largest logit before the exponential (it changes "
                                 "nothing else)")
        if not np.allclose(got, expected, atol=1e-9):
            why = next((slip for wrong, slip in _tempered_slips(logits, temperature)
                        if wrong.shape == got.shape and np.allclose(got, wrong, atol=1e-9)), "")
            raise ExerciseFailed(f"{where} expected {np.round(expected, 4).tolist()}, got "
                                 f"{np.round(got, 4).tolist()}" + (f"; {why}" if why else ""))
    return "softmax(logits / T), row by row, safe for large logits"


def bits_reference(logits: Any, targets: Any) -> float:
    """Bits per character: the mean of ``-log2 softmax(logits)[target]`` over the positions."""
    logits = np.asarray(logits, dtype=float)
    targets = np.asarray(targets, dtype=int)
    return float(-np.take_along_axis(_log_softmax(logits), targets[:, None], axis=1).mean()
                 / np.log(2))


def _bits_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    """Logits for a few positions and the characters that came: more positions than
    characters and the other way round, targets that are not the likeliest character, and
    logits large enough to overflow an unshifted exponential."""
    rng = np.random.default_rng(111)
    cases = []
    for positions, vocab in ((6, 4), (3, 7), (5, 5)):
        logits = rng.normal(size=(positions, vocab)) * 2
        targets = rng.integers(0, vocab, size=positions)
        targets[0] = int(np.argmin(logits[0]))  # one surely not the likeliest
        cases.append((logits, targets))
    cases.append((np.array([[800.0, 790.0, 700.0], [5.0, 600.0, 590.0]]), np.array([1, 2])))
    return cases


def _bits_slips(logits: np.ndarray, targets: np.ndarray) -> list[tuple[float, str]]:
    log_p = _log_softmax(logits)
    right = -np.take_along_axis(log_p, targets[:, None], axis=1)[:, 0]
    slips = [
        (right.mean(), "that is in nats (natural log): divide by ln 2 for bits"),
        (right.sum() / np.log(2), "that is the total over all positions: take the mean"),
        (right.mean() / np.log(10), "that uses log10: bits are log base 2"),
        (-right.mean() / np.log(2), "the sign is wrong: bits are -log2 p, a positive number"),
        (2 ** (right.mean() / np.log(2)), "that is the perplexity, 2 ** bits: return the bits"),
        (-log_p.max(axis=1).mean() / np.log(2),
         "that scores the likeliest character, not the one that came: use the targets"),
        (-log_p.mean() / np.log(2), "that averages -log2 p over every character of the "
                                    "alphabet: pick the target's"),
        (-np.take_along_axis(_log_softmax(logits, axis=0), targets[:, None], axis=1).mean()
         / np.log(2), "the softmax ran down the positions: normalize each position's logits"),
    ]
    if len(targets) > 1:
        shifted = -np.take_along_axis(log_p[:-1], targets[1:, None], axis=1).mean() / np.log(2)
        slips.append((shifted, "the targets were shifted by one: targets[i] is the character "
                               "that came after the text logits[i] read; they already line up"))
    return slips


@exercise("ex-bits-per-char", reference=("lessons_lib.char_rnn.bits_per_char",
                                         "lessons_lib.decoding.log_softmax"))
def check_bits_per_char(bits_per_character: Callable[..., Any]) -> str:
    """``bits_per_character(logits, targets)``: the mean over positions of
    ``-log2 softmax(logits[i])[targets[i]]``, safe for large logits."""
    for logits, targets in _bits_cases():
        got = as_numbers(returned(bits_per_character, logits.copy(), targets.copy()),
                         "bits per character")
        expected = bits_reference(logits, targets)
        where = f"for {len(targets)} positions over an alphabet of {logits.shape[1]}"
        if got.size != 1:
            raise ExerciseFailed(f"{where} expected one number (the mean), got an array of "
                                 f"shape {got.shape}")
        value = float(got.ravel()[0])
        if not np.isfinite(value):
            raise ExerciseFailed(f"{where} got {value}: exp overflowed or log(0) was taken; "
                                 "use a log-softmax that subtracts each row's largest logit")
        if not np.isclose(value, expected, rtol=1e-7, atol=1e-9):
            why = next((slip for wrong, slip in _bits_slips(logits, targets)
                        if np.isclose(value, wrong, rtol=1e-7, atol=1e-9)), "")
            raise ExerciseFailed(f"{where} expected {expected:.4f} bits per character, got "
                                 f"{value:.4f}" + (f"; {why}" if why else ""))
    return "the mean of -log2 p(next character), computed safely"
