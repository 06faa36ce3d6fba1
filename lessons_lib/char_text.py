"""Review texts as one stream of characters, and its alphabet.

Taught in chapter 11, *A language model that writes movie reviews*
(``book/11_char_language_model``).

A character model reads the reviews lower-cased, with the HTML line breaks (``<br />``) and
every run of white space turned into one space. Each review ends with a newline, the
*end-of-review* symbol: the stream is every review back to back, so a model learns where a
review ends, and a generated review ends when the model writes a newline.

:class:`Alphabet` numbers the characters: id 0 is the end of a review, id 1 stands for every
character too rare to keep (it prints as ``UNKNOWN``), then the kept characters in sorted order.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lessons_lib import data

END = "\n"
UNKNOWN = "\u00a4"  # ¤, printed where a character too rare for the alphabet stood
# The chapter's text: the first training reviews up to this many characters (n-grams and
# networks learn from the same text), the last training reviews for validation, the first test
# reviews for the test; a character is in the alphabet if the training text holds it this often.
SIZES = {"train_characters": 8_000_000, "validation_reviews": 1_000, "test_reviews": 1_000,
         "min_count": 500}
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def clean_review(text: str) -> str:
    """A review as the character model reads it: ``<br />`` and runs of white space become one
    space, letters are lower-cased, and the end-of-review newline is appended."""
    return _SPACE.sub(" ", _BREAK.sub(" ", text)).strip().lower() + END


class Alphabet:
    """The characters a model writes, numbered: 0 the end of a review, 1 unknown, then the
    characters seen at least ``min_count`` times in the ``texts`` it is built from."""

    END_ID, UNKNOWN_ID = 0, 1

    def __init__(self, texts: Sequence[str], min_count: int = 1000) -> None:
        counts = Counter()
        for text in texts:
            counts.update(text)
        self.chars = sorted(c for c, n in counts.items() if n >= min_count and c != END)
        self.symbols = [END, UNKNOWN, *self.chars]
        self._ids = {c: i for i, c in enumerate(self.symbols)}
        self._ids.pop(UNKNOWN)  # the symbol stands for what is missing; it is not itself read
        self.unknown_share = 1 - sum(counts[c] for c in self._ids) / max(1, counts.total())

    def __len__(self) -> int:
        """How many ids there are (an embedding's input and the softmax's output size)."""
        return len(self.symbols)

    def encode(self, text: str) -> np.ndarray:
        """The ids of a text's characters (int32); characters not kept become ``UNKNOWN_ID``."""
        lookup = np.full(max(map(ord, text), default=0) + 1, self.UNKNOWN_ID, dtype=np.int32)
        for char, i in self._ids.items():
            if ord(char) < len(lookup):
                lookup[ord(char)] = i
        return lookup[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)]

    def decode(self, ids: Sequence[int] | np.ndarray) -> str:
        """The text that ids spell; ids outside the alphabet raise a ``ValueError``."""
        ids = np.asarray(ids, dtype=np.int64).ravel()
        if ids.size and (ids.min() < 0 or ids.max() >= len(self)):
            raise ValueError(f"expected ids from 0 to {len(self) - 1}, got {ids.min()} to "
                             f"{ids.max()}")
        return "".join(self.symbols[i] for i in ids)


def stream(texts: Sequence[str], alphabet: Alphabet) -> np.ndarray:
    """Cleaned reviews back to back as one array of ids (each already ends with ``END``)."""
    return alphabet.encode("".join(texts))


def take_characters(texts: Sequence[str], budget: int) -> list[str]:
    """The first reviews of ``texts`` that together hold at least ``budget`` characters (all of
    them if they hold fewer): whole reviews, so no review is cut."""
    lengths = np.cumsum([len(t) for t in texts])
    return list(texts[:int(np.searchsorted(lengths, budget)) + 1])


@dataclass
class ReviewText:
    """Chapter 11's text: cleaned reviews, their labels (0/1) and their id streams, for the
    splits ``"train"``, ``"validation"`` and ``"test"``, and the alphabet."""

    alphabet: Alphabet
    texts: dict[str, list[str]]
    labels: dict[str, np.ndarray]
    ids: dict[str, np.ndarray]


def chapter_text(sizes: dict[str, int] = SIZES) -> ReviewText:
    """The text chapter 11 learns from (see :data:`SIZES`): the first training reviews up to
    ``train_characters``, the last ``validation_reviews`` training reviews, the first
    ``test_reviews`` test reviews, cleaned, and the alphabet of the training part."""
    (texts_train, y_train), (texts_test, y_test) = data.load_imdb_texts()
    n_val = sizes["validation_reviews"]
    if n_val >= len(texts_train):
        raise ValueError(f"validation_reviews must leave training reviews: got {n_val} of "
                         f"{len(texts_train)}")
    pool = [clean_review(t) for t in texts_train[:-n_val]]
    train = take_characters(pool, sizes["train_characters"])
    texts = {"train": train,
             "validation": [clean_review(t) for t in texts_train[-n_val:]],
             "test": [clean_review(t) for t in texts_test[:sizes["test_reviews"]]]}
    labels = {"train": y_train[:len(train)], "validation": y_train[-n_val:],
              "test": y_test[:len(texts["test"])]}
    alphabet = Alphabet(train, min_count=sizes["min_count"])
    return ReviewText(alphabet, texts, labels,
                      {name: stream(part, alphabet) for name, part in texts.items()})
