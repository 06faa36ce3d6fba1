"""Unit tests of lessons_lib.ngram: counting, smoothing, scoring and sampling."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib import ngram
from lessons_lib.ngram import CharNGram

VOCAB = 5


def text(n: int = 3000, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, VOCAB, size=n)


@pytest.mark.parametrize("order", [1, 2, 4])
def test_every_distribution_sums_to_one_and_matches_the_scores(order):
    ids = text()
    model = CharNGram(order, VOCAB, 0.7).fit(ids)
    held_out = text(200, seed=1)
    p = model.probabilities_of(held_out)
    for t in (0, 1, 5, 77, 199):
        dist = model.next_distribution(held_out[:t])
        assert dist.sum() == pytest.approx(1.0)
        assert dist[held_out[t]] == pytest.approx(p[t], rel=1e-6)


def test_a_repeating_text_is_predicted_almost_surely():
    ids = np.tile([0, 1, 2, 3, 4, 2], 500)
    model = CharNGram(3, VOCAB, 0.5).fit(ids)
    p = model.probabilities_of(ids)
    assert np.all(p[2:] > 0.99)  # two characters of context fix the next one
    assert model.bits_per_char(ids[10:]) < 0.01


def test_unigram_is_the_discounted_frequencies_mixed_with_uniform():
    ids = np.array([0, 0, 0, 1])
    model = CharNGram(1, 3, 0.5).fit(ids)
    # P(c) = max(N(c) - D, 0) / N + D * T / N * 1/3, with N = 4 and T = 2 characters seen.
    expected = np.array([2.5, 0.5, 0.0]) / 4 + 0.5 * 2 / 4 / 3
    assert np.allclose(model.next_distribution(np.zeros(0, int)), expected)


def test_an_unseen_context_falls_back_to_the_order_below():
    ids = np.array([0, 1, 0, 1, 0, 1, 2, 2])
    model = CharNGram(2, 3, 0.5).fit(ids)
    lower = model.lower(1)
    # "4" never occurs, so after it the bigram has nothing: it hands everything to the unigram.
    model5 = CharNGram(2, 5, 0.5).fit(ids)
    assert np.allclose(model5.next_distribution(np.array([4])),
                       model5.lower(1).next_distribution(np.array([4])))
    assert lower.order == 1 and lower.tables[0] is model.tables[0]


def test_lower_orders_share_counts_with_a_model_fitted_alone():
    ids, held_out = text(), text(300, seed=2)
    big = CharNGram(5, VOCAB, 0.8).fit(ids)
    alone = CharNGram(3, VOCAB, 0.8).fit(ids)
    assert np.allclose(big.lower(3).probabilities_of(held_out), alone.probabilities_of(held_out))


def test_scores_do_not_depend_on_the_chunk_size():
    ids, held_out = text(), text(1000, seed=3)
    model = CharNGram(4, VOCAB, 0.6).fit(ids)
    assert np.array_equal(model.probabilities_of(held_out, chunk=97),
                          model.probabilities_of(held_out))


def test_choose_discount_picks_the_best_on_validation():
    ids, validation = text(), text(500, seed=4)
    model, scores = ngram.choose_discount(CharNGram(3, VOCAB).fit(ids), validation,
                                          (0.3, 0.6, 0.9))
    assert set(scores) == {0.3, 0.6, 0.9}
    assert model.discount == min(scores, key=scores.get)
    assert scores[model.discount] == pytest.approx(model.bits_per_char(validation))
    for discount, bits in scores.items():  # looked up once, mixed per discount: the same
        assert bits == pytest.approx(model.lower(3, discount).bits_per_char(validation),
                                     rel=1e-6)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        ngram.choose_discount(model, validation, (0.5, 1.0))


def test_bad_settings_and_ids_are_refused():
    with pytest.raises(ValueError, match="order must be"):
        CharNGram(0, VOCAB)
    with pytest.raises(ValueError, match="vocab_size"):
        CharNGram(2, 65)
    with pytest.raises(ValueError, match="discount"):
        CharNGram(2, VOCAB, 1.0)
    with pytest.raises(RuntimeError, match="fit"):
        CharNGram(2, VOCAB).probabilities_of(text(10))
    with pytest.raises(ValueError, match="ids from 0 to 4"):
        CharNGram(2, VOCAB).fit(np.array([0, 5]))
