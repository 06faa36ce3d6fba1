"""Unit tests of lessons_lib.char_text: cleaning reviews, the alphabet, the stream."""

from __future__ import annotations

import numpy as np
import pytest

from lessons_lib import char_text
from lessons_lib.char_text import END, Alphabet


def test_clean_review_reads_one_line_lower_case():
    text = "A <br /><br />Great   film.<BR/>Really\tgreat! "
    assert char_text.clean_review(text) == "a great film. really great!\n"


def test_alphabet_numbers_end_unknown_then_kept_characters():
    texts = ["abba\n", "cab\n", "xa\n"]
    alphabet = Alphabet(texts, min_count=2)
    assert alphabet.symbols == [END, char_text.UNKNOWN, "a", "b"]
    assert len(alphabet) == 4
    ids = alphabet.encode("abxc\n")
    assert ids.tolist() == [2, 3, 1, 1, 0] and ids.dtype == np.int32
    assert alphabet.decode(ids) == "ab" + char_text.UNKNOWN * 2 + END
    assert alphabet.unknown_share == pytest.approx(2 / 12)  # x and c: 2 of 12 characters
    with pytest.raises(ValueError, match="ids from 0 to 3"):
        alphabet.decode([4])


def test_encode_handles_characters_beyond_ascii():
    alphabet = Alphabet(["éé a\n"], min_count=1)
    assert alphabet.decode(alphabet.encode("é\u20ac a")) == "é" + char_text.UNKNOWN + " a"


def test_stream_and_take_characters_keep_whole_reviews():
    texts = ["ab\n", "abc\n", "a\n"]
    assert char_text.take_characters(texts, 4) == texts[:2]
    assert char_text.take_characters(texts, 3) == texts[:1]
    assert char_text.take_characters(texts, 100) == texts
    alphabet = Alphabet(texts, min_count=1)
    assert alphabet.decode(char_text.stream(texts, alphabet)) == "".join(texts)
