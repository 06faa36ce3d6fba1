"""Chapter 10's exercise checks, in the order of ``book/10_stronger_classifier.ipynb``."""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from lessons_lib.exercises import (
    ExerciseFailed,
    exercise,
    expect_answer,
    expect_equal,
    returned,
)
from lessons_lib.exercises import shown as shown_value


def gru_weights(embed_dim: int, units: int, blocks: int = 3, biases: int = 2) -> int:
    """One GRU: ``blocks`` weight blocks, each an input matrix, a recurrent matrix and
    ``biases`` bias vectors (Keras's ``reset_after=True`` has two)."""
    return blocks * (units * embed_dim + units * units + biases * units)


def bigru_parameter_count(vocab_size: int, embed_dim: int, units: int) -> int:
    """Embedding + Bidirectional(GRU(units)) (reset_after=True) + Dense(1), counted by hand."""
    return vocab_size * embed_dim + 2 * gru_weights(embed_dim, units) + 2 * units + 1


def _bigru_mistakes(vocab: int, embed: int, units: int) -> dict[int, str]:
    """The counts that the usual slips give, each with the slip it reveals."""
    right = bigru_parameter_count(vocab, embed, units)
    gru = gru_weights(embed, units)
    mistakes = {
        right - gru: "Bidirectional holds two GRUs, one per direction: count the GRU twice.",
        right - gru - units:
            "Bidirectional holds two GRUs, one per direction, and concatenates their states: "
            "count the GRU twice, and give Dense(1) 2 * units inputs.",
        right + embed: "The Embedding has vocab_size x embed_dim weights: vocab_size already "
                       "counts every id, padding 0 included, so there is no extra row.",
        right - 2 * gru + 2 * gru_weights(embed, units, biases=1):
            "Keras's GRU has two bias vectors per block (reset_after=True): the recurrent "
            "bias is missing.",
        right - 2 * gru + 2 * gru_weights(embed, units, blocks=4):
            "A GRU has three blocks (update gate, reset gate, candidate); four is the LSTM.",
        right - 2 * gru + 2 * gru_weights(embed, units, blocks=2):
            "The candidate has its own input matrix, recurrent matrix and biases, like the two "
            "gates: a GRU has three blocks.",
        bigru_parameter_count(vocab, units, embed):
            "The sizes embed_dim and units are swapped: the embedding has vocab_size x "
            "embed_dim weights and the recurrent matrix units x units.",
        right - units: "Dense(1) reads both directions' states, concatenated: 2 * units "
                       "inputs, plus its bias.",
        right - 1: "Dense(1) has a bias too.",
        right - vocab * embed: "The Embedding's vocab_size x embed_dim weights are trainable "
                               "weights too.",
        bigru_parameter_count(10000, 32, 32):
            "That is the count of the chapter's model; the function must count any sizes.",
    }
    mistakes.pop(right, None)  # a slip that happens to give the right count is no slip here
    return mistakes


@exercise("ex-count-bigru")
def check_count_bigru(bigru_parameters: Any) -> str:
    """``bigru_parameters(vocab_size, embed_dim, units)``: Embedding, Bidirectional GRU, Dense."""
    for vocab, embed, units in ((1000, 16, 8), (50, 3, 5), (300, 7, 11), (10000, 32, 32)):
        expected = bigru_parameter_count(vocab, embed, units)
        got = returned(bigru_parameters, vocab, embed, units)
        if isinstance(got, numbers.Real) and not isinstance(got, bool) \
                and float(got).is_integer():
            got = int(got)
        expect_equal(got, expected, f"bigru_parameters({vocab}, {embed}, {units})",
                     _bigru_mistakes(vocab, embed, units))
    return "embedding, two GRUs (two biases per block), output layer"


def length_for_share_reference(lengths: Any, share: float) -> int:
    """The smallest ``max_len`` at which at least ``share`` of the reviews fit whole, a review
    of ``n`` words taking ``n + 1`` slots (its start marker first)."""
    ordered = np.sort(np.asarray(lengths))
    # How many reviews must fit; the small tolerance keeps a product such as 0.7 * 10, which
    # floating point gives as 7.000000000000001, from counting one review too many.
    needed = max(int(np.ceil(share * len(ordered) - 1e-9)), 1)
    return int(ordered[needed - 1]) + 1


def _cut_length_cases() -> list[tuple[np.ndarray, float]]:
    """Lengths and shares, varied so that no constant and no rounding slip fits them all."""
    rng = np.random.default_rng(1010)
    return [(np.array([5, 1, 3, 2, 4]), 0.6), (np.array([7, 7, 7]), 0.5),
            (np.array([10, 20, 30, 40]), 1.0), (np.array([12, 40, 25, 33, 18, 60, 51]), 0.6),
            (np.array([30, 10, 40, 20]), 0.5),
            (rng.integers(10, 1000, size=501), 0.9), (rng.integers(30, 300, size=250), 0.75)]


def _cut_length_slips(lengths: np.ndarray, share: float) -> list[tuple[int, str]]:
    """What the usual slips give for these lengths and share, each with the slip it reveals."""
    ordered = np.sort(lengths)
    right = length_for_share_reference(lengths, share)
    needed = max(int(np.ceil(share * len(ordered) - 1e-9)), 1)
    linear = np.percentile(lengths, 100 * share)
    interpolates = ("The np.percentile function interpolates between two lengths: count the "
                    "reviews that fit.")
    slips = [
        (right - 1, "A review of n words needs max_len = n + 1: the start marker takes one "
                    "slot, as chapter 10 counts it."),
        (length_for_share_reference(lengths, 1 - share),
         "That keeps 1 - share of the reviews whole: share is the fraction that must fit."),
        (int(ordered[min(needed, len(ordered) - 1)]) + 1,
         "Off by one review: that length keeps more reviews whole than needed; the smallest "
         "max_len is set by review number ceil(share * n) in sorted order (counting from 1)."),
        (int(ordered[max(needed - 2, 0)]) + 1,
         "Off by one review: one review fewer than the share fits whole."),
        (int(np.floor(np.percentile(lengths, share))) + 1,
         "Share is a fraction (0.9 means 90 %), not a percentile in 0-100."),
        (int(np.floor(np.percentile(lengths, share))),
         "Share is a fraction (0.9 means 90 %), not a percentile in 0-100."),
        (300, "300 is the chapter's cut, not the answer for these lengths: compute it from "
              "lengths and share."),
    ]
    if not float(linear).is_integer():
        slips += [(int(np.floor(linear)) + 1, interpolates), (int(np.ceil(linear)) + 1,
                                                               interpolates),
                  (int(np.floor(linear)), interpolates), (int(np.ceil(linear)), interpolates)]
    return [(value, why) for value, why in slips if value != right]


def _slip_for(failures: list[tuple[np.ndarray, float, int]]) -> str:
    """The slip that explains every failed case, else one that explains the first, else ""."""
    matches = [{why for value, why in _cut_length_slips(lengths, share) if value == got}
               for lengths, share, got in failures]
    everywhere = set.intersection(*matches)
    chosen = everywhere or matches[0]
    order = [why for _, why in _cut_length_slips(*failures[0][:2])]
    return next((why for why in order if why in chosen), "")


@exercise("ex-cut-length")
def check_cut_length(length_for_share: Any) -> str:
    """``length_for_share(lengths, share)``: least max_len keeping share whole, marker counted."""
    failures = []
    for lengths, share in _cut_length_cases():
        expected = length_for_share_reference(lengths, share)
        got = returned(length_for_share, lengths.copy(), share)
        if isinstance(got, (float, np.floating)) and float(got).is_integer():
            got = int(got)
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            shown = lengths.tolist() if lengths.size <= 8 else f"{lengths.size} lengths"
            interpolated = isinstance(got, (float, np.floating)) and any(
                np.isclose(float(got) - offset,
                           np.percentile(lengths, 100 * share, method=method))
                for method in ("linear", "midpoint") for offset in (0, 1))
            raise ExerciseFailed(
                f"for {shown} and share={share} expected an int max_len such as {expected}, "
                f"got {shown_value(got)!r}"
                + (". np.percentile (or np.quantile) interpolates between two lengths, so its "
                   "answer need not be any review's length: sort the lengths and count the "
                   "reviews that fit" if interpolated else ""))
        if got != expected:
            failures.append((lengths, share, int(got)))
    if not failures:
        return "the smallest cut keeping the share whole, marker counted"
    lengths, share, got = failures[0]
    shown = lengths.tolist() if lengths.size <= 8 else f"{lengths.size} lengths"
    fit = float(np.mean(lengths + 1 <= got))
    verdict = "too short" if fit < share else "not the smallest: one less keeps the share too"
    why = _slip_for(failures)
    raise ExerciseFailed(f"for {shown} and share={share} expected max_len "
                         f"{length_for_share_reference(lengths, share)}, got {got}, which "
                         f"keeps {100 * fit:.1f} % whole ({verdict})."
                         + (f" {why}" if why else ""))


def accuracy_by_cut_reference(correct: Any, lengths: Any, max_len: int) -> tuple[float, ...]:
    """The share of reviews the cut shortens (``n + 1 > max_len``, the start marker counted)
    and the accuracy on those and on the others."""
    correct = np.asarray(correct, dtype=bool)
    cut = np.asarray(lengths) + 1 > max_len
    with np.errstate(all="ignore"), warnings.catch_warnings():  # an empty group: nan
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.mean(cut)), float(np.mean(correct[cut])), float(np.mean(correct[~cut]))


def _same(a: Any, b: Any) -> bool:
    """Equal to rounding, nan (an empty group) equal to nan."""
    return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), atol=1e-9,
                            equal_nan=True))


def _cut_accuracy_cases() -> list[tuple[np.ndarray, np.ndarray, int]]:
    """Verdicts, lengths and cuts with both groups present, the groups' accuracies apart, and
    reviews exactly at the cut (so the start marker matters)."""
    rng = np.random.default_rng(2024)
    cases = []
    for n, max_len, p_long, p_short in ((40, 17, 0.4, 0.9), (300, 120, 0.85, 0.6),
                                        (1000, 200, 0.7, 0.95)):
        lengths = rng.integers(max_len // 3, 3 * max_len, size=n)
        lengths[:3] = (max_len - 1, max_len, max_len + 1)  # around the edge of the cut
        cut = lengths + 1 > max_len
        correct = np.where(cut, rng.random(n) < p_long, rng.random(n) < p_short)
        cases.append((correct, lengths, max_len))
    return cases


def _as_triple(got: Any, what: str) -> np.ndarray:
    """The student's answer as three floats, or feedback saying what came instead."""
    got = expect_answer(got)
    if isinstance(got, (tuple, list)) and any(np.ndim(v) > 0 for v in got):
        shapes = ", ".join(str(np.shape(v)) for v in got)
        raise ExerciseFailed(f"{what}: expected three numbers, got arrays of shapes {shapes}: "
                             f"return each as a single number, such as float(np.mean(...)), "
                             f"not as an array")
    if np.ndim(got) > 1:
        raise ExerciseFailed(f"{what}: expected three numbers, got an array of shape "
                             f"{np.shape(got)}: return three single numbers, such as "
                             f"float(np.mean(...)), not as an array")
    try:
        values = np.asarray(got, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ExerciseFailed(f"{what}: expected three numbers (share cut, accuracy on cut "
                             f"reviews, accuracy on whole reviews), got {got!r}") from None
    if values.size != 3:
        raise ExerciseFailed(f"{what}: expected three numbers (share cut, accuracy on cut "
                             f"reviews, accuracy on whole reviews), got {values.size}")
    return values


@exercise("ex-cut-accuracy")
def check_cut_accuracy(accuracy_by_cut: Any) -> str:
    """``accuracy_by_cut(correct, lengths, max_len)``: share cut, accuracy on cut and on whole."""
    for correct, lengths, max_len in _cut_accuracy_cases():
        what = f"accuracy_by_cut(..., max_len={max_len}) on {len(lengths)} reviews"
        got = _as_triple(returned(accuracy_by_cut, correct.copy(), lengths.copy(), max_len),
                         what)
        expected = np.array(accuracy_by_cut_reference(correct, lengths, max_len))
        if _same(got, expected):
            continue
        share, on_cut, on_whole = expected
        slips = [
            (accuracy_by_cut_reference(correct, lengths - 1, max_len),
             "A review of n words is cut when n + 1 > max_len: the start marker takes a slot."),
            (accuracy_by_cut_reference(correct, lengths + 1, max_len),
             "Off by one: a review of max_len - 1 words fits whole, its start marker "
             "included."),
            ((share, on_whole, on_cut), "The two accuracies are swapped: the cut reviews' "
                                        "comes first."),
            ((1 - share, on_cut, on_whole), "That is the share of reviews that fit whole; the "
                                            "share asked for is the cut ones'."),
            ((1 - share, on_whole, on_cut), "The groups are swapped: first the share of cut "
                                            "reviews, then their accuracy."),
            (accuracy_by_cut_reference(correct, lengths, 300),
             "A max_len of 300 is the chapter's cut: use the max_len argument."),
            ((share, float(np.mean(correct)), float(np.mean(correct))),
             "Each accuracy is over its own group of reviews, not over all of them."),
            (100 * expected, "Shares and accuracies are fractions between 0 and 1, not "
                             "percentages."),
        ]
        why = next((reason for values, reason in slips
                    if _same(got, values) and not _same(values, expected)), "")
        raise ExerciseFailed(f"{what}: expected (share cut, accuracy cut, accuracy whole) = "
                             f"({share:.4f}, {on_cut:.4f}, {on_whole:.4f}), got "
                             f"({got[0]:.4f}, {got[1]:.4f}, {got[2]:.4f})."
                             + (f" {why}" if why else ""))
    return "the cut share and the accuracy on cut and on whole reviews"
