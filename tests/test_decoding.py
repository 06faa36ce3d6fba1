"""Unit tests of lessons_lib.decoding.sample_next (the rest is tested in test_seq2seq)."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib.decoding import sample_next, softmax


def test_temperature_zero_and_top_one_are_greedy():
    logits = np.random.default_rng(0).normal(size=(50, 7))
    rng = np.random.default_rng(1)
    assert np.array_equal(sample_next(logits, rng, 0.0), logits.argmax(axis=1))
    assert np.array_equal(sample_next(logits, rng, 1.0, top_k=1), logits.argmax(axis=1))


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_draws_follow_the_tempered_softmax(temperature):
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    draws = sample_next(np.tile(logits, (40_000, 1)), np.random.default_rng(2), temperature)
    expected = softmax(logits / temperature)
    observed = np.bincount(draws, minlength=4) / len(draws)
    assert np.all(np.abs(observed - expected) < 4 * np.sqrt(expected / len(draws)) + 1e-3)


def test_top_k_draws_only_among_the_k_likeliest():
    logits = np.array([[0.0, 3.0, 1.0, 2.0, -1.0]])
    draws = sample_next(np.repeat(logits, 5000, axis=0), np.random.default_rng(3), 1.0,
                        top_k=2)
    assert set(draws.tolist()) == {1, 3}
    assert np.mean(draws == 1) == pytest.approx(softmax(np.array([3.0, 2.0]))[0], abs=0.03)


def test_seeded_draws_repeat_and_bad_arguments_are_refused():
    logits = np.random.default_rng(4).normal(size=(10, 5))
    a = sample_next(logits, np.random.default_rng(7), 0.8)
    assert np.array_equal(a, sample_next(logits, np.random.default_rng(7), 0.8))
    with pytest.raises(ValueError, match="batch, vocab"):
        sample_next(logits[0], np.random.default_rng(0))
    with pytest.raises(ValueError, match="temperature"):
        sample_next(logits, np.random.default_rng(0), -1.0)
    with pytest.raises(ValueError, match="top_k"):
        sample_next(logits, np.random.default_rng(0), 1.0, top_k=6)
