"""The checks of chapter 5's exercises (lessons_lib.exercises.ch05_four_models)."""

from __future__ import annotations

import math

import numpy as np

from lessons_lib import models
from lessons_lib.exercises import exercises_for


def test_the_chapter_registers_its_exercises():
    assert exercises_for("05_four_models") == ["ex-lstm-params", "ex-cnn-steps",
                                                "ex-embedding-share"]


def largest(weights, budget):
    """The most units whose ``weights(units)`` stay within ``budget``, by trying them."""
    units = 0
    while weights(units + 1) <= budget:
        units += 1
    return units


def lstm_units(i, b):
    """The right answer: the largest LSTM reading i numbers with at most b weights."""
    return largest(lambda u: 4 * (i * u + u * u + u), b)


def root(i, b):
    """Where 4 (i u + u^2 + u) = b."""
    return (-(i + 1) + math.sqrt((i + 1) ** 2 + b)) / 2


def test_lstm_params(verdicts):
    verdicts("ex-lstm-params", lstm_units, [
        (lambda i, b: lstm_units(i, b) + 1, "One unit too many"),
        (lambda i, b: largest(lambda u: 4 * (i * u + u * u + u) + 1, b), "includes equality"),
        (lambda i, b: largest(lambda u: i * u + u * u + u, b), "fits a SimpleRNN"),
        (lambda i, b: largest(lambda u: 4 * (i * u + u * u), b), "forgot the biases"),
        (lambda i, b: largest(lambda u: 4 * (i * u + u), b), "forgot the recurrent weights U"),
        (lambda i, b: largest(lambda u: 4 * (i + u) * u + u, b),
         "one bias vector for the whole layer"),
        (lambda i, b: 32, "the page's LSTM (32 units)"),
        (lambda i, b: 4 * (i * lstm_units(i, b) + lstm_units(i, b) ** 2 + lstm_units(i, b)),
         "return its number of units"),
        (root, "round the root of the quadratic down"),
        (lambda i, b: round(root(i, b)), "not to the nearest"),
        (lambda i, b: lstm_units(b, i), "expected 22, got 0"),  # arguments swapped
        (lambda i, b: 22, "expected 32, got 22"),
        (lambda i, b: "22", "expected a number"),
    ])
    # right answers written differently: the quadratic's root rounded down, a float, a numpy
    # int, and a search on the library's count
    verdicts("ex-lstm-params", lambda i, b: math.floor(root(i, b)), [])
    verdicts("ex-lstm-params", lambda i, b: float(lstm_units(i, b)), [])
    verdicts("ex-lstm-params", lambda i, b: np.int64(lstm_units(i, b)), [])
    verdicts("ex-lstm-params", lambda i, b: largest(lambda u: models.lstm_params(i, u), b), [])


def test_cnn_steps(verdicts):
    verdicts("ex-cnn-steps", lambda n: (n - 6) // 5 - 6, [
        (lambda n: n - 12, "forgot the pooling"),
        (lambda n: (n // 5 - 6) - 6, "pooled before the first convolution"),
        (lambda n: (n - 7) // 5 - 7, "Off by one"),
        (lambda n: 12, "for 100 words only"),
        (lambda n: (n - 10) - 6, "moves 5 steps at a time"),
        (lambda n: (n - 6) // 5, "forgot the second convolution"),
        (lambda n: n // 5, "'same' padding"),
        (lambda n: math.ceil((n - 6) / 5) - 6, "rounds down"),
        (lambda n: round((n - 6) / 5) - 6, "not to the nearest"),
        (lambda n: (n - 6) / 5 - 6, "whole number of steps"),
        (lambda n: (n - 6) // 5 - 5, "expected 12, got 13"),
    ])
    # right answers written differently: step by step with math.floor, a numpy int
    verdicts("ex-cnn-steps", lambda n: math.floor((n - 7 + 1) / 5) - 7 + 1, [])
    verdicts("ex-cnn-steps", lambda n: np.int64(n - 6) // 5 - 6, [])


def shares(vocab_size=10_000, of=lambda emb, total: emb / total):
    """The embedding's share of each model's weights, built with ``vocab_size`` words."""
    return {name: of(vocab_size * 16, models.expected_parameter_count(name, vocab_size))
            for name in models.MODELS}


def test_embedding_share(verdicts):
    right = shares()
    verdicts("ex-embedding-share", right, [
        (shares(1000), "the chapter's 1,000 words"),
        (shares(of=lambda emb, total: 1 - emb / total), "*outside* the embedding"),
        (shares(of=lambda emb, total: 100 * emb / total), "not a percentage"),
        (shares(of=lambda emb, total: emb), "the number of embedding weights"),
        ({n: 160_000 / models.expected_parameter_count(n) for n in models.MODELS},
         "count both in the same model"),
        ({n: 1.0 for n in models.MODELS}, "*growth*"),
        ({n: v for n, v in right.items() if n != "simple_cnn"}, "missing ['simple_cnn']"),
        (dict(right, simple_lstm=right["simple_rnn"]), "the share of simple_lstm"),
        (0.9, "expected a dict"),
    ])
    # right answers written differently: by title, in order as a list, rounded, from Keras
    verdicts("ex-embedding-share", {models.TITLES[n]: v for n, v in right.items()}, [])
    verdicts("ex-embedding-share", list(right.values()), [])
    verdicts("ex-embedding-share", {n: round(v, 3) for n, v in right.items()}, [])
    built = {n: models.build_model(n, vocab_size=10_000) for n in models.MODELS}
    verdicts("ex-embedding-share", {n: m.get_layer("embedding").count_params()
                                    / m.count_params() for n, m in built.items()}, [])
