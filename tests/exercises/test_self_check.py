"""The self-check questions' validation and markup (lessons_lib.exercises.self_check).

The browser test (tests/browser) answers a question right and wrong in Chromium; here, each
malformed question that an author could write is refused, and the markup carries exactly the
answers the question claims.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from lessons_lib.exercises.self_check import Choice, Numeric, self_check, validate

CHOICE = Choice("Which state does step t read?", right="h_{t-1}", why="The recurrence.",
                wrong={"h_t": "That is what the step writes.",
                       "h_{t+1}": "That is two steps on."})
NUMERIC = Numeric("How many weights?", answer=42.0, tolerance=0.5, why="3 * 14.",
                  wrong={41.0: "You forgot the bias.", 0.42: "A fraction, not a count."})


class _Fieldsets(HTMLParser):
    """The fieldsets of a self-check form, with their inputs' attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.fieldsets: list[dict] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "fieldset":
            self.fieldsets.append({"attrs": attributes, "inputs": []})
        elif tag == "input":
            self.fieldsets[-1]["inputs"].append(attributes)


def parsed(html: str) -> list[dict]:
    parser = _Fieldsets()
    parser.feed(html)
    return parser.fieldsets


def test_markup_holds_one_right_choice_and_the_numeric_answer():
    fieldsets = parsed(self_check("01", CHOICE, NUMERIC)._repr_html_())
    assert [f["attrs"]["data-kind"] for f in fieldsets] == ["choice", "numeric"]
    radios = fieldsets[0]["inputs"]
    assert len(radios) == 3 and [r["data-right"] for r in radios].count("1") == 1
    assert {r["data-feedback"] for r in radios if r["data-right"] == "0"} == set(
        CHOICE.wrong.values())
    numeric = fieldsets[1]["attrs"]
    assert float(numeric["data-answer"]) == 42.0 and float(numeric["data-tolerance"]) == 0.5
    assert json.loads(numeric["data-wrong"]) == [[41.0, "You forgot the bias."],
                                                 [0.42, "A fraction, not a count."]]


def test_every_input_has_a_label_and_names_are_unique_per_chapter():
    html = self_check("07", CHOICE, NUMERIC)._repr_html_()
    assert 'name="self-check-07-1"' in html and 'id="self-check-07-2"' in html
    assert 'for="self-check-07-2"' in html  # the numeric box's label
    # Each radio sits inside its own <label>: a screen reader reads the choice with it.
    assert len(re.findall(r"<label><input type=\"radio\"", html)) == 3


def test_the_order_of_the_choices_is_fixed_and_not_always_right_first():
    firsts = set()
    for i in range(8):
        question = Choice(f"Question {i}?", right="right", why="w",
                          wrong={"a": "no", "b": "no"})
        html = self_check("01", question)._repr_html_()
        assert html == self_check("01", question)._repr_html_()  # the same on every build
        firsts.add(parsed(html)[0]["inputs"][0]["data-right"])
    assert firsts == {"0", "1"}


def test_plain_text_shows_the_questions_without_the_answers():
    text = repr(self_check("01", CHOICE, NUMERIC))
    assert "1. Which state does step t read?" in text and "   - h_t" in text
    assert "2. How many weights?" in text and "42" not in text


def test_text_is_escaped():
    question = Choice("Is <b> a tag & more?", right='"yes"', why="<i>", wrong={
        "no": "a <script>", "maybe": "x"})
    html = self_check("01", question)._repr_html_()
    assert "<b>" not in html.split("<form", 1)[1] and "&lt;script&gt;" in html


@pytest.mark.parametrize("question, message", [
    (Choice("Q?", right="a", why="w", wrong={"b": "no"}), "at least 2 wrong choices"),
    (Choice("Q?", right="a", why="w", wrong={"A": "no", "b": "no"}), "read the same"),
    (Choice("Q?", right="a", why="w", wrong={"b": "no", "c": " "}), "has no feedback"),
    (Choice("Q?", right="a", why=" ", wrong={"b": "no", "c": "no"}), "explanation"),
    (Choice("Q?", right=" ", why="w", wrong={"b": "no", "c": "no"}), "empty choice"),
    (Numeric("Q?", answer=1.0, tolerance=0.0, why="w"), "tolerance must be positive"),
    (Numeric("Q?", answer=float("nan"), tolerance=0.1, why="w"), "finite numbers"),
    (Numeric("Q?", answer=True, tolerance=0.1, why="w"), "finite numbers"),
    (Numeric("Q?", answer=1.0, tolerance=0.1, why="w", wrong={1.05: "no"}), "marked right"),
    (Numeric("Q?", answer=1.0, tolerance=0.1, why="w", wrong={2.0: ""}), "no feedback"),
])
def test_malformed_questions_are_refused(question, message):
    with pytest.raises(ValueError, match=message):
        validate(question)


def test_self_check_needs_questions_of_the_two_kinds():
    with pytest.raises(ValueError, match="at least one question"):
        self_check("01")
    with pytest.raises(TypeError, match="Choice or Numeric"):
        self_check("01", "What is a tensor?")
