"""The four models: their parameter counts, shapes, output layer and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib import models

ARTICLE_COUNTS = {"feed_forward": 17_601, "simple_rnn": 19_681, "simple_lstm": 23_361,
                  "simple_cnn": 26_849}


@pytest.mark.parametrize("name", list(ARTICLE_COUNTS))
def test_parameter_counts_match_the_article_and_the_hand_derivation(name):
    model = models.build_model(name)
    assert model.count_params() == ARTICLE_COUNTS[name]
    assert models.expected_parameter_count(name) == ARTICLE_COUNTS[name]


@pytest.mark.parametrize("name", list(ARTICLE_COUNTS))
def test_hand_derivation_holds_for_other_sizes(name):
    model = models.build_model(name, vocab_size=50, output_dim=4, input_length=60)
    assert model.count_params() == models.expected_parameter_count(name, 50, 4, 60)


@pytest.mark.parametrize("name", list(ARTICLE_COUNTS))
def test_models_output_one_probability_per_review(name):
    model = models.build_model(name)
    x = np.random.default_rng(0).integers(0, 1000, size=(3, 100)).astype("int32")
    p = np.asarray(model(x, training=False))
    assert p.shape == (3, 1)
    assert np.all((p > 0) & (p < 1))
    assert model.layers[-1].activation.__name__ == "sigmoid"
    assert model.loss == "binary_crossentropy"


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown model name 'gru'.*simple_lstm"):
        models.build_model("gru")
    with pytest.raises(ValueError, match="unknown model name"):
        models.expected_parameter_count("lstm")


def test_bad_sizes_are_rejected():
    with pytest.raises(ValueError, match="vocab_size must be a positive int, received 0"):
        models.feed_forward(0, 16, 100)
    with pytest.raises(ValueError, match="input_length >= 41"):
        models.simple_cnn(1000, 16, 40)
    assert models.simple_cnn(1000, 16, 41).output_shape == (None, 1)
