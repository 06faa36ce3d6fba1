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
    def unit_norm(grads, max_norm):  # forgets max_norm in the scale: fits max_norm = 1 only
        norm = bptt.global_norm(grads)
        return {k: g / norm if norm > max_norm else g for k, g in grads.items()}

    def per_array(grads, max_norm):
        return {k: g * min(1.0, max_norm / np.linalg.norm(g)) for k, g in grads.items()}

    def always(grads, max_norm):
        return {k: v * max_norm / bptt.global_norm(grads) for k, v in grads.items()}

    def as_list(grads, max_norm):  # right, written differently: a list comprehension of pairs
        norm = float(np.linalg.norm(np.concatenate([g.ravel() for g in grads.values()])))
        return dict([(k, g * min(1, max_norm / norm)) for k, g in grads.items()])

    verdicts("ex-bptt-clip", _clip, [
        (always, "below max_norm"),
        (_in_place, "changed the input"),
        (unit_norm, "not by 1 / norm"),
        (per_array, "its own norm"),
        (lambda g, m: {k: np.clip(v, -m, m) for k, v in g.items()}, "each entry"),
        (lambda g, m: [g[k] for k in g], "expected a dict"),
    ])
    verdicts("ex-bptt-clip", as_list, [])


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
