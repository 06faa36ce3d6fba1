"""The checks of chapter 8's exercises (lessons_lib.exercises.ch08_gated_cells)."""

from __future__ import annotations

import numpy as np

from lessons_lib import gated_cells, memory_task


def _count(cell, m, u, reset_after=True):
    return {"SimpleRNN": u * m + u * u + u, "LSTM": 4 * (u * m + u * u + u),
            "GRU": 3 * (u * m + u * u + (2 if reset_after else 1) * u)}[cell]


def _blocks(cell):
    return {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[cell]


def test_count(verdicts):
    def only(cell, wrong):  # right for every cell but ``cell``
        return lambda c, m, u, reset_after=True: (wrong(c, m, u) if c == cell
                                                  else _count(c, m, u, reset_after))

    def default_gru_only(c, m, u, reset_after=True):  # ignores reset_after
        return _count(c, m, u)

    def one_row_unless_default(c, m, u, reset_after=True):  # right only for reset_after=False
        return _count(c, m, u, reset_after=False)

    verdicts("ex-gates-count", _count, [
        (only("GRU", lambda c, m, u: 3 * (u * m + u * u + u)), "two bias rows"),
        (only("GRU", lambda c, m, u: 4 * (u * m + u * u + 2 * u)), "three blocks"),
        (only("LSTM", lambda c, m, u: u * m + u * u + u), "four blocks"),
        (only("LSTM", lambda c, m, u: 3 * (u * m + u * u + u)), "three gates and the candidate"),
        (lambda c, m, u: _blocks(c) * (u * m + u * u), "bias is missing"),
        (lambda c, m, u: _count(c, m, u) - _blocks(c) * u * u, "recurrent kernel is missing"),
        (lambda c, m, u: _count(c, u, m), "swapped"),
        (lambda c, m, u: 6272, "expected 1568"),
        (lambda c, m, u, reset_after=True: str(_count(c, m, u)), "expected a number"),
        (default_gru_only, "With reset_after=False the GRU has one bias row"),
        (one_row_unless_default, "With reset_after=True (the default) the GRU has two"),
        (lambda c, m, u: _count(c, m, u), "unexpected keyword argument 'reset_after'"),
    ])
    verdicts("ex-gates-count", lambda c, m, u, reset_after=True:
             float(_count(c, m, u, reset_after)), [])
    verdicts("ex-gates-count", lambda c, m, u, reset_after=True:
             np.int64(_count(c, m, u, reset_after)), [])


def _gru_step(x_t, h_prev, W, U, b, b_rec, slip=""):
    s = gated_cells.sigmoid
    rec = {g: 0 * b_rec[g] if slip == "none" or (slip == "gates" and g != "h") else b_rec[g]
           for g in "zrh"}
    z = s(W["z"] @ x_t + b["z"] + U["z"] @ h_prev + rec["z"])
    r = s(W["r"] @ x_t + b["r"] + U["r"] @ h_prev + rec["r"])
    if slip == "zr":
        z, r = r, z
    if slip == "before":
        n = np.tanh(W["h"] @ x_t + b["h"] + U["h"] @ (r * h_prev) + rec["h"])
    elif slip == "outside":
        n = np.tanh(W["h"] @ x_t + b["h"] + r * (U["h"] @ h_prev) + rec["h"])
    elif slip == "no reset":
        n = np.tanh(W["h"] @ x_t + b["h"] + U["h"] @ h_prev + rec["h"])
    else:
        n = np.tanh(W["h"] @ x_t + b["h"] + r * (U["h"] @ h_prev + rec["h"]))
    if slip == "candidate":
        return n
    if slip == "n twice":
        return z * n + (1 - z) * n
    return (1 - z) * h_prev + z * n if slip == "swap" else z * h_prev + (1 - z) * n


def test_gru_step(verdicts):
    def row_vectors(x_t, h_prev, W, U, b, b_rec):  # right, written with row vectors, as a list
        layer = gated_cells.GRU(len(x_t), len(h_prev))
        layer.W, layer.U, layer.b, layer.b_rec = W, U, b, b_rec
        return list(layer.step(x_t[None], h_prev[None])[0][0])

    def fresh_layer(x_t, h_prev, W, U, b, b_rec):  # ignores the weights it was given
        layer = gated_cells.GRU(len(x_t), len(h_prev), seed=11)
        return layer.step(x_t[None], h_prev[None])[0][0]

    verdicts("ex-gates-gru-step", _gru_step, [
        (lambda *a: _gru_step(*a, slip="swap"), "swapped"),
        (lambda *a: _gru_step(*a, slip="none"), "recurrent bias b_rec is missing"),
        (lambda *a: _gru_step(*a, slip="gates"), "missing from the gates"),
        (lambda *a: _gru_step(*a, slip="outside"), "scale the recurrent bias too"),
        (lambda *a: _gru_step(*a, slip="before"), "reset_after=False"),
        (lambda *a: _gru_step(*a, slip="zr"), "update and reset gates are swapped"),
        (lambda *a: _gru_step(*a, slip="no reset"), "reset gate is missing"),
        (lambda *a: _gru_step(*a, slip="candidate"), "returned the candidate n_t"),
        (lambda *a: _gru_step(*a, slip="n twice"), "returned the candidate n_t"),
        (fresh_layer, "not the right values"),
        (lambda *a: np.zeros(3), "shape"),
    ])
    verdicts("ex-gates-gru-step", row_vectors, [])


def _runs(bias, gate="z", scale=3.0, rec=False, flip_at=0, copy=True):
    x, _ = memory_task.recall_task(1, gap=20, seed=0, distractor_scale=scale)
    flipped = x[0].copy() if copy else x[0]
    flipped[flip_at, 0] = -flipped[flip_at, 0]
    gru = gated_cells.GRU(input_features=2, units=16, seed=0)
    (gru.b_rec if rec else gru.b)[gate] = np.full(16, bias)
    return gru.forward(x[0], return_sequences=True), gru.forward(flipped, return_sequences=True)


def _survival(measure, **settings):
    return {b: measure(*_runs(b, **settings), b) for b in (-2, 0, 2, 4)}


def _share(a, b, bias, first=0):
    d = np.linalg.norm(a - b, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):  # the slips that divide by zero
        return d[-1] / d[first]


def test_update_bias(verdicts):
    right = _survival(_share)

    def sigmoid(b):
        return 1 / (1 + np.exp(-b))

    verdicts("ex-gates-update-bias", right, [
        (_survival(lambda a, b, bias: 1 / _share(a, b, bias)), "upside down"),
        (_survival(lambda a, b, bias: _share(a, b, bias, first=1)), "off by one"),
        (_survival(lambda a, b, bias: np.linalg.norm(a[-1] - b[-1])), "alone"),
        ({b: sigmoid(b) ** 20 for b in right}, "estimate"),
        (_survival(_share, gate="r"), "reset gate"),
        (_survival(_share, scale=1.0), "distractor_scale"),
        (_survival(lambda a, b, bias: np.linalg.norm(a[-1]) / np.linalg.norm(a[0])),
         "difference between the two runs"),
        ({b: v for b, v in right.items() if b != 4}, "expected the keys"),
        ({**right, 2: right[2] * 1.01}, "b_z = 2"),
        ([right[b] for b in right], "expected a dict"),
        ({str(b): v for b, v in right.items()}, "not strings"),
        ({b: f"{v:.4g}" for b, v in right.items()}, "not strings"),
        ({b: 100 * v for b, v in right.items()}, "percentages"),
        ({b: 1 - v for b, v in right.items()}, "1 - share"),
        (_survival(_share, flip_at=-1), "Flip the first sign"),
        (_survival(_share, copy=False), "both sequences are the same"),
        ({**right, 4: right[4] * 1.01}, "expected 0.70"),
    ])
    # Right to 3 significant digits, or computed in another order: passes
    verdicts("ex-gates-update-bias", {b: float(f"{v:.3g}") for b, v in right.items()}, [])
    verdicts("ex-gates-update-bias", {b: v * (1 + 2e-7) for b, v in right.items()}, [])
    # Right, written differently: the recurrent bias of z (added to the same sum), float keys
    verdicts("ex-gates-update-bias", {float(b): np.float32(v) if b else v
                                      for b, v in _survival(_share, rec=True).items()}, [])
