"""The checks of chapter 5's exercises (lessons_lib.exercises.ch05_four_models)."""

from __future__ import annotations


def test_lstm_params(verdicts):
    verdicts("ex-lstm-params", lambda i, u: 4 * (i * u + u * u + u), [
        (lambda i, u: 3 * (i * u + u * u + u), "has four"),
        (lambda i, u: i * u + u * u + u, "expected 6272"),
    ])


def test_cnn_steps(verdicts):
    verdicts("ex-cnn-steps", lambda n: (n - 6) // 5 - 6, [
        (lambda n: n - 12, "expected 12, got 88"),
    ])
