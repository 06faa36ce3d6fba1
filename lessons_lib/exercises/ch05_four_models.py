"""Chapter 5's exercise checks, in the order of ``book/05_four_models.ipynb``."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from lessons_lib.exercises import ExerciseFailed, call_student, exercise, expect_answer


def _as_count(value: Any, what: str) -> float:
    """A count as a number (an int, a float such as 6272.0 or a numpy int), else feedback."""
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        raise ExerciseFailed(f"{what}: expected a number, got {value!r}")
    return float(value)


def _compare_on_cases(func: Callable[..., Any], cases: list[tuple], right: Callable[..., int],
                      slips: list[tuple[Callable[..., float], str]], name: str) -> None:
    """Run ``func`` on every case; when it is wrong, name the slip it matches on all cases.

    A slip is a wrong formula and the mistake it reveals; matching every case (not one)
    keeps two slips that agree on one size from being confused.
    """
    got = [_as_count(call_student(func, *case), f"{name}{case}") for case in cases]
    expected = [right(*case) for case in cases]
    if got == expected:
        return
    mistake = next((why for slip, why in slips
                    if got == [slip(*case) for case in cases]), "")
    k = next(n for n, (g, e) in enumerate(zip(got, expected, strict=True)) if g != e)
    shown = int(got[k]) if float(got[k]).is_integer() else got[k]
    raise ExerciseFailed(f"{name}{cases[k]}: expected {expected[k]}, got {shown}."
                         + (f" {mistake}" if mistake else ""))


def _lstm(i: int, u: int) -> int:
    """The weights of a Keras LSTM(u) reading vectors of i numbers."""
    return 4 * (i * u + u * u + u)


def _largest_units(weights: Callable[[int], float], budget: int, strict: bool = False) -> int:
    """The most units whose ``weights(units)`` stay within ``budget`` (below it if strict)."""
    units = 0
    while (weights(units + 1) < budget) if strict else (weights(units + 1) <= budget):
        units += 1
    return units


def _lstm_units(i: int, budget: int) -> int:
    """The largest Keras LSTM reading vectors of i numbers with at most ``budget`` weights."""
    return _largest_units(lambda u: _lstm(i, u), budget)


def _root(i: int, budget: int) -> float:
    """Where 4 (i u + u^2 + u) = budget: the real root of the quadratic, not rounded."""
    return (-(i + 1) + ((i + 1) ** 2 + budget) ** 0.5) / 2


@exercise("ex-lstm-params")
def check_lstm_params(func: Callable[[int, int], int]) -> str:
    """The student's ``lstm_units_for_budget(input_dim, budget)``: the largest number of units
    of a Keras LSTM reading ``input_dim`` numbers with at most ``budget`` weights (four blocks
    of W, U and b), on eight sizes, input and budget both varied, two of them filled exactly."""
    cases = [(16, 3_648), (16, 6_272), (8, 100), (100, 50_000), (3, 1_000), (1, 12),
             (16, 6_150), (1, 46)]
    slips = [
        (lambda i, b: _lstm_units(i, b) + 1, "One unit too many: that LSTM has more than "
                                             "budget weights; give the largest that fits."),
        (lambda i, b: _largest_units(lambda u: _lstm(i, u), b, strict=True),
         "A layer with exactly budget weights fits too: 'at most' includes equality."),
        (lambda i, b: _largest_units(lambda u: i * u + u * u + u, b),
         "That fits a SimpleRNN into the budget; an LSTM has four such blocks (input, forget "
         "and output gates and the candidate)."),
        (lambda i, b: _largest_units(lambda u: 4 * (i * u + u * u), b),
         "You forgot the biases: each of the four blocks has one per unit."),
        (lambda i, b: _largest_units(lambda u: 4 * (i * u + u), b),
         "You forgot the recurrent weights U, units x units per block."),
        (lambda i, b: _largest_units(lambda u: 4 * (i * u + u * u) + u, b),
         "That counts one bias vector for the whole layer; each of the four blocks has its "
         "own, one number per unit."),
        (lambda i, b: 32, "That is the page's LSTM (32 units) whatever the arguments: compute "
                          "it from input_dim and budget."),
        (lambda i, b: _lstm(i, _lstm_units(i, b)), "That is the number of weights of the "
                                                   "largest LSTM that fits; return its "
                                                   "number of units."),
        (_root, "Units are a whole number: round the root of the quadratic down."),
        (lambda i, b: round(_root(i, b)), "Round down, not to the nearest: the nearest may "
                                          "have more than budget weights."),
    ]
    _compare_on_cases(func, cases, _lstm_units, slips, "lstm_units_for_budget")
    return (f"right: the largest u with 4 x (input_dim x u + u x u + u) <= budget, e.g. "
            f"{_lstm_units(16, 3_648)} units for the 3,648 weights of the two SimpleRNN layers")


def _steps(n: int) -> int:
    """Steps left after Conv1D(7), MaxPooling1D(5) and Conv1D(7), no padding."""
    return (n - 6) // 5 - 6


@exercise("ex-cnn-steps")
def check_cnn_steps(func: Callable[[int], int]) -> str:
    """The student's ``steps_after_convolutions(input_length)`` for the convnet's layers,
    on lengths from the shortest possible (41) to 250, so that rounding and off-by-one slips
    show."""
    cases = [(100,), (41,), (60,), (250,), (99,), (137,)]
    slips = [
        (lambda n: 12, "That is the answer for 100 words only: compute it from "
                       "input_length."),
        (lambda n: (n - 7) // 5 - 7, "Off by one: a window of 7 fits at L - 7 + 1 positions, "
                                     "not L - 7."),
        (lambda n: n - 12, "You forgot the pooling: MaxPooling1D(5) keeps one step of every "
                           "5."),
        (lambda n: (n - 6 - 5 + 1) - 6, "You slid the pooling window one step at a time; "
                                        "MaxPooling1D(5) moves 5 steps at a time (its stride is "
                                        "its size)."),
        (lambda n: n // 5 - 6 - 6, "You pooled before the first convolution: the layers "
                                   "run Conv1D(7), then MaxPooling1D(5), then Conv1D(7)."),
        (lambda n: (n - 6) // 5, "You forgot the second convolution, which takes 6 more "
                                 "steps."),
        (lambda n: n // 5, "That assumes 'same' padding; the convolutions have none "
                           "('valid'), so each loses 6 steps."),
        (lambda n: -(-(n - 6) // 5) - 6, "Pooling rounds down: the last incomplete window "
                                         "of fewer than 5 steps is dropped."),
        (lambda n: round((n - 6) / 5) - 6, "Pooling rounds down, not to the nearest: the last "
                                           "incomplete window is dropped."),
        (lambda n: (n - 6) / 5 - 6, "Pooling leaves a whole number of steps: round down "
                                    "(// 5), the last incomplete window is dropped."),
    ]
    _compare_on_cases(func, cases, _steps, slips, "steps_after_convolutions")
    return "right: 100 words leave 94, then 18, then 12 steps before the global max pooling"


MODEL_NAMES = ("feed_forward", "simple_rnn", "simple_lstm", "simple_cnn")


def _shares_by_name(answer: Any) -> dict[str, float]:
    """The student's shares by model name: a dict by name or by title, or four in order."""
    from lessons_lib.models import TITLES

    by_title = {title: name for name, title in TITLES.items()}
    if isinstance(answer, Mapping):
        shares = {by_title.get(key, key): value for key, value in answer.items()}
    elif isinstance(answer, (list, tuple, np.ndarray)) and len(answer) == len(MODEL_NAMES):
        shares = dict(zip(MODEL_NAMES, answer, strict=True))
    else:
        raise ExerciseFailed(f"expected a dict from model name to share, such as "
                             f"{{'feed_forward': 0.9, ...}}, got {answer!r}")
    missing = [name for name in MODEL_NAMES if name not in shares]
    if missing:
        raise ExerciseFailed(f"expected one share for each of the four models "
                             f"{list(MODEL_NAMES)}; missing {missing}")
    return {name: _as_count(shares[name], f"the share of {name}") for name in MODEL_NAMES}


@exercise("ex-embedding-share")
def check_embedding_share(shares: Any) -> str:
    """``embedding_share``: for each of the four models built with ``vocab_size=10_000``, the
    fraction of its weights in the embedding table (to three decimals)."""
    from lessons_lib.models import OUTPUT_DIM, expected_parameter_count

    got = _shares_by_name(expect_answer(shares))
    vocab, small = 10_000, 1_000

    def table(v: int) -> int:
        return v * OUTPUT_DIM

    expected = {n: table(vocab) / expected_parameter_count(n, vocab_size=vocab)
                for n in MODEL_NAMES}
    slips = [
        ({n: table(small) / expected_parameter_count(n) for n in MODEL_NAMES},
         "Those are the shares at the chapter's 1,000 words: build the models with "
         "vocab_size=10_000."),
        ({n: 1 - share for n, share in expected.items()},
         "That is the share *outside* the embedding: give the embedding's share."),
        ({n: 100 * share for n, share in expected.items()},
         "Give a fraction between 0 and 1, not a percentage."),
        ({n: float(table(vocab)) for n in MODEL_NAMES},
         "That is the number of embedding weights: divide it by the model's total."),
        ({n: table(vocab) / expected_parameter_count(n) for n in MODEL_NAMES},
         "You divided the large table by the total of a model with 1,000 words: build each "
         "model with vocab_size=10_000 and count both in the same model."),
        ({n: (table(vocab) - table(small)) / (expected_parameter_count(n, vocab_size=vocab)
                                              - expected_parameter_count(n))
          for n in MODEL_NAMES},
         "That is the share of the *growth* that is embedding (all of it): give the "
         "embedding's share of each model's weights."),
    ]
    for name in MODEL_NAMES:
        if abs(got[name] - expected[name]) <= 1e-3:
            continue
        hint = next((why for wrong, why in slips
                     if all(abs(got[n] - wrong[n]) <= 1e-3 for n in MODEL_NAMES)), "")
        raise ExerciseFailed(f"the share of {name}: expected {expected[name]:.3f}, got "
                             f"{got[name]:.4g}." + (f" {hint}" if hint else ""))
    lowest = min(expected, key=expected.get)
    return (f"right: with 10,000 words the embedding holds from {expected[lowest]:.1%} "
            f"({lowest}) to {max(expected.values()):.1%} of the weights")
