"""Character n-gram language models with interpolated absolute discounting.

Taught in chapter 11, *A language model that writes movie reviews*
(``book/11_char_language_model``).

An n-gram model predicts the next character from the ``n - 1`` before it by counting. Counts
alone give zero probability to every continuation the training text never showed, so each
order lends a little of its probability mass to the order below it (absolute discounting,
interpolated):

    P_n(c | h) = max(N(h c) - D, 0) / N(h)  +  D T(h) / N(h) * P_{n-1}(c | h')

where ``N`` counts occurrences in the training text, ``T(h)`` is how many different characters
followed the context ``h``, ``h'`` is ``h`` without its oldest character and ``D`` (between 0
and 1) is the discount. The recursion ends at the uniform distribution over the alphabet; a
context never seen hands everything to the order below. ``n = 1`` is the unigram model (the
characters' frequencies, smoothed).

Counting is done on integer codes: a window of ``k`` character ids is one int64, each id taking
``BITS`` bits, so ``np.unique`` and ``np.searchsorted`` do the counting and the looking up.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

BITS = 6  # bits per character id in a code: alphabets of up to 64 symbols
MAX_ORDER = 63 // BITS  # the longest window whose code fits an int64 (10 characters)


@dataclass
class _Table:
    grams: np.ndarray  # sorted codes of (context, character) windows
    gram_counts: np.ndarray
    contexts: np.ndarray  # sorted codes of contexts
    context_counts: np.ndarray  # N(h): how often the context was followed by anything
    context_types: np.ndarray  # T(h): how many different characters followed it


def _codes(ids: np.ndarray, width: int) -> np.ndarray:
    """The code of every window of ``width`` ids ending at positions ``width - 1`` onwards."""
    codes = np.zeros(len(ids) - width + 1, dtype=np.int64)
    for offset in range(width):
        codes = (codes << BITS) | ids[offset:len(ids) - width + 1 + offset]
    return codes


def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``values`` of the ``keys`` equal to each query code, 0 where the code is absent."""
    where = np.searchsorted(keys, query).clip(max=len(keys) - 1)
    found = keys[where] == query if len(keys) else np.zeros(len(query), dtype=bool)
    return np.where(found, values[where] if len(keys) else 0, 0)


class CharNGram:
    """An interpolated absolute-discount character model of order ``order``."""

    def __init__(self, order: int, vocab_size: int, discount: float = 0.75) -> None:
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) \
                or not 1 <= order <= MAX_ORDER:
            raise ValueError(f"order must be an int from 1 to {MAX_ORDER}, got {order!r}")
        if not 1 < vocab_size <= 2**BITS:
            raise ValueError(f"vocab_size must be from 2 to {2**BITS}, got {vocab_size}")
        if not 0 < discount < 1:
            raise ValueError(f"discount must lie strictly between 0 and 1, got {discount}")
        self.order, self.vocab_size, self.discount = int(order), int(vocab_size), float(discount)
        self.tables: list[_Table] = []

    def __repr__(self) -> str:
        return f"CharNGram(order={self.order}, discount={self.discount})"

    def _padded(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64).ravel()
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(f"expected ids from 0 to {self.vocab_size - 1}, got "
                             f"{ids.min()} to {ids.max()}")
        # The text before the first character is taken to be ends of reviews (id 0).
        return np.concatenate([np.zeros(self.order - 1, dtype=np.int64), ids])

    def fit(self, ids: np.ndarray) -> CharNGram:
        """Count every window of 1 to ``order`` characters of the training ids."""
        padded = self._padded(ids)
        self.tables = []
        for width in range(1, self.order + 1):
            start = self.order - width  # every order counts the same predicted positions
            grams, gram_counts = np.unique(_codes(padded[start:], width), return_counts=True)
            contexts, first, context_types = np.unique(grams >> BITS, return_index=True,
                                                       return_counts=True)
            context_counts = np.add.reduceat(gram_counts, first)
            # int32 counts: half the memory, and no text this size counts past 2**31.
            self.tables.append(_Table(grams, gram_counts.astype(np.int32), contexts,
                                      context_counts.astype(np.int32),
                                      context_types.astype(np.int32)))
        return self

    def lower(self, order: int, discount: float | None = None) -> CharNGram:
        """The model of a lower ``order`` fitted on the same text, sharing this one's counts
        (an order-``n`` model's counts of windows up to ``k < n`` are the order-``k`` model's)."""
        if not self.tables:
            raise RuntimeError("the model has not been fitted: call fit(training_ids) first")
        if not 1 <= order <= self.order:
            raise ValueError(f"order must be from 1 to {self.order}, got {order!r}")
        model = CharNGram(order, self.vocab_size, self.discount if discount is None
                          else discount)
        model.tables = self.tables[:order]
        return model

    def probabilities_of(self, ids: np.ndarray, chunk: int = 500_000) -> np.ndarray:
        """The probability the model gave each character of ``ids``, reading them in order
        (the first ones with ends of reviews before them), as float32; ``chunk`` characters
        at a time, so that the memory this takes does not grow with the text."""
        result = np.empty(np.size(ids), dtype=np.float32)
        for start, counts in self._chunk_counts(ids, chunk):
            p = self._mixed(counts, self.discount)
            result[start:start + len(p)] = p
        return result

    def bits_per_char_for(self, ids: np.ndarray, discounts: tuple[float, ...],
                          chunk: int = 200_000) -> dict[float, float]:
        """:meth:`bits_per_char` of ``ids`` for each of ``discounts`` at once: the counts are
        looked up once per chunk and only the mixing is repeated (what choosing a discount on
        validation text needs)."""
        totals = dict.fromkeys(map(float, discounts), 0.0)
        for _, counts in self._chunk_counts(ids, chunk):
            for discount in totals:
                totals[discount] -= float(np.log2(self._mixed(counts, discount)).sum())
        return {discount: total / np.size(ids) for discount, total in totals.items()}

    def _chunk_counts(self, ids: np.ndarray, chunk: int
                      ) -> Iterator[tuple[int, list[tuple[np.ndarray, ...]]]]:
        """For each ``chunk`` of ``ids``: where it starts, and every order's counts
        (:meth:`_counts_of`) of its characters' windows, lowest order first."""
        if not self.tables:
            raise RuntimeError("the model has not been fitted: call fit(training_ids) first")
        padded = self._padded(ids)
        n = len(padded) - self.order + 1
        for start in range(0, n, chunk):
            piece = padded[start:min(n, start + chunk) + self.order - 1]
            yield start, [self._counts_of(table, _codes(piece[self.order - width:], width))
                          for width, table in enumerate(self.tables, start=1)]

    def _mixed(self, counts: list[tuple[np.ndarray, ...]], discount: float) -> np.ndarray:
        """The interpolated probabilities from the orders' counts, from the uniform up."""
        p = np.full(len(counts[0][0]), 1.0 / self.vocab_size)
        for order_counts in counts:
            p = self._interpolate(order_counts, p, discount)
        return p

    @staticmethod
    def _counts_of(table: _Table, grams: np.ndarray) -> tuple[np.ndarray, ...]:
        """N(h c), N(h) and T(h) of each window's context h and character c."""
        contexts = grams >> BITS
        return (_lookup(table.grams, table.gram_counts, grams).astype(np.float64),
                _lookup(table.contexts, table.context_counts, contexts).astype(np.float64),
                _lookup(table.contexts, table.context_types, contexts).astype(np.float64))

    @staticmethod
    def _interpolate(counts: tuple[np.ndarray, ...], lower: np.ndarray,
                     discount: float) -> np.ndarray:
        seen, total, types = counts
        safe = np.maximum(total, 1.0)
        mixed = np.maximum(seen - discount, 0.0) / safe + discount * types / safe * lower
        return np.where(total > 0, mixed, lower)

    def next_distribution(self, context: np.ndarray) -> np.ndarray:
        """The probability of every character after ``context`` (its last ``order - 1`` ids
        count), shape ``(vocab_size,)``: what sampling from the model draws from."""
        context = self._padded(context)[-(self.order - 1):] if self.order > 1 else \
            np.zeros(0, dtype=np.int64)
        candidates = np.arange(self.vocab_size)
        p = np.full(self.vocab_size, 1.0 / self.vocab_size)
        for width, table in enumerate(self.tables, start=1):
            code = np.int64(0)
            for i in context[len(context) - (width - 1):] if width > 1 else []:
                code = (code << BITS) | i
            p = self._interpolate(self._counts_of(table, (code << BITS) | candidates), p,
                                  self.discount)
        return p

    def bits_per_char(self, ids: np.ndarray) -> float:
        """The average of ``-log2 P(character)`` over ``ids``: the cross-entropy in bits."""
        return float(-np.mean(np.log2(self.probabilities_of(ids), dtype=np.float64)))


def choose_discount(model: CharNGram, validation: np.ndarray,
                    grid: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
                    ) -> tuple[CharNGram, dict[float, float]]:
    """The fitted ``model`` with the discount that gives the fewest bits per character on the
    validation ids, and every discount's validation bits per character."""
    if not grid or not all(0 < d < 1 for d in grid):
        raise ValueError(f"the discounts must lie strictly between 0 and 1, got {grid!r}")
    scores = model.bits_per_char_for(validation, tuple(grid))
    return model.lower(model.order, min(scores, key=scores.get)), scores
