"""A sequence task that only a network with memory can solve: recall the first sign.

Every sequence has ``gap + 1`` steps and two input features. Feature 0 is a random sign
(``-1`` or ``+1``) at every step; feature 1 is a marker, ``1`` at the first step and ``0`` after.
The label is the sign at the marked first step (``1`` for ``+1``, ``0`` for ``-1``), and it is
asked for at the *last* step, ``gap`` steps later. The signs after the first are distractors:
they look exactly like the one to remember, so a model can only answer if it carries that one
bit through ``gap`` steps of noise. Guessing gives an accuracy of 0.5.
"""

from __future__ import annotations

import numpy as np

FEATURES = 2


def recall_task(n: int, gap: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` sequences of the recall task with the given ``gap``.

    Returns ``(inputs, labels)``: ``inputs`` of shape ``(n, gap + 1, 2)`` (float32, to feed
    Keras as is) and ``labels`` of shape ``(n,)`` (int, 0 or 1). Seeded, so the same arguments
    give the same data.
    """
    for name, value in (("n", n), ("gap", gap)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    rng = np.random.default_rng(seed)
    inputs = np.zeros((n, gap + 1, FEATURES), dtype=np.float32)
    inputs[:, :, 0] = rng.choice([-1.0, 1.0], size=(n, gap + 1))
    inputs[:, 0, 1] = 1.0
    labels = (inputs[:, 0, 0] > 0).astype(np.int64)
    return inputs, labels


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The share of sequences whose predicted probability of label 1 is on the right side of
    0.5."""
    p = np.asarray(probabilities).reshape(-1)
    y = np.asarray(labels).reshape(-1)
    if p.shape != y.shape:
        raise ValueError(f"expected one probability per label ({y.shape[0]}), got {p.shape[0]}")
    return float(np.mean((p > 0.5) == (y == 1)))
