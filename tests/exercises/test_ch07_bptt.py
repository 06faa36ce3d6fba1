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
        (always, "scaled up to max_norm"),
        (_in_place, "changed the input"),
        (unit_norm, "not by 1 / norm"),
        (per_array, "its own norm"),
        (lambda g, m: {k: np.clip(v, -m, m) for k, v in g.items()}, "each entry"),
        (lambda g, m: [g[k] for k in g], "expected a dict"),
        (lambda g, m: {k: v * m / sum(np.linalg.norm(a) for a in g.values())
                       for k, v in g.items()}, "the arrays' own norms"),
        (lambda g, m: {k: v * m / sum(np.sum(a**2) for a in g.values()) for k, v in g.items()},
         "forgot the square root"),
    ])
    verdicts("ex-bptt-clip", as_list, [])


def _step(x_t, y_prev, y_t, g_t, W, U):
    delta = g_t * (1 - y_t**2)
    return np.outer(delta, x_t), np.outer(delta, y_prev), delta, W.T @ delta, U.T @ delta


def test_step(verdicts):
    def no_tanh(x_t, y_prev, y_t, g_t, W, U):
        return np.outer(g_t, x_t), np.outer(g_t, y_prev), g_t, W.T @ g_t, U.T @ g_t

    def with_derivative(f):
        def step(x_t, y_prev, y_t, g_t, W, U):
            return _step(x_t, y_prev, y_t, g_t * f(y_t) / (1 - y_t**2), W, U)
        return step

    def replace(index, f):
        def step(x_t, y_prev, y_t, g_t, W, U):
            out = list(_step(x_t, y_prev, y_t, g_t, W, U))
            out[index] = f(x_t, y_prev, y_t, g_t, W, U, out[2])
            return tuple(out)
        return step

    def as_lists(x_t, y_prev, y_t, g_t, W, U):  # right, written with lists and float32
        delta = [g * (1 - y * y) for g, y in zip(g_t, y_t, strict=True)]
        d = np.array(delta)
        return ([[a * b for b in x_t] for a in delta], np.outer(d, y_prev).astype(np.float32),
                delta, list(W.T @ d), (d @ U).tolist())

    verdicts("ex-bptt-step", _step, [
        (no_tanh, "missing the derivative of tanh"),
        (with_derivative(lambda y: y), "uses y_t as the derivative"),
        (with_derivative(lambda y: 1 - y), "uses 1 - y_t"),
        (with_derivative(lambda y: 1 - np.tanh(y) ** 2), "applies tanh to y_t again"),
        (replace(4, lambda x, yp, y, g, W, U, d: U @ d), "U instead of U.T"),
        (replace(3, lambda x, yp, y, g, W, U, d: W @ d), "W instead of W.T"),
        (replace(0, lambda x, yp, y, g, W, U, d: np.outer(x, d)), "dW is transposed"),
        (replace(1, lambda x, yp, y, g, W, U, d: np.outer(yp, d)), "dU is transposed"),
        (replace(1, lambda x, yp, y, g, W, U, d: np.outer(d, y)), "off by one step"),
        (replace(4, lambda x, yp, y, g, W, U, d: U.T @ (d * (1 - yp**2))), "previous step"),
        (replace(4, lambda x, yp, y, g, W, U, d: U.T @ g), "dy_prev is missing"),
        (lambda *a: _step(*a)[:4], "a tuple of five"),
        (lambda *a: (np.zeros((4, 4)),) * 5, "not the right values"),
        (lambda x, yp, y, g, W, U: _step(x, yp, yp, g, W, U), "1 - y_prev ** 2"),
        (with_derivative(lambda y: y * (1 - y)), "derivative of the sigmoid"),
        (lambda *a: (lambda r: (r[1], r[0], *r[2:]))(_step(*a)), "dW and dU are swapped"),
        (lambda *a: (lambda r: (*r[:3], r[4], r[3]))(_step(*a)), "dx_t and dy_prev are swapped"),
    ])
    verdicts("ex-bptt-step", as_lists, [])


def test_decay(verdicts):
    from lessons_lib import memory_task
    from lessons_lib.numpy_rnn import SimpleRNN

    sequence, _ = memory_task.recall_task(1, gap=60, seed=0)
    probe = SimpleRNN(input_features=2, output_features=32, seed=0)
    base_U = probe.U.copy()

    def norms(s, rescale=True):
        probe.U = bptt.with_spectral_norm(base_U, s) if rescale else base_U
        return bptt.state_gradient_norms(probe, sequence[0])

    def answer(f, rescale=True):
        return {s: f(norms(s, rescale)) for s in (0.5, 0.9, 1.1)}

    right = answer(lambda g: (g[0] / g[-1]) ** (1 / (len(g) - 1)))
    by_radius = {}
    for s in (0.5, 0.9, 1.1):  # the same for this orthogonal U: also right
        probe.U = bptt.with_spectral_radius(base_U, s)
        g = bptt.state_gradient_norms(probe, sequence[0])
        by_radius[np.float64(s)] = np.float32(np.exp(np.log(g[0]) / 60))
    verdicts("ex-bptt-decay", right, [
        (answer(lambda g: (g[-1] / g[0]) ** (1 / (len(g) - 1))), "upside down"),
        (answer(lambda g: g[-51]), "50 steps back"),
        (answer(lambda g: g[0]), "at the first step"),
        (answer(lambda g: (g[0] / g[-1]) ** (1 / len(g))), "(T - 1)-th"),
        (answer(lambda g: (g[1] / g[-1]) ** (1 / (len(g) - 2))), "index 0"),
        (answer(lambda g: np.mean(g[:-1] / g[1:])), "geometric mean"),
        (answer(lambda g: (g[0] / g[-1]) ** (1 / (len(g) - 1)), rescale=False), "rescale U"),
        ({0.5: 0.5, 0.9: 0.9, 1.1: 1.1}, "the bound"),
        ({0.5: right[0.5], 0.9: right[0.9]}, "expected the keys"),
        ([right[0.5], right[0.9], right[1.1]], "expected a dict"),
        ({0.5: right[0.5], 0.9: right[0.9], 1.1: right[1.1] * 1.01}, "spectral norm 1.1"),
    ])
    verdicts("ex-bptt-decay", by_radius, [])
    verdicts("ex-bptt-decay", {np.float64(k): float(v) for k, v in right.items()}, [])
    verdicts("ex-bptt-decay", right, [
        ({str(k): v for k, v in right.items()}, "not strings"),
    ])
