"""Unit tests of lessons_lib.char_rnn: the numpy character model and truncated BPTT."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib import bptt, char_rnn
from lessons_lib.numpy_rnn import rnn_step

VOCAB = 6


def windows(seed: int = 0, batch: int = 3, steps: int = 7):
    ids = np.random.default_rng(seed).integers(0, VOCAB, size=batch * steps + 1)
    return ids[:-1].reshape(batch, steps), ids[1:].reshape(batch, steps)


def test_gradients_match_finite_differences_from_a_carried_state():
    model = char_rnn.CharRNN.create(VOCAB, 5, seed=1)
    inputs, targets = windows()
    state = np.tanh(np.random.default_rng(2).normal(size=(3, 5)))
    worst = char_rnn.gradient_check(model, inputs, targets, state, entries=30)
    assert set(worst) == {"W", "U", "b", "V", "c"}
    assert max(worst.values()) < 1e-6


def test_the_loss_is_the_mean_cross_entropy_and_the_state_carries_on():
    model = char_rnn.CharRNN.create(VOCAB, 4, seed=0)
    inputs, targets = windows(batch=2, steps=5)
    loss, _, last = char_rnn.loss_and_gradients(model, inputs, targets)
    state, total = np.zeros((2, 4)), 0.0
    for t in range(5):
        state = rnn_step(np.eye(VOCAB)[inputs[:, t]], state, model.rnn.W, model.rnn.U,
                         model.rnn.b)
        logits = state @ model.V + model.c
        log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        total -= log_p[np.arange(2), targets[:, t]].sum()
    assert loss == pytest.approx(total / 10)
    assert np.allclose(last, state)


def test_a_window_starts_from_the_carried_state():
    model = char_rnn.CharRNN.create(VOCAB, 4, seed=0)
    inputs, _ = windows(batch=2, steps=4)
    carried = np.full((2, 4), 0.3)
    cache = bptt.forward_cached(model.rnn, np.eye(VOCAB)[inputs], carried)
    assert np.allclose(cache.states[:, 0], carried)
    assert np.allclose(cache.states[:, 1], rnn_step(np.eye(VOCAB)[inputs[:, 0]], carried,
                                                    model.rnn.W, model.rnn.U, model.rnn.b))
    with pytest.raises(ValueError, match="initial state of shape"):
        bptt.forward_cached(model.rnn, np.eye(VOCAB)[inputs], np.zeros(4))


def test_training_learns_a_repeating_text():
    ids = np.tile([0, 1, 2, 3, 4, 5, 2, 1], 400)
    model = char_rnn.CharRNN.create(VOCAB, 16, seed=0)
    before = char_rnn.bits_per_char(model, ids, batch=8)
    log = char_rnn.train_truncated(model, ids, updates=300, batch=8, window=8,
                                   learning_rate=1e-2, log_every=100)
    assert log.characters == [6400, 12800, 19200]
    assert log.bits[-1] < log.bits[0]
    assert char_rnn.bits_per_char(model, ids, batch=8) < 0.3 < before


def test_an_untrained_output_layer_of_zeros_is_uniform():
    model = char_rnn.CharRNN.create(VOCAB, 4, seed=0)
    model.V[:] = 0.0
    ids = np.random.default_rng(0).integers(0, VOCAB, size=500)
    assert char_rnn.bits_per_char(model, ids, batch=4) == pytest.approx(np.log2(VOCAB))


def test_generate_is_seeded_and_greedy_at_temperature_zero():
    model = char_rnn.CharRNN.create(VOCAB, 8, seed=3)
    a = char_rnn.generate(model, np.array([1, 2]), 20, temperature=1.0, seed=5)
    b = char_rnn.generate(model, np.array([1, 2]), 20, temperature=1.0, seed=5)
    assert np.array_equal(a, b) and len(a) == 20 and a.max() < VOCAB
    greedy = char_rnn.generate(model, np.array([1, 2]), 20, temperature=0.0, seed=5)
    assert np.array_equal(greedy, char_rnn.generate(model, np.array([1, 2]), 20,
                                                    temperature=0.0, seed=9))


def test_bad_ids_are_refused():
    model = char_rnn.CharRNN.create(VOCAB, 4)
    inputs, targets = windows()
    with pytest.raises(ValueError, match="ids from 0 to 5"):
        char_rnn.loss_and_gradients(model, inputs + VOCAB, targets)
    with pytest.raises(ValueError, match="same shape"):
        char_rnn.loss_and_gradients(model, inputs, targets[:, :-1])
    with pytest.raises(ValueError, match="too few"):
        char_rnn.lanes(np.arange(5), 4)


def test_train_cached_trains_once_then_loads_the_same_model(tmp_path, monkeypatch):
    monkeypatch.setenv("LESSONS_CACHE_DIR", str(tmp_path))
    ids = np.tile(np.arange(VOCAB), 200)
    settings = {"units": 8, "batch": 4, "window": 5, "updates": 30, "log_every": 10}
    first = char_rnn.train_cached(VOCAB, ids, **settings)
    again = char_rnn.train_cached(VOCAB, ids, **settings)
    assert not first.from_cache and again.from_cache
    for name, weights in first.model.weights().items():
        np.testing.assert_array_equal(again.model.weights()[name], weights)
    assert again.log == first.log and len(first.log.bits) == 3
    # Other settings or other text: trained anew, not the stored model.
    assert not char_rnn.train_cached(VOCAB, ids, **{**settings, "updates": 20}).from_cache
    assert not char_rnn.train_cached(VOCAB, ids[::-1].copy(), **settings).from_cache

