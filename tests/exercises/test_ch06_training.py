"""The checks of chapter 6's exercises (lessons_lib.exercises.ch06_training)."""

from __future__ import annotations

import numpy as np

from lessons_lib.exercises import run_check


def test_best_epoch_check_passes_fails_and_spots_stubs():
    def right(history):
        return int(np.argmin(history["val_loss"])) + 1

    def zero_based(history):
        return int(np.argmin(history["val_loss"]))

    def training_loss(history):
        return int(np.argmin(history["loss"])) + 1

    assert run_check("ex-best-epoch", right)["status"] == "passed"
    assert "count from 1" in run_check("ex-best-epoch", zero_based)["feedback"]
    assert "training" in run_check("ex-best-epoch", training_loss)["feedback"]
    assert run_check("ex-best-epoch", None)["status"] == "not attempted"


def test_discordant_check_passes_fails_and_spots_stubs():
    def right(a, b):
        return int(np.sum(a & ~b)), int(np.sum(~a & b))

    def swapped(a, b):
        return right(b, a)

    def stub(a, b):
        raise NotImplementedError

    assert run_check("ex-discordant", right)["status"] == "passed"
    verdict = run_check("ex-discordant", swapped)
    assert verdict["status"] == "failed" and "wrong way round" in verdict["feedback"]
    assert run_check("ex-discordant", stub)["status"] == "not attempted"
