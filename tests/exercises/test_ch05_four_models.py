"""The checks of chapter 5's exercises (lessons_lib.exercises.ch05_four_models)."""

from __future__ import annotations

import math

import numpy as np

from lessons_lib import models
from lessons_lib.exercises import exercises_for


def test_the_chapter_registers_its_exercises():
    assert exercises_for("05_four_models") == ["ex-lstm-params", "ex-cnn-steps",
                                                "ex-embedding-share"]


def test_lstm_params(verdicts):
    verdicts("ex-lstm-params", lambda i, u: 4 * (i * u + u * u + u), [
        (lambda i, u: 3 * (i * u + u * u + u), "has four"),
        (lambda i, u: i * u + u * u + u, "one SimpleRNN's weights"),
        (lambda i, u: 4 * (i * u + u * u), "forgot the biases"),
        (lambda i, u: 4 * (i + u) * u + u, "one bias vector for the whole layer"),
        (lambda i, u: 4 * (i * u + u), "forgot the recurrent weights U"),
        (lambda i, u: 4 * (u * i + i * i + i), "swapped"),
        (lambda i, u: 6272, "the chapter's sizes (16, 32)"),
        (lambda i, u: 4 * (i * u + u * u + 2 * u), "cuDNN"),
        (lambda i, u: 4 * i * u, "only the input weights"),
        (lambda i, u: 4 * (i * u + u * u + u) + 1, "expected 6272, got 6273"),
        (lambda i, u: "6272", "expected a number"),
    ])
    # right answers written differently: a float, a numpy int, Keras's own count
    verdicts("ex-lstm-params", lambda i, u: 4.0 * (i + u + 1) * u, [])
    verdicts("ex-lstm-params", lambda i, u: np.int64(4) * (i * u + u * u + u), [])
    verdicts("ex-lstm-params", models.lstm_params, [])


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
