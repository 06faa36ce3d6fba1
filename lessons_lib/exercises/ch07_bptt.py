"""Chapter 7's exercise checks, in the order of ``book/07_bptt.ipynb``."""

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
)


@exercise("ex-bptt-clip",
          reference=("lessons_lib.bptt.clip_by_global_norm",
                     "lessons_lib.bptt.global_norm"))
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
        sum_of_squares = float(sum(np.sum(v**2) for v in originals.values()))
        for wrong_norm, why in (
                (float(sum(np.linalg.norm(v) for v in originals.values())),
                 "you added up the arrays' own norms; the global norm is the square root of the "
                 "sum of the squares of all entries of all arrays (not the sum of their norms)"),
                (sum_of_squares, "you forgot the square root: the sum of the squares of all "
                 "entries is the squared global norm; take np.sqrt of it")):
            if same(clipped, {k: v * max_norm / wrong_norm for k, v in originals.items()}):
                raise ExerciseFailed(why)
        if same(clipped, {k: np.clip(v, -max_norm, max_norm) for k, v in originals.items()}):
            raise ExerciseFailed("each entry was clipped to [-max_norm, max_norm]; scale all "
                                 "the arrays by max_norm / global norm instead, which keeps "
                                 "the gradient's direction")
        for name in large:
            expect_close(clipped[name], originals[name] * max_norm / norm,
                         f"the clipped {name!r} with max_norm={max_norm}")
    small = {k: v / (10 * norm) for k, v in originals.items()}
    kept = call_student(clip_by_global_norm, small, 1.0)
    if isinstance(kept, dict) and set(kept) == set(small) and same(
            kept, {k: v / norm for k, v in originals.items()}):
        raise ExerciseFailed("gradients whose global norm (here 0.1) is already below max_norm "
                             "were scaled up to max_norm: return them unchanged, and scale "
                             "only when the norm is larger than max_norm")
    for name in small:
        expect_close(kept[name], small[name],
                     f"{name!r} of gradients whose global norm is already below max_norm")
    return (f"a global norm of {norm:.1f} was scaled down to 1 and to 2.5, a small one left "
            "alone")


def _step_variants(x_t: np.ndarray, y_prev: np.ndarray, y_t: np.ndarray, g_t: np.ndarray,
                   W: np.ndarray, U: np.ndarray) -> dict[str, list[tuple[np.ndarray, str]]]:
    """The right gradients of one step (first in each list) and the usual slips, by name."""
    delta = g_t * (1 - y_t**2)
    right = {"dW": np.outer(delta, x_t), "dU": np.outer(delta, y_prev), "db": delta,
             "dx_t": W.T @ delta, "dy_prev": U.T @ delta}
    no_tanh = "is missing the derivative of tanh: multiply g_t by (1 - y_t ** 2) first"
    slips = {
        "y": (g_t * y_t, "uses y_t as the derivative of tanh; the derivative is 1 - y_t ** 2"),
        "1-y": (g_t * (1 - y_t), "uses 1 - y_t as the derivative of tanh; it is 1 - y_t ** 2"),
        "twice": (g_t * (1 - np.tanh(y_t) ** 2), "applies tanh to y_t again: y_t is already "
                  "tanh(a_t), so the derivative is 1 - y_t ** 2"),
        "none": (g_t, no_tanh),
        "y_prev": (g_t * (1 - y_prev**2), "uses 1 - y_prev ** 2: the derivative of tanh is "
                   "taken at this step's output, 1 - y_t ** 2 (y_t = tanh(a_t))"),
        "sigmoid": (g_t * y_t * (1 - y_t), "uses y_t * (1 - y_t), the derivative of the "
                    "sigmoid; the step applies tanh, whose derivative is 1 - y_t ** 2"),
    }
    variants = {name: [(value, "")] for name, value in right.items()}
    for d, why in slips.values():
        for name, value in (("dW", np.outer(d, x_t)), ("dU", np.outer(d, y_prev)), ("db", d),
                            ("dx_t", W.T @ d), ("dy_prev", U.T @ d)):
            variants[name].append((value, f"{name} {why}"))
    variants["dW"] += [(np.outer(x_t, delta), "dW is transposed: it has the shape of W, "
                        "(units, input_features), so it is np.outer(delta, x_t)")]
    swapped = "dW and dU are swapped: dW pairs delta with the input x_t, np.outer(delta, x_t), "\
        "dU with the previous state, np.outer(delta, y_prev)"
    variants["dW"] += [(np.outer(delta, y_prev), swapped)]
    variants["dU"] += [(np.outer(delta, x_t), swapped)]
    variants["dx_t"] += [(U.T @ delta, "dx_t and dy_prev are swapped: return (dW, dU, db, "
                          "dx_t, dy_prev) in this order, dx_t = W.T @ delta and dy_prev = "
                          "U.T @ delta")]
    variants["dU"] += [
        (np.outer(y_prev, delta), "dU is transposed: it is np.outer(delta, y_prev)"),
        (np.outer(delta, y_t), "dU pairs delta with y_t; this step multiplied U by y_prev, so "
         "dU is np.outer(delta, y_prev) (off by one step)"),
    ]
    if W.shape[0] == W.shape[1]:  # W @ delta has the right shape only for a square W
        variants["dx_t"] += [(W @ delta, "dx_t uses W instead of W.T: the gradient flows "
                              "back through the transpose, W.T @ delta")]
    variants["dy_prev"] += [
        (U @ delta, "dy_prev uses U instead of U.T: the gradient flows back through the "
         "transpose, U.T @ delta"),
        (U.T @ (delta * (1 - y_prev**2)), "dy_prev already includes the tanh derivative of "
         "the previous step (1 - y_prev ** 2); that factor belongs to the previous step's "
         "backward pass, so return U.T @ delta"),
        (U.T @ g_t, "dy_prev " + no_tanh),
    ]
    return variants


@exercise("ex-bptt-step", reference=("lessons_lib.bptt.backward",))
def check_bptt_step(step_backward: Any) -> str:
    """``step_backward(x_t, y_prev, y_t, g_t, W, U)``: dW, dU, db, dx_t, dy_prev of one step,
    tried on two layers (one with a square W); names the usual slips (no tanh derivative, y_t
    or 1 - y_t in its place, transposes forgotten, y_t paired with dU, the previous step's
    tanh derivative applied to dy_prev)."""
    names = ("dW", "dU", "db", "dx_t", "dy_prev")
    for seed, features, units in ((8, 4, 4), (9, 3, 5)):
        rng = np.random.default_rng(seed)
        W, U = rng.normal(size=(units, features)), rng.normal(size=(units, units))
        x_t, y_prev = rng.normal(size=features), np.tanh(rng.normal(size=units))
        g_t = rng.normal(size=units)
        y_t = np.tanh(W @ x_t + U @ y_prev + rng.normal(scale=0.5, size=units))
        variants = _step_variants(x_t, y_prev, y_t, g_t, W, U)
        got = call_student(step_backward, x_t.copy(), y_prev.copy(), y_t.copy(), g_t.copy(),
                           W.copy(), U.copy())
        if not isinstance(got, (tuple, list)) or len(got) != 5:
            raise ExerciseFailed("expected a tuple of five arrays (dW, dU, db, dx_t, dy_prev), "
                                 f"got {got!r:.80}")
        for name, value in zip(names, got, strict=True):
            (want, _), *slips = variants[name]
            try:
                array = np.asarray(expect_answer(value), dtype=float)
            except (TypeError, ValueError) as exc:
                raise ExerciseFailed(f"expected {name} to be an array of numbers, got "
                                     f"{value!r:.60}") from exc
            if array.ndim == 2 and array.shape != want.shape and array.shape == want.shape[::-1]:
                raise ExerciseFailed(f"{name} is transposed: expected shape {want.shape}, got "
                                     f"{array.shape}")
            for slip, why in slips:
                if array.shape == slip.shape and np.allclose(array, slip) \
                        and not np.allclose(slip, want):
                    raise ExerciseFailed(why)
            expect_close(value, want, f"{name} (layer with {units} units on {features} inputs)")
    return "all five gradients of one step are right, for two layers"


@exercise("ex-bptt-decay")
def check_bptt_decay(decay: Any) -> str:
    """``decay``: for the chapter's probe layer and gap-60 sequence, with U rescaled to spectral
    norms 0.5, 0.9 and 1.1, the average factor per step by which the gradient norm shrinks from
    the last output back to the first, (||dL/dy_0|| / ||dL/dy_{T-1}||) ** (1 / (T - 1))."""
    from lessons_lib import bptt, memory_task
    from lessons_lib.numpy_rnn import SimpleRNN

    norms_wanted = (0.5, 0.9, 1.1)
    decay = expect_answer(decay)
    if not isinstance(decay, dict):
        raise ExerciseFailed(f"expected a dict {{0.5: ..., 0.9: ..., 1.1: ...}}, got "
                             f"{type(decay).__name__}")
    if any(isinstance(k, bool) or not isinstance(k, numbers.Real) for k in decay):
        raise ExerciseFailed(f"expected the keys to be the spectral norms as numbers, 0.5, 0.9 "
                             f"and 1.1 (not strings such as '0.5'), got {list(decay)!r:.80}")
    try:
        got = {float(k): float(v) for k, v in decay.items()}
    except (TypeError, ValueError) as exc:
        raise ExerciseFailed(f"expected numbers as keys and values, got {decay!r:.80}") from exc
    if set(got) != set(norms_wanted):
        raise ExerciseFailed(f"expected the keys {list(norms_wanted)} (the spectral norms), "
                             f"got {sorted(got)}")
    if any(v is None or not np.isfinite(v) for v in got.values()):
        raise ExerciseFailed(f"expected finite numbers, got {got}")
    sequence, _ = memory_task.recall_task(1, gap=60, seed=0)
    probe = SimpleRNN(input_features=2, output_features=32, seed=0)
    base_U = probe.U.copy()
    measured = {}
    for s in (*norms_wanted, 1.0):
        probe.U = bptt.with_spectral_norm(base_U, s)
        measured[s] = bptt.state_gradient_norms(probe, sequence[0])
    steps = len(measured[1.0]) - 1

    def each(f: Any) -> dict[float, float]:
        return {s: float(f(measured[s], s)) for s in norms_wanted}

    right = each(lambda g, s: (g[0] / g[-1]) ** (1 / steps))
    unscaled = float((measured[1.0][0] / measured[1.0][-1]) ** (1 / steps))
    slips = [
        (each(lambda g, s: (g[-1] / g[0]) ** (1 / steps)), "upside down: that is the growth "
         "per step, last / first; the decay is first / last, below 1 when the gradient fades"),
        (each(lambda g, s: g[-51]), "that is the gradient norm 50 steps back, as in the "
         "chapter's printout, not a factor per step: take its (T - 1)-th root over the whole "
         "sequence"),
        (each(lambda g, s: g[0]), "that is the gradient norm at the first step, not a factor "
         "per step: take its (T - 1)-th root"),
        (each(lambda g, s: (g[0] / g[-1]) ** (1 / (steps + 1))), "off by one: a sequence of T "
         "steps has T - 1 steps between the last output and the first, so the root is the "
         "(T - 1)-th"),
        (each(lambda g, s: (g[1] / g[-1]) ** (1 / (steps - 1))), "off by one: the first output "
         "is y_0, at index 0 of the gradient norms"),
        (each(lambda g, s: np.mean(g[:-1] / g[1:])), "that is the arithmetic mean of the "
         "step-to-step ratios; the average factor of a product is the geometric mean, "
         "(first / last) ** (1 / (T - 1))"),
        (dict.fromkeys(norms_wanted, unscaled),
         "the three factors are all the one for U as initialised (spectral norm 1): rescale U "
         "to each spectral norm before measuring"),
        ({s: s for s in norms_wanted}, "those are the spectral norms themselves, the bound; "
         "measure the factor with bptt.state_gradient_norms"),
    ]
    for slip, why in slips:
        if all(np.isclose(got[s], slip[s], rtol=1e-6) for s in norms_wanted) and \
                not all(np.isclose(slip[s], right[s], rtol=1e-6) for s in norms_wanted):
            raise ExerciseFailed(why)
    for s in norms_wanted:
        if not np.isclose(got[s], right[s], rtol=1e-6, atol=1e-12):
            raise ExerciseFailed(f"the decay per step for spectral norm {s}: expected "
                                 f"{right[s]:.6g}, got {got[s]:.6g}")
    return ("decay per step " + ", ".join(f"{right[s]:.3f} at ||U|| = {s}" for s in norms_wanted)
            + ": each below its bound ||U||")
