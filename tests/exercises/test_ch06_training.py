"""The checks of chapter 6's exercises (lessons_lib.exercises.ch06_training)."""

from __future__ import annotations

import numpy as np

from lessons_lib.exercises import run_check


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
        (lambda h: int(np.argmin(h["loss"])) + 1, "lowest *training* loss"),
        (lambda h: int(np.argmax(h["val_accuracy"])) + 1, "validation *accuracy*"),
        (first_rise, "first rises"),
        (last_of_ties, "keeps the first"),
        (lambda h: len(h["val_loss"]), "the last epoch, not the best"),
        (lambda h: 3, "returned 3 for every input"),  # the chapter's SimpleRNN, hard-coded
        (lambda h: int(np.argmax(h["val_loss"])) + 1, "*highest* validation loss"),
        (lambda h: int(np.argmin(h["val_loss"])) + 2, "one epoch too late"),
        (lambda h: float(np.argmin(h["val_loss"])) + 0.5, "a whole epoch number"),
        (lambda h: str(int(np.argmin(h["val_loss"])) + 1), "a whole epoch number"),
    ])
    verdicts("ex-best-epoch", as_list_index, [])
    verdicts("ex-best-epoch", lambda h: np.argmin(h["val_loss"]) + 1, [])  # a numpy int
    verdicts("ex-best-epoch", lambda h: float(np.argmin(h["val_loss"]) + 1), [])


def test_discordant(verdicts):
    def right(a, b):
        return int(np.sum(a & ~b)), int(np.sum(~a & b))

    verdicts("ex-discordant", right, [
        (lambda a, b: right(b, a), "wrong way round"),
        (lambda a, b: (int(np.sum(a)), int(np.sum(b))), "each model's total"),
        (lambda a, b: (int(np.sum(a & b)), int(np.sum(~a & ~b))), "two models agree"),
        (lambda a, b: (int(np.sum(a != b)), 0), "split it by which model"),
        (lambda a, b: (int(np.sum(a & ~b)), int(np.sum(a != b))), "every disagreement"),
        (lambda a, b: (float(np.mean(a & ~b)), float(np.mean(~a & b))), "shares"),
        (lambda a, b: int(np.sum(a != b)), "a pair of ints"),
        (lambda a, b: (88, 93), "for every input"),  # the first case's answer, hard-coded
        (lambda a, b: (int(np.sum(a & ~b)), int(np.sum(~a & b)), len(a)), "3 values"),
        (lambda a, b: (int((a != b).sum()), int((a != b).sum())), "both numbers count every"),
        (lambda a, b: (int(a.sum() - b.sum()), int(b.sum() - a.sum())),
         "differences of the two totals"),
    ])
    verdicts("ex-discordant", lambda a, b: (int((a & ~b).sum()), int((b & ~a).sum())), [])
    verdicts("ex-discordant", lambda a, b: [np.sum(a & ~b), np.sum(~a & b)], [])  # numpy ints
    verdicts("ex-discordant", lambda a, b: np.array([np.sum(a > b), np.sum(a < b)]), [])
    verdicts("ex-discordant",
             lambda a, b: (float(np.count_nonzero(a & ~b)), float(np.count_nonzero(b & ~a))), [])


def test_early_stopping(verdicts):
    def gain(h):
        best = int(np.argmin(h["val_loss"]))
        return 100 * (h["val_accuracy"][best] - h["val_accuracy"][-1])

    def at(h, index):
        return 100 * (h["val_accuracy"][index] - h["val_accuracy"][-1])

    def last_of_ties(h):
        v = list(h["val_loss"])
        return at(h, len(v) - 1 - v[::-1].index(min(v)))

    def pure_python(h):  # right, without numpy, as an int-free float
        v = h["val_loss"]
        best = v.index(min(v))
        return (h["val_accuracy"][best] - h["val_accuracy"][-1]) * 100

    verdicts("ex-early-stopping", gain, [
        (lambda h: gain(h) / 100, "percentage points"),
        (lambda h: -gain(h), "wrong way round"),
        (lambda h: at(h, int(np.argmin(h["val_loss"])) + 1), "0-based index"),
        (lambda h: at(h, int(np.argmax(h["val_accuracy"]))), "highest validation accuracy"),
        (last_of_ties, "keeps the first"),
        (lambda h: 100 * (h["accuracy"][int(np.argmin(h["val_loss"]))] - h["accuracy"][-1]),
         "*training* accuracies"),
        (lambda h: at(h, int(np.argmin(h["loss"]))), "lowest *training* loss"),
        (lambda h: 100 * (h["val_accuracy"][int(np.argmin(h["val_loss"]))]
                          - h["val_accuracy"][0]), "compared with the first epoch"),
        (lambda h: 0.0, "for every input"),
        (lambda h: 100 * (max(h["val_accuracy"]) - min(h["val_accuracy"])), "in points"),
        (lambda h: f"{gain(h):.2f}", "a number"),
        (lambda h: abs(gain(h)), "absolute value"),  # a history has a negative gain
        (lambda h: at(h, min(int(np.argmin(h["val_loss"])) + 1, len(h["val_loss"]) - 1)),
         "0-based index"),  # best epoch + 1 as an index, kept inside the list
        (lambda h: int(round(gain(h))), "rounded to whole points"),
        (lambda h: 100 * (h["val_accuracy"][int(np.argmin(h["val_loss"]))]
                          / h["val_accuracy"][-1] - 1), "relative change"),
    ])
    verdicts("ex-early-stopping", pure_python, [])
    verdicts("ex-early-stopping", lambda h: np.float32(gain(h)), [])


def test_early_stopping_off_by_one_that_runs_off_the_end():
    def one_late(h):  # best_epoch counted from 1, then used as an index: no such epoch
        best = int(np.argmin(h["val_loss"])) + 1
        return 100 * (h["val_accuracy"][best] - h["val_accuracy"][-1])

    verdict = run_check("ex-early-stopping", one_late)
    assert verdict["status"] == "failed"
    assert "0-based index" in verdict["feedback"], verdict
