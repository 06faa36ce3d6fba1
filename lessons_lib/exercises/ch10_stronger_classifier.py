"""Chapter 10's exercise checks, in the order of ``book/10_stronger_classifier.ipynb``."""

from __future__ import annotations

from typing import Any

import numpy as np

from lessons_lib.exercises import ExerciseFailed, call_student, exercise, expect_equal


def bigru_parameter_count(vocab_size: int, embed_dim: int, units: int) -> int:
    """Embedding + Bidirectional(GRU(units)) (reset_after=True) + Dense(1), counted by hand."""
    gru = 3 * (units * embed_dim + units * units + 2 * units)
    return vocab_size * embed_dim + 2 * gru + 2 * units + 1


@exercise("ex-count-bigru")
def check_count_bigru(bigru_parameters: Any) -> str:
    """``bigru_parameters(vocab_size, embed_dim, units)``: Embedding, Bidirectional GRU, Dense."""
    for vocab, embed, units in ((20000, 32, 32), (1000, 16, 8), (50, 3, 5)):
        expected = bigru_parameter_count(vocab, embed, units)
        one_gru = 3 * (units * embed + units * units + 2 * units)
        expect_equal(call_student(bigru_parameters, vocab, embed, units), expected,
                     f"bigru_parameters({vocab}, {embed}, {units})", {
                         expected - 6 * units: "Keras's GRU has two bias vectors per block "
                                               "(reset_after=True).",
                         expected - one_gru: "Bidirectional holds two GRUs, one per "
                                             "direction."})
    return "embedding, two GRUs with two biases per gate, and the output layer"


@exercise("ex-cut-length")
def check_cut_length(length_for_share: Any) -> str:
    """``length_for_share(lengths, share)``: the smallest cut keeping ``share`` reviews whole."""
    rng = np.random.default_rng(10)
    cases = [(np.array([5, 1, 3, 2, 4]), 0.6, 3), (np.array([7, 7, 7]), 0.5, 7),
             (np.array([10, 20, 30, 40]), 1.0, 40)]
    lengths = rng.integers(10, 1000, size=501)
    cases.append((lengths, 0.9, int(np.sort(lengths)[int(np.ceil(0.9 * 501)) - 1])))
    for lengths, share, expected in cases:
        got = call_student(length_for_share, lengths.copy(), share)
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)) or got != expected:
            shown = lengths.tolist() if lengths.size <= 8 else f"{lengths.size} lengths"
            fit = float(np.mean(lengths <= got)) if isinstance(got, (int, np.integer)) else None
            detail = f" (it keeps {100 * fit:.1f} % whole)" if fit is not None else ""
            raise ExerciseFailed(f"for {shown} and share={share} expected max_len {expected}, "
                                 f"got {got!r}{detail}: the smallest length that keeps at least "
                                 f"that share of reviews whole")
    return "the smallest cut that keeps the share whole"
