"""The checks of chapter 8's exercises (lessons_lib.exercises.ch08_gated_cells)."""

from __future__ import annotations

import numpy as np

from lessons_lib import gated_cells
from lessons_lib.exercises import run_check


def _stub(*args):
    raise NotImplementedError


def _count(cell, m, u):
    return {"SimpleRNN": u * m + u * u + u, "LSTM": 4 * (u * m + u * u + u),
            "GRU": 3 * (u * m + u * u + 2 * u)}[cell]


def test_count_exercise_check() -> None:
    assert run_check("ex-gates-count", _count)["status"] == "passed"
    assert run_check("ex-gates-count", _stub)["status"] == "not attempted"
    one_bias = run_check("ex-gates-count",
                         lambda c, m, u: 3 * (u * m + u * u + u) if c == "GRU" else _count(c, m, u))
    assert one_bias["status"] == "failed" and "two bias rows" in one_bias["feedback"]


def _gru_step(x_t, h_prev, W, U, b, b_rec):
    s = gated_cells.sigmoid
    z = s(W["z"] @ x_t + b["z"] + U["z"] @ h_prev + b_rec["z"])
    r = s(W["r"] @ x_t + b["r"] + U["r"] @ h_prev + b_rec["r"])
    n = np.tanh(W["h"] @ x_t + b["h"] + r * (U["h"] @ h_prev + b_rec["h"]))
    return z * h_prev + (1 - z) * n


def test_gru_step_exercise_check() -> None:
    assert run_check("ex-gates-gru-step", _gru_step)["status"] == "passed"
    assert run_check("ex-gates-gru-step", _stub)["status"] == "not attempted"

    def swapped(x_t, h_prev, W, U, b, b_rec):
        s = gated_cells.sigmoid
        z = s(W["z"] @ x_t + b["z"] + U["z"] @ h_prev + b_rec["z"])
        r = s(W["r"] @ x_t + b["r"] + U["r"] @ h_prev + b_rec["r"])
        n = np.tanh(W["h"] @ x_t + b["h"] + r * (U["h"] @ h_prev + b_rec["h"]))
        return (1 - z) * h_prev + z * n

    verdict = run_check("ex-gates-gru-step", swapped)
    assert verdict["status"] == "failed" and "swapped" in verdict["feedback"]
    wrong_shape = run_check("ex-gates-gru-step", lambda *a: np.zeros(3))
    assert wrong_shape["status"] == "failed"
