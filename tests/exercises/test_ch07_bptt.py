"""The checks of chapter 7's exercises (lessons_lib.exercises.ch07_bptt)."""

from __future__ import annotations

import numpy as np

from lessons_lib import bptt


def _clip(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    scale = 1.0 if norm <= max_norm else max_norm / norm
    return {k: g * scale for k, g in grads.items()}


def _in_place(grads, max_norm):
    for g in grads.values():
        g *= 0.5
    return grads


def test_clip(verdicts):
    verdicts("ex-bptt-clip", _clip, [
        (lambda g, m: {k: v * m / bptt.global_norm(g) for k, v in g.items()}, "below max_norm"),
        (_in_place, "changed the input"),
    ])


def _step(x_t, y_prev, y_t, g_t, W, U):
    delta = g_t * (1 - y_t**2)
    return np.outer(delta, x_t), np.outer(delta, y_prev), delta, W.T @ delta, U.T @ delta


def test_step(verdicts):
    def no_tanh(x_t, y_prev, y_t, g_t, W, U):
        return np.outer(g_t, x_t), np.outer(g_t, y_prev), g_t, W.T @ g_t, U.T @ g_t

    def no_transpose(x_t, y_prev, y_t, g_t, W, U):
        d = _step(x_t, y_prev, y_t, g_t, W, U)
        return d[0], d[1], d[2], d[3], U @ (g_t * (1 - y_t**2))

    verdicts("ex-bptt-step", _step, [(no_tanh, "tanh"), (no_transpose, "dy_prev")])
