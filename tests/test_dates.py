"""Unit tests of lessons_lib.dates: the formats, the splits by day, the character ids."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from lessons_lib import dates


def test_ordinals():
    assert [dates.ordinal(d) for d in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st"]


def test_every_format_is_named_by_how_it_writes_3_march_1998():
    for name in dates.FORMATS:
        assert dates.write_date(dt.date(1998, 3, 3), name)[0] == name


@pytest.mark.parametrize("name", list(dates.FORMATS))
def test_a_format_never_writes_two_days_alike(name):
    written = [dates.write_date(d, name)[0] for d in dates.all_days()]
    assert len(set(written)) == len(written)


def test_spans_point_at_the_parts_of_the_date():
    day = dt.date(2007, 11, 25)  # a Sunday
    for name in dates.FORMATS:
        text, spans = dates.write_date(day, name)
        assert {"day", "month", "year"} <= spans.keys()
        assert text[slice(*spans["year"])] in ("2007", "07")
        assert text[slice(*spans["day"])] in ("25", "25th")
        assert text[slice(*spans["month"])] in ("November", "Nov", "november", "11")
        if "weekday" in spans:
            assert text[slice(*spans["weekday"])] in ("Sunday", "Sun")


def test_two_digit_years_cover_the_range_of_days():
    assert dates.FIRST_DAY.year % 100 == 50 and dates.LAST_DAY.year % 100 == 49
    assert dates.LAST_DAY.year - dates.FIRST_DAY.year == 99


def test_splits_hold_disjoint_days_and_repeat_with_the_seed():
    splits = dates.make_splits(n_validation=300, n_test=200, n_train=1000, seed=3)
    assert {k: len(v) for k, v in splits.items()} == {"test": 200, "validation": 300,
                                                      "train": 1000}
    days = {k: set(v.days) for k, v in splits.items()}
    assert not (days["train"] & days["test"] or days["train"] & days["validation"]
                or days["test"] & days["validation"])
    assert all(t == d.isoformat() for t, d in zip(splits["test"].targets, splits["test"].days,
                                                  strict=True))
    again = dates.make_splits(n_validation=300, n_test=200, n_train=1000, seed=3)
    assert again["train"].inputs == splits["train"].inputs
    other = dates.make_splits(n_validation=300, n_test=200, n_train=1000, seed=4)
    assert other["train"].inputs != splits["train"].inputs
    # The test days do not depend on how many training days are drawn.
    assert dates.make_splits(n_validation=300, n_test=200, seed=3)["test"].days == \
        splits["test"].days


@pytest.mark.parametrize("kwargs", [{"n_train": 0}, {"n_train": 40000}, {"n_test": 0},
                                    {"n_validation": 2.5}, {"n_train": True}])
def test_bad_split_sizes_are_refused(kwargs):
    with pytest.raises(ValueError, match="must be"):
        dates.make_splits(**kwargs)


def test_char_vocab_round_trip_and_errors():
    vocab = dates.CharVocab(["1998-03-03", "2001-12-31", "4567"])
    assert len(vocab) == 11 + 2  # ten digits and the hyphen, padding and start
    rows = vocab.encode(["1998-03-03", "12"], length=12)
    assert rows.shape == (2, 12) and rows[1, 2:].tolist() == [0] * 10
    assert rows.min() == 0 and rows[rows > 0].min() >= 2
    assert vocab.decode(rows) == ["1998-03-03", "12"]
    with pytest.raises(ValueError, match="never seen"):
        vocab.encode(["1998/03/03"])
    with pytest.raises(ValueError, match="at most 4 fit"):
        vocab.encode(["1998-03-03"], length=4)
    assert np.array_equal(vocab.encode(["12"]), [[vocab.ids["1"], vocab.ids["2"]]])
