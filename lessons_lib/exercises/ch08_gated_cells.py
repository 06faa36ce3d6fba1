"""Chapter 8's exercise checks, in the order of ``book/08_gated_cells.ipynb``."""

from __future__ import annotations

from typing import Any

import numpy as np

from lessons_lib.exercises import (
    ExerciseFailed,
    call_student,
    exercise,
    expect_close,
    expect_equal,
    expect_shape,
)


@exercise("ex-gates-count")
def check_gates_count(gated_parameter_count: Any) -> str:
    """``gated_parameter_count(cell, m, u)``: the weights of a Keras SimpleRNN, LSTM or GRU."""
    cases = [("SimpleRNN", 16, 32), ("LSTM", 16, 32), ("GRU", 16, 32), ("LSTM", 3, 7),
             ("GRU", 5, 2)]
    for cell, m, u in cases:
        plain = u * m + u * u + u
        expected = {"SimpleRNN": plain, "LSTM": 4 * plain, "GRU": 3 * (plain + u)}[cell]
        mistakes = {"GRU": {3 * plain: "With reset_after=True (the default) the GRU has two "
                                       "bias rows."},
                    "LSTM": {plain: "Each of the LSTM's four gates has its own weights."}}
        expect_equal(call_student(gated_parameter_count, cell, m, u), expected,
                     f"the weights of a {cell} with {u} units on {m} input features",
                     mistakes.get(cell))
    return "LSTM 4x and GRU 3x (plus a bias row) the weights of a plain layer, as Keras counts"


@exercise("ex-gates-gru-step")
def check_gates_gru_step(gru_step: Any) -> str:
    """``gru_step(x_t, h_prev, W, U, b, b_rec)``: one step of Keras's GRU (reset_after=True)."""
    from lessons_lib.gated_cells import GRU, sigmoid

    gru = GRU(input_features=3, units=4, seed=11)
    rng = np.random.default_rng(12)
    gru.b = {g: rng.normal(size=4) for g in "zrh"}
    gru.b_rec = {g: rng.normal(size=4) for g in "zrh"}
    x_t, h_prev = rng.normal(size=3), np.tanh(rng.normal(size=4))
    expected = gru.step(x_t[None], h_prev[None])[0][0]
    got = expect_shape(call_student(gru_step, x_t, h_prev, gru.W, gru.U, gru.b, gru.b_rec),
                       (4,), "h_t")
    if not np.allclose(got, expected, atol=1e-8):
        z = sigmoid(gru.W["z"] @ x_t + gru.b["z"] + gru.U["z"] @ h_prev + gru.b_rec["z"])
        n = (expected - z * h_prev) / (1 - z)
        if np.allclose(got, (1 - z) * h_prev + z * n, atol=1e-8):
            raise ExerciseFailed("z and 1 - z are swapped: in Keras h_t = z * h_prev + "
                                 "(1 - z) * n_t, so z near 1 keeps the old state")
        gru.reset_after = False
        if np.allclose(got, gru.step(x_t[None], h_prev[None])[0][0], atol=1e-8):
            raise ExerciseFailed("that is the reset_after=False form: apply r_t after the "
                                 "matrix, r * (U['h'] @ h_prev + b_rec['h'])")
    expect_close(got, expected, "h_t", atol=1e-8)
    return "your GRU step equals Keras' default GRU (reset_after=True)"
