"""The checks of chapter 10's exercises (lessons_lib.exercises.ch10_stronger_classifier)."""

from __future__ import annotations

import keras
import numpy as np

from lessons_lib.exercises.ch10_stronger_classifier import bigru_parameter_count


def test_count_bigru(verdicts):
    inputs = keras.Input(shape=(7,), dtype="int32")
    x = keras.layers.Embedding(50, 3)(inputs)
    x = keras.layers.Bidirectional(keras.layers.GRU(5))(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    assert model.count_params() == bigru_parameter_count(50, 3, 5)  # the reference is Keras's
    verdicts("ex-count-bigru", bigru_parameter_count, [
        (lambda v, e, u: bigru_parameter_count(v, e, u) - 6 * u, "two bias"),
        (lambda v, e, u: v * e + 3 * (u * e + u * u + 2 * u) + 2 * u + 1, "two GRUs"),
    ])


def test_cut_length(verdicts):
    def right(lengths, share):
        ordered = np.sort(lengths)
        return int(ordered[max(int(np.ceil(share * len(ordered))), 1) - 1])

    verdicts("ex-cut-length", right, [
        (lambda lengths, share: int(np.sort(lengths)[int(share * len(lengths))]),
         "the smallest length"),
    ])
