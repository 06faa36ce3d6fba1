"""The checks of chapter 6's exercises (lessons_lib.exercises.ch06_training)."""

from __future__ import annotations

import numpy as np


def test_best_epoch(verdicts):
    verdicts("ex-best-epoch", lambda h: int(np.argmin(h["val_loss"])) + 1, [
        (lambda h: int(np.argmin(h["val_loss"])), "count from 1"),
        (lambda h: int(np.argmin(h["loss"])) + 1, "training"),
    ])


def test_discordant(verdicts):
    def right(a, b):
        return int(np.sum(a & ~b)), int(np.sum(~a & b))

    verdicts("ex-discordant", right, [
        (lambda a, b: right(b, a), "wrong way round"),
        (lambda a, b: (int(np.sum(a)), int(np.sum(b))), "exactly one model is right"),
    ])
