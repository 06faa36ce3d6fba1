"""Self-check questions that work in the rendered book, without a kernel.

Each chapter ends its teaching with a few quick questions, written in one cell of the chapter
(the section "Check yourself", after the summary and before the exercises): multiple choice
(``Choice``) and numeric answers (``Numeric``), each wrong choice with feedback that says what
the mistake is. ``self_check(...)`` validates
them and displays them as plain HTML with a small script: a reader of the static page picks
an answer, presses *Check* (or Enter) and reads the feedback; nothing is graded or sent
anywhere. A numeric answer is computed by the chapter (a variable, never a typed number: the
test ``tests/tooling/test_self_check_cells.py`` reads the chapters' cells and fails on a
literal), so the question changes when the chapter's result does.

The markup is a ``<form>`` of ``<fieldset>``s with native radio buttons, text inputs and
buttons, so it works with the keyboard alone and with a screen reader; the verdict is
written into an ``aria-live`` region and says "Right" or "Not quite" in words, not only in
colour. The right answers are in the page's source: these questions are for the reader,
never for grades (the exercises' checks are).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path

MIN_WRONG_CHOICES = 2

# The look and the one handler of the questions, shipped with the package: every output
# carries them, so the questions work where the page has nothing of ours (Jupyter, Colab).
_HERE = Path(__file__).parent
_STYLE = f"<style>\n{(_HERE / 'self_check.css').read_text()}</style>"
_SCRIPT = f"<script>\n{(_HERE / 'self_check.js').read_text()}</script>"


@dataclass(frozen=True)
class Choice:
    """A multiple-choice question: one ``right`` answer and the ``wrong`` ones, each mapped to
    the feedback that names its mistake. ``why`` is shown with the right answer."""

    question: str
    right: str
    why: str
    wrong: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Numeric:
    """A question whose answer is a number the chapter computed: ``answer`` within
    ``tolerance`` is right. ``wrong`` maps the numbers students get by a known mistake (a
    fraction for a percentage, off by one) to feedback; ``why`` is shown with the right
    answer; ``unit`` is printed after the box."""

    question: str
    answer: float
    tolerance: float
    why: str
    wrong: dict[float, str] = field(default_factory=dict)
    unit: str = ""


def validate(question: Choice | Numeric) -> None:
    """Raise ``ValueError`` unless ``question`` has exactly the answers it claims: one right
    choice and at least two distinct wrong ones, each with feedback; a finite numeric answer,
    a positive tolerance, and no "wrong" number that the tolerance would accept as right."""
    if not isinstance(question, Choice | Numeric):
        raise TypeError(f"expected Choice or Numeric questions, got {type(question).__name__}")
    where = f"self-check question {question.question[:60]!r}"
    if not question.question.strip() or not question.why.strip():
        raise ValueError(f"{where}: give the question and the explanation of its answer")
    if isinstance(question, Choice):
        if len(question.wrong) < MIN_WRONG_CHOICES:
            raise ValueError(f"{where}: expected at least {MIN_WRONG_CHOICES} wrong choices, "
                             f"got {len(question.wrong)}")
        texts = [question.right, *question.wrong]
        if len({text.strip().lower() for text in texts}) != len(texts):
            raise ValueError(f"{where}: two choices read the same, or the right answer is "
                             f"also listed as wrong")
        if not all(text.strip() for text in texts):
            raise ValueError(f"{where}: an empty choice")
        empty = [text for text, feedback in question.wrong.items() if not feedback.strip()]
        if empty:
            raise ValueError(f"{where}: the wrong choice {empty[0]!r} has no feedback; say what "
                             f"the mistake is")
        return
    numbers_given = [question.answer, question.tolerance, *question.wrong]
    if not all(isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)
               for x in numbers_given):
        raise ValueError(f"{where}: the answer, the tolerance and the wrong numbers must be "
                         f"finite numbers, got {numbers_given!r}")
    if question.tolerance <= 0:
        raise ValueError(f"{where}: the tolerance must be positive, got {question.tolerance}")
    close = [x for x in question.wrong if abs(x - question.answer) <= question.tolerance]
    if close:
        raise ValueError(f"{where}: the 'wrong' number {close[0]} is within the tolerance of "
                         f"the answer {question.answer}; it would be marked right")
    if not all(feedback.strip() for feedback in question.wrong.values()):
        raise ValueError(f"{where}: a wrong number has no feedback")


def _order(key: str, count: int) -> list[int]:
    """A fixed shuffle of ``range(count)`` that depends on ``key``: the right choice is not
    always first, and the page does not change between builds."""
    def rank(i: int) -> str:
        return hashlib.sha256(f"{key}/{i}".encode()).hexdigest()
    return sorted(range(count), key=rank)


def _choice_html(name: str, question: Choice) -> str:
    options = [(question.right, True, question.why)]
    options += [(text, False, feedback) for text, feedback in question.wrong.items()]
    rows = []
    for i in _order(name + question.question, len(options)):
        text, right, feedback = options[i]
        rows.append(f'<label><input type="radio" name="{name}" data-right="{int(right)}" '
                    f'data-feedback="{html.escape(feedback)}"> {html.escape(text)}</label>')
    return "\n".join(rows)


def _numeric_html(name: str, question: Numeric) -> str:
    unit = f" {html.escape(question.unit)}" if question.unit else ""
    return (f'<label for="{name}">Your answer</label>'
            f'<input type="text" id="{name}" inputmode="decimal" autocomplete="off" '
            f'size="12">{unit}')


def _fieldset(name: str, number: int, question: Choice | Numeric) -> str:
    if isinstance(question, Choice):
        kind, body, data = "choice", _choice_html(name, question), ""
    else:
        kind, body = "numeric", _numeric_html(name, question)
        wrong = json.dumps([[float(x), text] for x, text in question.wrong.items()])
        data = (f' data-answer="{float(question.answer)!r}" '
                f'data-tolerance="{float(question.tolerance)!r}" '
                f'data-explanation="{html.escape(question.why)}" '
                f'data-wrong="{html.escape(wrong)}"')
    return (f'<fieldset data-kind="{kind}"{data}>\n'
            f'<legend>{number}. {html.escape(question.question)}</legend>\n{body}\n'
            f'<button type="button">Check</button>\n'
            f'<p class="verdict" role="status" aria-live="polite"></p>\n</fieldset>')


class SelfCheck:
    """The questions of one chapter, shown as a form (HTML) or as plain text."""

    def __init__(self, chapter: str, questions: tuple[Choice | Numeric, ...]) -> None:
        self.chapter, self.questions = chapter, questions

    def _repr_html_(self) -> str:
        fieldsets = [_fieldset(f"self-check-{self.chapter}-{i}", i, question)
                     for i, question in enumerate(self.questions, start=1)]
        return (f'{_STYLE}\n<form class="lessons-self-check" '
                f'aria-label="Check yourself: questions on this chapter">\n'
                + "\n".join(fieldsets) + f"\n</form>\n{_SCRIPT}")

    def __repr__(self) -> str:
        lines = []
        for i, question in enumerate(self.questions, start=1):
            lines.append(f"{i}. {question.question}")
            if isinstance(question, Choice):
                order = _order(f"self-check-{self.chapter}-{i}" + question.question,
                               1 + len(question.wrong))
                texts = [question.right, *question.wrong]
                lines += [f"   - {texts[j]}" for j in order]
        return "\n".join(lines)


def self_check(chapter: str, *questions: Choice | Numeric) -> SelfCheck:
    """The chapter's self-check questions, validated (``validate``), for display.

    ``chapter`` is the chapter's id (``"03"``): it keeps the names of the inputs unique on the
    page. Raises ``ValueError`` when there are no questions or one is malformed.
    """
    if not questions:
        raise ValueError("self_check needs at least one question")
    for question in questions:
        validate(question)
    return SelfCheck(chapter, questions)
