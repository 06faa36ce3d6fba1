"""Chapter 7's exercise checks, in the order of ``book/07_bptt.ipynb``."""

from __future__ import annotations

from typing import Any

import numpy as np

from lessons_lib.exercises import ExerciseFailed, call_student, exercise, expect_close


@exercise("ex-bptt-clip")
def check_bptt_clip(clip_by_global_norm: Any) -> str:
    """``clip_by_global_norm(grads, max_norm)``: global norm capped at ``max_norm``, tried with
    two limits; names the usual slips (scaling to norm 1, clipping each array by its own norm,
    clipping entries one by one, scaling gradients that were already small enough)."""
    rng = np.random.default_rng(7)
    large = {"W": rng.normal(size=(3, 2)) * 10, "U": rng.normal(size=(3, 3)) * 10,
             "b": rng.normal(size=3)}
    norm = float(np.sqrt(sum(np.sum(g**2) for g in large.values())))
    originals = {k: v.copy() for k, v in large.items()}

    def same(got: dict, want: dict) -> bool:
        return all(np.shape(got[k]) == np.shape(want[k]) and np.allclose(got[k], want[k])
                   for k in want)

    for max_norm in (1.0, 2.5):
        clipped = call_student(clip_by_global_norm, large, max_norm)
        if not isinstance(clipped, dict) or set(clipped) != set(large):
            raise ExerciseFailed(f"expected a dict with the keys {sorted(large)}, got "
                                 f"{clipped!r:.80}")
        if any(not np.array_equal(large[k], originals[k]) for k in large):
            raise ExerciseFailed("your function changed the input arrays; return new ones "
                                 "instead")
        if max_norm != 1 and same(clipped, {k: v / norm for k, v in originals.items()}):
            raise ExerciseFailed(f"with max_norm={max_norm} the global norm should become "
                                 f"{max_norm}, but yours became 1: scale by max_norm / norm, "
                                 "not by 1 / norm")
        if same(clipped, {k: v * min(1.0, max_norm / float(np.linalg.norm(v)))
                          for k, v in originals.items()}):
            raise ExerciseFailed("each array was clipped by its own norm; the global norm is "
                                 "one number for all the arrays together, and every array is "
                                 "scaled by the same factor")
        if same(clipped, {k: np.clip(v, -max_norm, max_norm) for k, v in originals.items()}):
            raise ExerciseFailed("each entry was clipped to [-max_norm, max_norm]; scale all "
                                 "the arrays by max_norm / global norm instead, which keeps "
                                 "the gradient's direction")
        for name in large:
            expect_close(clipped[name], originals[name] * max_norm / norm,
                         f"the clipped {name!r} with max_norm={max_norm}")
    small = {k: v / (10 * norm) for k, v in originals.items()}
    kept = call_student(clip_by_global_norm, small, 1.0)
    for name in small:
        expect_close(kept[name], small[name],
                     f"{name!r} of gradients whose global norm is already below max_norm")
    return (f"a global norm of {norm:.1f} was scaled down to 1 and to 2.5, a small one left "
            "alone")


@exercise("ex-bptt-step")
def check_bptt_step(step_backward: Any) -> str:
    """``step_backward(x_t, y_prev, y_t, g_t, W, U)``: dW, dU, db, dx_t, dy_prev of one step."""
    rng = np.random.default_rng(8)
    W, U = rng.normal(size=(4, 3)), rng.normal(size=(4, 4))
    x_t, y_prev, g_t = rng.normal(size=3), np.tanh(rng.normal(size=4)), rng.normal(size=4)
    y_t = np.tanh(W @ x_t + U @ y_prev + 0.1)
    delta = g_t * (1 - y_t**2)
    expected = (np.outer(delta, x_t), np.outer(delta, y_prev), delta, W.T @ delta, U.T @ delta)
    got = call_student(step_backward, x_t, y_prev, y_t, g_t, W, U)
    if not isinstance(got, (tuple, list)) or len(got) != 5:
        raise ExerciseFailed("expected a tuple of five arrays (dW, dU, db, dx_t, dy_prev)")
    for name, value, want in zip(("dW", "dU", "db", "dx_t", "dy_prev"), got, expected,
                                 strict=True):
        if name == "dW" and np.shape(value) == np.shape(want) and \
                np.allclose(value, np.outer(g_t, x_t)):
            raise ExerciseFailed("dW is missing the derivative of tanh: multiply g_t by "
                                 "(1 - y_t ** 2) first")
        expect_close(value, want, name)
    return "all five gradients of one step are right"
