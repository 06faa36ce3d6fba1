"""The checks of chapter 6's exercises (lessons_lib.exercises.ch06_training)."""

from __future__ import annotations

import numpy as np


def test_best_epoch(verdicts):
    def first_rise(h):
        v = h["val_loss"]
        return next((i for i in range(1, len(v)) if v[i] > v[i - 1]), len(v))

    def last_of_ties(h):
        v = list(h["val_loss"])
        return len(v) - v[::-1].index(min(v))

    def as_list_index(h):  # right, written without numpy
        return h["val_loss"].index(min(h["val_loss"])) + 1

    verdicts("ex-best-epoch", lambda h: int(np.argmin(h["val_loss"])) + 1, [
        (lambda h: int(np.argmin(h["val_loss"])), "count from 1"),
        (lambda h: int(np.argmin(h["loss"])) + 1, "training"),
        (first_rise, "first rises"),
        (last_of_ties, "keeps the first"),
        (lambda h: len(h["val_loss"]), "expected epoch"),
        (lambda h: int(np.argmax(h["val_loss"])) + 1, "expected epoch"),
    ])
    verdicts("ex-best-epoch", as_list_index, [])


def test_discordant(verdicts):
    def right(a, b):
        return int(np.sum(a & ~b)), int(np.sum(~a & b))

    verdicts("ex-discordant", right, [
        (lambda a, b: right(b, a), "wrong way round"),
        (lambda a, b: (int(np.sum(a)), int(np.sum(b))), "exactly one model is right"),
        (lambda a, b: (int(np.sum(a & b)), int(np.sum(~a & ~b))), "exactly one model is right"),
        (lambda a, b: (int(np.sum(a != b)), 0), "exactly one model is right"),
        (lambda a, b: int(np.sum(a != b)), "a pair of ints"),
    ])
    verdicts("ex-discordant", lambda a, b: (int((a & ~b).sum()), int((b & ~a).sum())), [])
