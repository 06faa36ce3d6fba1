"""Dates written many ways, and their ISO form: chapter 12's sequence-to-sequence task.

Taught in chapter 12, *Sequence to sequence, and attention* (``book/12_seq2seq_attention``).

Every example is one calendar day between :data:`FIRST_DAY` and :data:`LAST_DAY`, written in
one of the :data:`FORMATS` ("3rd of March 1998", "03/03/98", "Tuesday, March 3, 1998", ...) as
the input, with its ISO 8601 form ("1998-03-03") as the target. The task has exact answers and
needs no download. Two-digit years are read as 1950-2049, the range of the days, so every input
names exactly one day; numeric formats say which order they use by their separator (``/`` is
the American month/day/year, ``.`` the European day.month.year).

:func:`make_splits` draws the training, validation and test examples from disjoint sets of
*days*, with a seed: a test day is never seen in training in any format, so the test measures
whether a model has learned to read dates, not remembered them. :class:`CharVocab` turns
strings into rows of character ids (0 is padding) and back.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

FIRST_DAY = dt.date(1950, 1, 1)
LAST_DAY = dt.date(2049, 12, 31)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def ordinal(day: int) -> str:
    """``day`` as an English ordinal: 1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st, ..."""
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    return f"{day}{({1: 'st', 2: 'nd', 3: 'rd'}).get(day % 10, 'th')}"


# The fields a format can use, each a function of the day; the name says which part of the
# date a field writes (chapter 12 checks where attention looks by these parts).
FIELDS: dict[str, tuple[str, Callable[[dt.date], str]]] = {
    "weekday": ("weekday", lambda d: WEEKDAYS[d.weekday()]),
    "wkd": ("weekday", lambda d: WEEKDAYS[d.weekday()][:3]),
    "day": ("day", lambda d: str(d.day)),
    "dd": ("day", lambda d: f"{d.day:02d}"),
    "dayth": ("day", lambda d: ordinal(d.day)),
    "month": ("month", lambda d: MONTHS[d.month - 1]),
    "mon": ("month", lambda d: MONTHS[d.month - 1][:3]),
    "month_lower": ("month", lambda d: MONTHS[d.month - 1].lower()),
    "m": ("month", lambda d: str(d.month)),
    "mm": ("month", lambda d: f"{d.month:02d}"),
    "year": ("year", lambda d: str(d.year)),
    "yy": ("year", lambda d: f"{d.year % 100:02d}"),
}
# Each format writes a day as people do; its name is how it writes 3 March 1998.
FORMATS: dict[str, str] = {
    "3 March 1998": "{day} {month} {year}",
    "3rd of March 1998": "{dayth} of {month} {year}",
    "March 3, 1998": "{month} {day}, {year}",
    "March 3rd, 1998": "{month} {dayth}, {year}",
    "3 Mar 1998": "{day} {mon} {year}",
    "Mar 3, 98": "{mon} {day}, {yy}",
    "march 3 1998": "{month_lower} {day} {year}",
    "03/03/1998": "{mm}/{dd}/{year}",
    "3/3/98": "{m}/{day}/{yy}",
    "03.03.1998": "{dd}.{mm}.{year}",
    "Tuesday, March 3, 1998": "{weekday}, {month} {day}, {year}",
    "Tuesday the 3rd of March, 1998": "{weekday} the {dayth} of {month}, {year}",
    "Tue 3 Mar 98": "{wkd} {day} {mon} {yy}",
}
_FIELD = re.compile(r"\{(\w+)\}")


def write_date(day: dt.date, format_name: str) -> tuple[str, dict[str, tuple[int, int]]]:
    """``day`` written in the format ``format_name``, and where each part of the date is in
    the text: ``{"day": (start, stop), "month": ..., "year": ..., "weekday": ...}``."""
    template = FORMATS[format_name]
    text, spans, last = "", {}, 0
    for match in _FIELD.finditer(template):
        part, render = FIELDS[match.group(1)]
        text += template[last:match.start()]
        value = render(day)
        spans[part] = (len(text), len(text) + len(value))
        text += value
        last = match.end()
    return text + template[last:], spans


def iso(day: dt.date) -> str:
    """The target: ``day`` in ISO 8601 form, YYYY-MM-DD."""
    return day.isoformat()


def all_days() -> list[dt.date]:
    """Every day from :data:`FIRST_DAY` to :data:`LAST_DAY`, in order."""
    return [FIRST_DAY + dt.timedelta(days=i) for i in range((LAST_DAY - FIRST_DAY).days + 1)]


@dataclass(frozen=True)
class DateExamples:
    """Examples of one split: the written dates, their ISO targets, the days, the formats
    and where each part of the date is in each input (as :func:`write_date` gives it)."""

    inputs: list[str]
    targets: list[str]
    days: list[dt.date]
    formats: list[str]
    spans: list[dict[str, tuple[int, int]]]

    def __len__(self) -> int:
        return len(self.inputs)


def write_dates(days: Sequence[dt.date], rng: np.random.Generator) -> DateExamples:
    """Each day written in a format drawn uniformly from :data:`FORMATS`."""
    names = list(FORMATS)
    chosen = [names[i] for i in rng.integers(len(names), size=len(days))]
    written = [write_date(d, f) for d, f in zip(days, chosen, strict=True)]
    return DateExamples([text for text, _ in written], [iso(d) for d in days], list(days),
                        chosen, [spans for _, spans in written])


def make_splits(n_validation: int = 2000, n_test: int = 2000, n_train: int | None = None,
                seed: int = 0) -> dict[str, DateExamples]:
    """Training, validation and test examples from disjoint sets of days, each day written once.

    The days are shuffled with ``seed``; the first ``n_test`` are the test days, the next
    ``n_validation`` the validation days and the rest (or their first ``n_train``) the
    training days. Returns ``{"train": ..., "validation": ..., "test": ...}``.
    """
    days = all_days()
    for name, n in (("n_validation", n_validation), ("n_test", n_test)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"{name} must be a positive int, got {n!r}")
    available = len(days) - n_validation - n_test
    if n_train is None:
        n_train = available
    if isinstance(n_train, bool) or not isinstance(n_train, int) or not 1 <= n_train <= available:
        raise ValueError(f"n_train must be an int from 1 to {available} (the {len(days):,} days "
                         f"less the validation and test days), got {n_train!r}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(days))
    parts = {"test": order[:n_test], "validation": order[n_test:n_test + n_validation],
             "train": order[n_test + n_validation:][:n_train]}
    return {name: write_dates([days[i] for i in idx], rng) for name, idx in parts.items()}


class CharVocab:
    """Characters to ids and back: id 0 is padding, 1 the decoder's start symbol, then the
    characters in sorted order."""

    PAD, START = 0, 1

    def __init__(self, texts: Sequence[str]) -> None:
        self.chars = sorted(set("".join(texts)))
        self.ids = {c: i + 2 for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        """How many ids there are, padding and start included (an embedding's input size)."""
        return len(self.chars) + 2

    def encode(self, texts: Sequence[str], length: int | None = None) -> np.ndarray:
        """Rows of ids, padded with 0 at the end to ``length`` (default: the longest text)."""
        length = max(map(len, texts)) if length is None else length
        rows = np.zeros((len(texts), length), dtype=np.int32)
        for row, text in zip(rows, texts, strict=True):
            if len(text) > length:
                raise ValueError(f"{text!r} has {len(text)} characters; at most {length} fit")
            unknown = sorted(set(text) - self.ids.keys())
            if unknown:
                raise ValueError(f"{text!r} holds characters the vocabulary has never seen: "
                                 f"{unknown}; build the vocabulary from texts that have them")
            row[:len(text)] = [self.ids[c] for c in text]
        return rows

    def decode(self, rows: np.ndarray) -> list[str]:
        """The strings that rows of ids spell, padding and start symbols left out."""
        chars = {i: c for c, i in self.ids.items()}
        return ["".join(chars.get(int(i), "") for i in row) for row in np.atleast_2d(rows)]
