"""The checks of chapter 10's exercises (lessons_lib.exercises.ch10_stronger_classifier)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from lessons_lib.exercises import run_check
from lessons_lib.exercises.ch10_stronger_classifier import (
    accuracy_by_cut_reference,
    bigru_parameter_count,
    gru_weights,
    length_for_share_reference,
)


def test_count_bigru(verdicts):
    inputs = keras.Input(shape=(7,), dtype="int32")
    x = keras.layers.Embedding(50, 3)(inputs)
    x = keras.layers.Bidirectional(keras.layers.GRU(5))(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    assert model.count_params() == bigru_parameter_count(50, 3, 5)  # the reference is Keras's

    def counted(blocks=3, biases=2, grus=2, dense_inputs=2, dense_bias=1, embedding=True):
        def count(v, e, u):
            return (v * e if embedding else 0) + grus * gru_weights(e, u, blocks, biases) \
                + dense_inputs * u + dense_bias
        return count

    verdicts("ex-count-bigru", bigru_parameter_count, [
        (counted(biases=1), "two bias vectors"),
        (counted(grus=1), "two GRUs"),
        (counted(blocks=4), "four is the LSTM"),
        (counted(blocks=2), "The candidate has its own"),
        (lambda v, e, u: bigru_parameter_count(v, u, e), "swapped"),
        (counted(dense_inputs=1), "both directions"),
        (counted(dense_bias=0), "Dense(1) has a bias"),
        (counted(embedding=False), "Embedding"),
        (counted(grus=1, dense_inputs=1), "count the GRU twice, and give Dense(1)"),
        (lambda v, e, u: bigru_parameter_count(v, e, u) + e, "no extra row"),  # (V + 1) * E
        (lambda v, e, u: 332737, "the chapter's model"),
        (lambda v, e, u: "332737", "expected a number"),
        (lambda v, e, u: print(bigru_parameter_count(v, e, u)), "returned None"),
    ])
    # the same count written differently passes: a float, a numpy int, Keras's own count
    for same in (lambda v, e, u: float(bigru_parameter_count(v, e, u)),
                 lambda v, e, u: np.int64(bigru_parameter_count(v, e, u))):
        assert run_check("ex-count-bigru", same)["status"] == "passed"


def test_cut_length(verdicts):
    def right(lengths, share):
        ordered = np.sort(lengths)
        return int(ordered[max(int(np.ceil(share * len(ordered))), 1) - 1]) + 1

    def no_marker(lengths, share):
        return right(lengths, share) - 1

    verdicts("ex-cut-length", right, [
        (no_marker, "start marker"),
        (lambda lengths, share: int(np.sort(lengths)[min(int(np.ceil(share * len(lengths))),
                                                         len(lengths) - 1)]) + 1,
         "Off by one review"),
        (lambda lengths, share: int(np.sort(lengths)[int(np.ceil(share * len(lengths))) - 2])
         + 1, "Off by one review"),
        (lambda lengths, share: int(np.percentile(lengths, share)) + 1, "not a percentile"),
        (lambda lengths, share: int(np.percentile(lengths, 100 * share)) + 1, "interpolates"),
        (lambda lengths, share: right(lengths, 1 - share), "1 - share"),
        (lambda lengths, share: np.percentile(lengths, 100 * share), "np.percentile (or "
         "np.quantile) interpolates"),  # a float such as 3.4
        (lambda lengths, share: float(np.quantile(lengths, share)) + 1, "interpolates"),
        (lambda lengths, share: 300, "the chapter's cut"),
        (lambda lengths, share: str(right(lengths, share)), "expected an int"),
        (lambda lengths, share: print(right(lengths, share)), "returned None"),
    ])
    # correct answers written differently pass: a numpy int, a float, a percentile that does
    # not interpolate, a loop over candidate lengths
    for same in (lambda lengths, share: np.int64(right(lengths, share)),
                 lambda lengths, share: float(right(lengths, share)),
                 lambda lengths, share: int(np.percentile(lengths, 100 * share,
                                                          method="inverted_cdf")) + 1,
                 lambda lengths, share: next(m for m in range(1, max(lengths) + 2)
                                             if np.mean(np.asarray(lengths) + 1 <= m) >= share),
                 length_for_share_reference):
        assert run_check("ex-cut-length", same)["status"] == "passed", same


# The answers, as students write them, take the mean of an empty group (nan), which numpy warns
# about; the check accepts nan there.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_cut_accuracy(verdicts):
    def right(correct, lengths, max_len):
        cut = np.asarray(lengths) + 1 > max_len
        return float(np.mean(cut)), float(np.mean(correct[cut])), float(np.mean(correct[~cut]))

    def grouped(cut_of, order=(0, 1, 2), scale=1.0):
        def answer(correct, lengths, max_len):
            cut = cut_of(np.asarray(lengths), max_len)
            values = (float(np.mean(cut)), float(np.mean(correct[cut])),
                      float(np.mean(correct[~cut])))
            return tuple(scale * values[i] for i in order)
        return answer

    def share_whole(correct, lengths, max_len):
        share, on_cut, on_whole = right(correct, lengths, max_len)
        return 1 - share, on_cut, on_whole

    verdicts("ex-cut-accuracy", right, [
        (grouped(lambda n, m: n > m), "start marker"),
        (grouped(lambda n, m: n + 2 > m), "Off by one"),
        (grouped(lambda n, m: n + 1 > m, order=(0, 2, 1)), "swapped"),
        (share_whole, "share of reviews that fit whole"),
        (grouped(lambda n, m: n + 1 > 300), "max_len argument"),
        (lambda c, n, m: (right(c, n, m)[0], float(np.mean(c)), float(np.mean(c))),
         "its own group"),
        (grouped(lambda n, m: n + 1 > m, scale=100.0), "not percentages"),
        (lambda c, n, m: right(c, n, m)[:2], "expected three numbers"),
        (lambda c, n, m: (0.5, 0.8, 0.9), "expected (share cut"),
        (lambda c, n, m: print(right(c, n, m)), "returned None"),
        (lambda c, n, m: tuple(np.array([v]) for v in right(c, n, m)), "not as an array"),
        (lambda c, n, m: [[v] for v in right(c, n, m)], "not as an array"),
        (lambda c, n, m: np.array(right(c, n, m)).reshape(3, 1), "array of shape (3, 1)"),
    ])
    # the same numbers in other forms pass: a list, an array, numpy floats, 0-d arrays
    for same in (lambda c, n, m: list(right(c, n, m)),
                 lambda c, n, m: np.array(right(c, n, m)),
                 lambda c, n, m: tuple(np.float32(v) for v in right(c, n, m)),
                 lambda c, n, m: tuple(np.array(v) for v in right(c, n, m)),
                 accuracy_by_cut_reference):
        verdict = run_check("ex-cut-accuracy", same)
        assert verdict["status"] == "passed", verdict
