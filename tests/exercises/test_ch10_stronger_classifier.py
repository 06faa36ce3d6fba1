"""The checks of chapter 10's exercises (lessons_lib.exercises.ch10_stronger_classifier)."""

from __future__ import annotations

import numpy as np

from lessons_lib.exercises import run_check
from lessons_lib.exercises.ch10_stronger_classifier import bigru_parameter_count


def _stub(*args):
    raise NotImplementedError


def test_count_bigru_check_agrees_with_keras():
    import keras

    inputs = keras.Input(shape=(7,), dtype="int32")
    x = keras.layers.Embedding(50, 3)(inputs)
    x = keras.layers.Bidirectional(keras.layers.GRU(5))(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    assert model.count_params() == bigru_parameter_count(50, 3, 5)
    assert run_check("ex-count-bigru", bigru_parameter_count)["status"] == "passed"
    one_bias = lambda v, e, u: bigru_parameter_count(v, e, u) - 6 * u  # noqa: E731
    verdict = run_check("ex-count-bigru", one_bias)
    assert verdict["status"] == "failed" and "two bias" in verdict["feedback"]
    assert run_check("ex-count-bigru", _stub)["status"] == "not attempted"


def test_cut_length_check():
    def solution(lengths, share):
        ordered = np.sort(lengths)
        return int(ordered[max(int(np.ceil(share * len(ordered))), 1) - 1])

    assert run_check("ex-cut-length", solution)["status"] == "passed"
    one_too_far = lambda lengths, share: int(np.sort(lengths)[int(share * len(lengths))])  # noqa: E731
    assert run_check("ex-cut-length", one_too_far)["status"] == "failed"
    assert run_check("ex-cut-length", _stub)["status"] == "not attempted"
