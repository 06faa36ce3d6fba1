"""The checks of chapter 8's exercises (lessons_lib.exercises.ch08_gated_cells)."""

from __future__ import annotations

import numpy as np

from lessons_lib import gated_cells


def _count(cell, m, u):
    return {"SimpleRNN": u * m + u * u + u, "LSTM": 4 * (u * m + u * u + u),
            "GRU": 3 * (u * m + u * u + 2 * u)}[cell]


def test_count(verdicts):
    verdicts("ex-gates-count", _count, [
        (lambda c, m, u: 3 * (u * m + u * u + u) if c == "GRU" else _count(c, m, u),
         "two bias rows"),
        (lambda c, m, u: u * m + u * u + u, "four gates"),
    ])


def _gru_step(x_t, h_prev, W, U, b, b_rec, swap=False):
    s = gated_cells.sigmoid
    z = s(W["z"] @ x_t + b["z"] + U["z"] @ h_prev + b_rec["z"])
    r = s(W["r"] @ x_t + b["r"] + U["r"] @ h_prev + b_rec["r"])
    n = np.tanh(W["h"] @ x_t + b["h"] + r * (U["h"] @ h_prev + b_rec["h"]))
    return (1 - z) * h_prev + z * n if swap else z * h_prev + (1 - z) * n


def test_gru_step(verdicts):
    verdicts("ex-gates-gru-step", _gru_step, [
        (lambda *a: _gru_step(*a, swap=True), "swapped"),
        (lambda *a: np.zeros(3), "shape"),
    ])
