"""Chapter 8's exercise checks, in the order of ``book/08_gated_cells.ipynb``."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from lessons_lib.exercises import (
    ExerciseFailed,
    call_student,
    exercise,
    expect_answer,
    expect_close,
    expect_equal,
    expect_shape,
)


def _blocks_and_bias_rows(cell: str, reset_after: bool = True) -> tuple[int, int]:
    """How many blocks of weights a Keras ``cell`` has, and how many bias rows."""
    blocks, rows = {"SimpleRNN": (1, 1), "LSTM": (4, 1), "GRU": (3, 2)}[cell]
    return blocks, (1 if cell == "GRU" and not reset_after else rows)


def _count_mistakes(cell: str, m: int, u: int, reset_after: bool = True) -> dict[int, str]:
    """Counts that the usual slips give for a ``cell`` of ``u`` units on ``m`` features, and
    what each reveals."""
    blocks, rows = _blocks_and_bias_rows(cell, reset_after)

    def count(k: int = blocks, inputs: int = m, units: int = u, bias_rows: int = rows,
              recurrent: bool = True) -> int:
        return k * (units * inputs + recurrent * units * units + bias_rows * units)

    slips = [
        (count(bias_rows=0), "The bias is missing: every block has one bias entry per unit."),
        (count(recurrent=False), "The recurrent kernel is missing: every block also reads "
         "the previous output through a (units x units) matrix."),
        (count(inputs=u, units=m), "Units and input features are swapped: the kernel is "
         "(input_features x units), the recurrent kernel (units x units)."),
    ]
    if cell == "GRU" and reset_after:
        slips += [(count(bias_rows=1), "With reset_after=True (the default) the GRU has two "
                   "bias rows, one for the input side and one for the recurrent side.")]
    if cell == "GRU" and not reset_after:
        slips += [(count(bias_rows=2), "With reset_after=False the GRU has one bias row: the "
                   "second, recurrent bias exists only when the reset gate is applied after "
                   "the matrix (reset_after=True).")]
    if cell == "GRU":
        slips += [
                  (count(k=4), "The GRU has three blocks (z, r and the candidate h), not four."),
                  (count(k=2), "The GRU has three blocks: its two gates and the candidate.")]
    if cell == "LSTM":
        slips += [(count(k=1), "Each of the LSTM's four blocks (i, f, c, o) has its own "
                   "weights."),
                  (count(k=3), "The LSTM has four blocks: three gates and the candidate c."),
                  (count(k=4, bias_rows=2), "The LSTM has one bias row; only the GRU (with "
                   "reset_after=True) has two.")]
    if cell == "SimpleRNN":
        slips += [(count(k=4), "A SimpleRNN has no gates: one block of weights.")]
    expected = count()
    mistakes: dict[int, str] = {}
    for value, why in slips:
        if value != expected:
            mistakes.setdefault(value, why)
    return mistakes


@exercise("ex-gates-count",
          reference=("lessons_lib.gated_cells.parameter_count",
                     "lessons_lib.models.lstm_params"))
def check_gates_count(gated_parameter_count: Any) -> str:
    """``gated_parameter_count(cell, m, u, reset_after=True)``: the weights of a Keras
    SimpleRNN, LSTM or GRU (``reset_after`` is the GRU's setting), tried on several sizes and on
    GRUs with ``reset_after=False``; names the usual slips (a missing bias or recurrent kernel,
    units and inputs swapped, a wrong number of blocks, the GRU's second bias row counted
    wrongly for either setting)."""
    cases = [("SimpleRNN", 16, 32, True), ("LSTM", 16, 32, True), ("GRU", 16, 32, True),
             ("LSTM", 3, 7, True), ("GRU", 5, 2, True), ("SimpleRNN", 9, 4, True),
             ("GRU", 16, 32, False), ("GRU", 3, 7, False)]
    for cell, m, u, reset_after in cases:
        blocks, rows = _blocks_and_bias_rows(cell, reset_after)
        expected = blocks * (u * m + u * u + rows * u)
        setting = {} if reset_after else {"reset_after": False}
        got = call_student(gated_parameter_count, cell, m, u, **setting)
        if isinstance(got, np.integer | np.floating):
            got = got.item()
        layer = f"{cell}(reset_after=False)" if setting else cell
        expect_equal(got, expected, f"the weights of a {layer} with {u} units on {m} input "
                     "features", _count_mistakes(cell, m, u, reset_after))
    return ("LSTM 4x and GRU 3x (plus a bias row with reset_after=True) the weights of a "
            "plain layer, as Keras counts")


def _gru_variant(x_t: np.ndarray, h: np.ndarray, W: dict, U: dict, b: dict, br: dict,
                 slip: str = "") -> np.ndarray:
    """One GRU step (column vectors, as in the exercise), right or with one named slip."""
    from lessons_lib.gated_cells import sigmoid

    gate = np.tanh if slip == "tanh gates" else sigmoid
    rec = {g: (0 * br[g] if slip == "no b_rec" or (slip == "b_rec only h" and g != "h")
               else br[g]) for g in "zrh"}
    z = gate(W["z"] @ x_t + b["z"] + U["z"] @ h + rec["z"])
    r = gate(W["r"] @ x_t + b["r"] + U["r"] @ h + rec["r"])
    if slip == "z r swapped":
        z, r = r, z
    squash = sigmoid if slip == "sigmoid candidate" else np.tanh
    if slip == "reset before":
        n = squash(W["h"] @ x_t + b["h"] + U["h"] @ (r * h) + rec["h"])
    elif slip == "b_rec outside r":
        n = squash(W["h"] @ x_t + b["h"] + r * (U["h"] @ h) + rec["h"])
    elif slip == "no reset":
        n = squash(W["h"] @ x_t + b["h"] + U["h"] @ h + rec["h"])
    else:
        n = squash(W["h"] @ x_t + b["h"] + r * (U["h"] @ h + rec["h"]))
    if slip == "candidate":  # also z * n + (1 - z) * n, which is n
        return n
    if slip == "z swapped":
        return (1 - z) * h + z * n
    return z * h + (1 - z) * n


_GRU_SLIPS = {
    "z swapped": "z and 1 - z are swapped: in Keras h_t = z * h_prev + (1 - z) * n_t, so z "
                 "near 1 keeps the old state",
    "no b_rec": "the recurrent bias b_rec is missing: with reset_after=True every gate adds "
                "b_rec[g] to U[g] @ h_prev",
    "b_rec only h": "the recurrent bias is missing from the gates: z and r also add "
                    "b_rec['z'] and b_rec['r'] to U[g] @ h_prev, not only the candidate",
    "b_rec outside r": "the reset gate must scale the recurrent bias too: "
                       "r * (U['h'] @ h_prev + b_rec['h'])",
    "reset before": "that is the reset_after=False form: apply r_t after the matrix, "
                    "r * (U['h'] @ h_prev + b_rec['h'])",
    "z r swapped": "the update and reset gates are swapped: the gate that blends h_prev with "
                   "n_t is z (the first block), the one inside the candidate is r",
    "sigmoid candidate": "the candidate n_t uses tanh, not the sigmoid",
    "no reset": "the reset gate is missing: the candidate reads r * (U['h'] @ h_prev + "
                "b_rec['h']), not U['h'] @ h_prev + b_rec['h']",
    "candidate": "you returned the candidate n_t itself (z * n + (1 - z) * n is n too): h_t "
                 "blends the old state with it, z * h_prev + (1 - z) * n_t",
    "tanh gates": "the gates z and r use the sigmoid, not tanh: a gate is a number between 0 "
                  "and 1",
}


@exercise("ex-gates-gru-step", reference=("lessons_lib.gated_cells.GRU.step",))
def check_gates_gru_step(gru_step: Any) -> str:
    """``gru_step(x_t, h_prev, W, U, b, b_rec)``: one step of Keras's GRU (reset_after=True),
    tried on two layers with random biases; names the usual slips (recurrent bias missing, or
    only on the candidate, or outside r; reset before the matrix; z and 1 - z or z and r
    swapped; sigmoid and tanh mixed up)."""
    from lessons_lib.gated_cells import GRU

    for features, units, seed in ((3, 4, 11), (2, 5, 23)):
        gru = GRU(input_features=features, units=units, seed=seed)
        rng = np.random.default_rng(seed + 1)
        gru.U = {g: 1.5 * u for g, u in gru.U.items()}  # not the layer a fresh GRU would be
        gru.b = {g: rng.normal(size=units) for g in "zrh"}
        gru.b_rec = {g: rng.normal(size=units) for g in "zrh"}
        x_t, h_prev = rng.normal(size=features), np.tanh(rng.normal(size=units))
        expected = gru.step(x_t[None], h_prev[None])[0][0]
        args = (x_t, h_prev, gru.W, gru.U, gru.b, gru.b_rec)
        copies = [a.copy() if isinstance(a, np.ndarray) else {g: v.copy() for g, v in a.items()}
                  for a in args]
        got = expect_shape(call_student(gru_step, *copies), (units,),
                           f"h_t of a GRU with {units} units")
        if not np.allclose(got, expected, atol=1e-8):
            for slip, why in _GRU_SLIPS.items():
                if np.allclose(got, _gru_variant(*args, slip=slip), atol=1e-8):
                    raise ExerciseFailed(why)
        expect_close(got, expected, f"h_t of a GRU with {units} units", atol=1e-8)
    return "your GRU step equals Keras' default GRU (reset_after=True), for two layers"


UPDATE_BIASES = (-2.0, 0.0, 2.0, 4.0)
# Relative tolerance of the shares: a share rounded to 3 significant digits is at most 0.5 %
# away, and a float64 loop with another order of operations far less.
SHARE_RTOL = 5e-3


def _survival_runs(bias: float, gate: str = "z", distractor_scale: float = 3.0
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The outputs of the exercise's GRU on its sequence and on the copy whose first sign is
    flipped, with the bias of ``gate`` set to ``bias``."""
    from lessons_lib import gated_cells, memory_task

    x, _ = memory_task.recall_task(1, gap=20, seed=0, distractor_scale=distractor_scale)
    flipped = x[0].copy()
    flipped[0, 0] *= -1
    gru = gated_cells.GRU(input_features=2, units=16, seed=0)
    gru.b[gate] = np.full(16, bias)
    return (gru.forward(x[0], return_sequences=True),
            gru.forward(flipped, return_sequences=True))


@exercise("ex-gates-update-bias")
def check_gates_update_bias(survival: Any) -> str:
    """``survival``: for the GRU(2, 16, seed=0) with its update-gate bias b['z'] set to -2, 0,
    2 and 4, how much of the difference made by flipping the first sign of the gap-20 recall
    sequence (distractor_scale=3) survives to the last output, ||h_T - h'_T|| / ||h_1 - h'_1||
    (to 3 significant digits; names shares upside down, off by one, not divided, the estimate
    sigma(b_z) ** 20, the reset gate's bias, the wrong sequence, percentages, 1 - share, the
    last sign flipped and a flipped "copy" that is the sequence itself)."""
    survival = expect_answer(survival)
    if not isinstance(survival, dict):
        raise ExerciseFailed(f"expected a dict {{-2: ..., 0: ..., 2: ..., 4: ...}}, got "
                             f"{type(survival).__name__}")
    def number(value: Any) -> bool:
        return isinstance(value, numbers.Real) and not isinstance(value, bool)

    if not all(number(k) and number(v) for k, v in survival.items()):
        raise ExerciseFailed(f"expected numbers as keys and values, the biases -2, 0, 2 and 4 "
                             f"and their shares (not strings such as '2' or '0.5'), got "
                             f"{survival!r:.80}")
    got = {float(k): float(v) for k, v in survival.items()}
    if set(got) != set(UPDATE_BIASES):
        raise ExerciseFailed(f"expected the keys {[int(b) for b in UPDATE_BIASES]} (the "
                             f"update-gate biases), got {sorted(got)}")
    if any(np.isnan(v) for v in got.values()):
        raise ExerciseFailed("a share is nan (0 / 0): both sequences are the same. Flip the "
                             "sign in a copy, x[0].copy(): without .copy() the flip changes x "
                             "too")
    if any(np.isinf(v) for v in got.values()):
        raise ExerciseFailed("a share is infinite: the difference after the first step is "
                             "zero. Flip the first sign, the entry [0, 0] (feature 0 at the "
                             "first step), not a later one")

    def each(f: Any, **settings: Any) -> dict[float, float]:
        return {bias: float(f(*_survival_runs(bias, **settings), bias))
                for bias in UPDATE_BIASES}

    def gap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.linalg.norm(a - b, axis=1)

    def ratio(a: np.ndarray, b: np.ndarray, bias: float) -> float:
        return gap(a, b)[-1] / gap(a, b)[0]

    right = each(ratio)
    keep = {bias: 0.5 * (1 + np.tanh(0.5 * bias)) for bias in UPDATE_BIASES}
    slips = [
        (each(lambda a, b, bias: 1 / ratio(a, b, bias)), "upside down: divide the difference "
         "at the last output by the one after the first step"),
        (each(lambda a, b, bias: gap(a, b)[-1] / gap(a, b)[1]), "off by one: the first output "
         "h_1 is at index 0 of the outputs (return_sequences=True)"),
        (each(lambda a, b, bias: gap(a, b)[-1]), "that is the difference at the last output "
         "alone; divide it by the difference after the first step, ||h_1 - h'_1||"),
        ({bias: k**20 for bias, k in keep.items()}, "that is the estimate sigma(b_z) ** 20; "
         "run the GRU on the two sequences and measure"),
        ({bias: k**21 for bias, k in keep.items()}, "that is an estimate, sigma(b_z) ** 21; "
         "run the GRU on the two sequences and measure"),
        (each(ratio, gate="r"), "that sets the reset gate's bias, b['r']; the update gate is "
         "z, b['z']"),
        (each(ratio, distractor_scale=1.0), "the sequence needs distractor_scale=3.0, as in "
         "the chapter's measurement"),
        (each(lambda a, b, bias: np.linalg.norm(a[-1]) / np.linalg.norm(a[0])), "that compares "
         "one run's last output with its first; measure the difference between the two runs "
         "(the sequence and its copy with the first sign flipped)"),
        ({bias: 100 * share for bias, share in right.items()}, "these look like percentages: "
         "give each share as a fraction (0.5, not 50)"),
        ({bias: 1 - share for bias, share in right.items()}, "that is 1 - share, the part "
         "that is lost; give the part that survives, ||h_T - h'_T|| / ||h_1 - h'_1||"),
    ]
    for slip, why in slips:
        if all(np.isclose(got[k], slip[k], rtol=SHARE_RTOL, atol=1e-15) for k in UPDATE_BIASES):
            raise ExerciseFailed(why)
    for bias in UPDATE_BIASES:
        if not np.isclose(got[bias], right[bias], rtol=SHARE_RTOL, atol=1e-15):
            raise ExerciseFailed(f"the share that survives with b_z = {bias:g}: expected "
                                 f"{right[bias]:.6g}, got {got[bias]:.6g}")
    return ("surviving share " + ", ".join(f"{right[b]:.2g} at b_z = {b:g}"
                                           for b in UPDATE_BIASES))
