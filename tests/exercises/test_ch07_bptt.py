"""The checks of chapter 7's exercises (lessons_lib.exercises.ch07_bptt)."""

from __future__ import annotations

import numpy as np

from lessons_lib import bptt
from lessons_lib.exercises import run_check


def _clip_solution(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    scale = 1.0 if norm <= max_norm else max_norm / norm
    return {k: g * scale for k, g in grads.items()}


def _stub(*args):
    raise NotImplementedError


def test_clip_exercise_check() -> None:
    assert run_check("ex-bptt-clip", _clip_solution)["status"] == "passed"
    assert run_check("ex-bptt-clip", _stub)["status"] == "not attempted"
    always = run_check("ex-bptt-clip", lambda g, m: {k: v * m / bptt.global_norm(g)
                                                      for k, v in g.items()})
    assert always["status"] == "failed" and "below max_norm" in always["feedback"]

    def in_place(grads, max_norm):
        for g in grads.values():
            g *= 0.5
        return grads

    assert "changed the input" in run_check("ex-bptt-clip", in_place)["feedback"]


def _step_solution(x_t, y_prev, y_t, g_t, W, U):
    delta = g_t * (1 - y_t**2)
    return np.outer(delta, x_t), np.outer(delta, y_prev), delta, W.T @ delta, U.T @ delta


def test_step_exercise_check() -> None:
    assert run_check("ex-bptt-step", _step_solution)["status"] == "passed"
    assert run_check("ex-bptt-step", _stub)["status"] == "not attempted"

    def no_tanh(x_t, y_prev, y_t, g_t, W, U):
        return np.outer(g_t, x_t), np.outer(g_t, y_prev), g_t, W.T @ g_t, U.T @ g_t

    verdict = run_check("ex-bptt-step", no_tanh)
    assert verdict["status"] == "failed" and "tanh" in verdict["feedback"]

    def no_transpose(x_t, y_prev, y_t, g_t, W, U):
        d = _step_solution(x_t, y_prev, y_t, g_t, W, U)
        return d[0], d[1], d[2], d[3], U @ (g_t * (1 - y_t**2))

    assert run_check("ex-bptt-step", no_transpose)["status"] == "failed"
