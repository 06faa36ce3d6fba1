"""The checks of chapter 11's exercises (lessons_lib.exercises.ch11_char_language_model)."""

from __future__ import annotations

import numpy as np

from lessons_lib import decoding
from lessons_lib.exercises.ch11_char_language_model import bits_reference, tempered_reference


def _softmax(logits, axis=-1):
    e = np.exp(logits - logits.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def test_tempered_reference_is_the_libraries():
    logits = np.random.default_rng(0).normal(size=(4, 6))
    assert np.allclose(tempered_reference(logits, 0.7), decoding.softmax(logits / 0.7))


def test_temperature(verdicts):
    def unshifted(logits, t):
        with np.errstate(all="ignore"):
            e = np.exp(logits / t)
            return e / e.sum(axis=-1, keepdims=True)

    def powered(logits, t):
        return _softmax(logits) ** (1 / t)

    verdicts("ex-temperature", lambda logits, t: _softmax(logits / t), [
        (lambda logits, t: _softmax(logits * t), "multiplied by the temperature"),
        (lambda logits, t: _softmax(logits), "changes nothing"),
        (lambda logits, t: _softmax(logits) / t, "divided by the temperature after"),
        (powered, "no longer sums to 1"),
        (lambda logits, t: logits / t, "scaled logits"),
        (lambda logits, t: _softmax(logits / t, axis=0), "each column sums to 1"),
        (unshifted, "overflowed"),
        (lambda logits, t: _softmax(logits / t).ravel(), "shape"),
        (lambda logits, t: _softmax(logits / 1.0 if t < 1 else logits / t), "expected"),
        (lambda logits, t: _softmax(logits / t)[..., :-1], "shape"),
    ])


def test_bits_reference_matches_the_model_code():
    rng = np.random.default_rng(1)
    logits, targets = rng.normal(size=(50, 9)), rng.integers(0, 9, size=50)
    p = _softmax(logits)[np.arange(50), targets]
    assert np.isclose(bits_reference(logits, targets), -np.log2(p).mean())


def test_bits_per_char(verdicts):
    def nll(logits, targets):
        return -np.log(_softmax(logits)[np.arange(len(targets)), targets])

    def stable(logits):
        shifted = logits - logits.max(axis=1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

    def right(logits, targets):
        return -stable(logits)[np.arange(len(targets)), targets].mean() / np.log(2)

    def naive(logits, targets):
        with np.errstate(all="ignore"):
            e = np.exp(logits)
            p = e / e.sum(axis=1, keepdims=True)
            return -np.log2(p[np.arange(len(targets)), targets]).mean()

    def shifted(logits, targets):
        return -stable(logits)[np.arange(len(targets) - 1), targets[1:]].mean() / np.log(2)

    def column_softmax(logits, targets):
        e = np.exp(logits - logits.max(axis=0, keepdims=True))
        p = e / e.sum(axis=0, keepdims=True)
        return -np.log2(p[np.arange(len(targets)), targets]).mean()

    verdicts("ex-bits-per-char", right, [
        (lambda lo, ta: -stable(lo)[np.arange(len(ta)), ta].mean(), "nats"),
        (lambda lo, ta: right(lo, ta) * len(ta), "total"),
        (lambda lo, ta: -stable(lo)[np.arange(len(ta)), ta].mean() / np.log(10), "log10"),
        (lambda lo, ta: -right(lo, ta), "sign"),
        (lambda lo, ta: 2 ** right(lo, ta), "perplexity"),
        (lambda lo, ta: -stable(lo).max(axis=1).mean() / np.log(2), "likeliest character"),
        (lambda lo, ta: -stable(lo).mean() / np.log(2), "every character of the alphabet"),
        (column_softmax, "down the positions"),
        (shifted, "shifted by one"),
        (naive, "overflowed"),
        (lambda lo, ta: -stable(lo)[np.arange(len(ta)), ta] / np.log(2), "one number"),
        (lambda lo, ta: 1.0, "expected"),
    ])
