"""The browser checker catches what a reader would see broken, one breakage at a time.

A toy book (``toybook.py``: a figure, math, a gated exercise with a dropdown solution) is built
with the course's real configuration. Its clean build passes; copies of its chapter page, each
with one thing broken, are each reported with the right kind of problem.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import checker
import pytest
import toybook

from lessons_lib.tooling.browser import open_page

ARTICLE_END = "</article>"
CELL_OUTPUT = '<div class="cell_output docutils container">'
TRACEBACK = ('<div class="output traceback highlight-ipythontb notranslate"><div class="highlight">'
             '<pre>Traceback (most recent call last)\nValueError: boom</pre></div></div>')

# Page name -> (how to break the toy chapter's HTML, the kind of problem that must be reported).
BREAKAGES = {
    "broken_image.html": (lambda h: h.replace('src="_images/', 'src="_images/missing-'), "image"),
    "js_error.html": (lambda h: h.replace("</body>", "<script>notDefined();</script></body>"),
                      "js-error"),
    # Inside the chapter's section, where MathJax only typesets what Sphinx marked as math.
    "raw_math.html": (lambda h: h.replace("displayed:", "displayed: $$ h_t = W x_t $$"),
                      "raw-math"),
    "math_error.html": (lambda h: h.replace(
        ARTICLE_END, '<span class="math notranslate nohighlight">\\(x^1^2\\)</span>'
        + ARTICLE_END), "math"),
    "math_not_for_screen_readers.html": (lambda h: h.replace(
        'window.MathJax = {"options": {', 'window.MathJax = {"options": {'
        '"menuOptions": {"settings": {"assistiveMml": false}}, '), "math"),
    "error_output.html": (lambda h: h.replace(CELL_OUTPUT, CELL_OUTPUT + TRACEBACK, 1),
                          "cell-error"),
    "dead_dropdown.html": (lambda h: h.replace(
        "</head>", "<style>.solution > section {display: none !important}</style></head>"),
        "dropdown"),
    "no_toggle.html": (lambda h: h.replace("'.toggle, .admonition.dropdown'", "'.nothing'"),
                       "dropdown"),
    "no_caption.html": (lambda h: re.sub(r"<figcaption>.*?</figcaption>", "", h, flags=re.S),
                        "caption"),
    "no_alt.html": (lambda h: re.sub(r'alt="A curve rising[^"]*"', 'alt="_images/toy.png"', h),
                    "alt"),
    "low_contrast.html": (lambda h: h.replace(
        "The recurrence, displayed:", '<span style="color: #bbbbbb">The recurrence</span>'),
        "a11y"),
    "unlabelled_input.html": (lambda h: h.replace(ARTICLE_END, '<input type="text">' + ARTICLE_END),
                              "a11y"),
    "missing_script.html": (lambda h: h.replace("_static/togglebutton.js", "_static/gone.js"),
                            "request"),
}


@pytest.fixture(scope="module")
def toy_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The toy book, built once for this module."""
    root = toybook.write_toy_book(tmp_path_factory.mktemp("toybook"))
    return toybook.build_book(root)


@pytest.fixture(scope="module")
def broken_html(toy_html: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the toy build with one broken copy of the chapter page per breakage."""
    html = tmp_path_factory.mktemp("broken") / "html"
    shutil.copytree(toy_html, html)
    page = (toy_html / "toy.html").read_text()
    for name, (breakage, _) in BREAKAGES.items():
        broken = breakage(page)
        assert broken != page, f"breakage {name} did not change the page: update the test"
        (html / name).write_text(broken)
    return html


def test_clean_toy_book_passes_and_its_features_were_really_checked(toy_html: Path) -> None:
    report = checker.check_site(toy_html, toc_pages=["intro.html", "toy.html"])
    assert report.problems == []
    assert report.pages == ["genindex.html", "intro.html", "search.html", "toy.html"]
    seen = report.seen["toy.html"]
    assert seen["formulas"] >= 1 and seen["images"] >= 1 and seen["dropdowns"] == 1
    assert checker.check_links(toy_html) == []


def test_each_breakage_is_reported_with_its_kind(broken_html: Path) -> None:
    report = checker.check_site(broken_html, pages=list(BREAKAGES))
    kinds = {name: {p.kind for p in report.problems if p.page == name} for name in BREAKAGES}
    missed = {name: kinds[name] for name, (_, kind) in BREAKAGES.items() if kind not in kinds[name]}
    assert not missed, f"breakages not caught (page: kinds reported): {missed}"


def test_page_missing_from_the_toc_and_toc_entry_not_built(toy_html: Path, tmp_path: Path) -> None:
    html = tmp_path / "html"
    shutil.copytree(toy_html, html)
    shutil.copy(html / "toy.html", html / "orphan.html")
    report = checker.check_site(html, toc_pages=["intro.html", "toy.html", "gone.html"])
    assert {(p.page, p.kind) for p in report.problems} == {("orphan.html", "toc"),
                                                           ("gone.html", "toc")}


def test_dead_internal_links_and_anchors(toy_html: Path, tmp_path: Path) -> None:
    html = tmp_path / "html"
    shutil.copytree(toy_html, html)
    page = (html / "intro.html").read_text()
    dead = '<a href="nowhere.html">x</a><a href="toy.html#no-such-anchor">y</a><img src="a.png">'
    (html / "intro.html").write_text(page.replace(ARTICLE_END, dead + ARTICLE_END))
    details = sorted(p.detail for p in checker.check_links(html))
    assert details == ["a.png -> no such file", "nowhere.html -> no such file",
                       "toy.html#no-such-anchor -> no anchor #no-such-anchor"]


def test_toc_entries_reads_nested_toc(tmp_path: Path) -> None:
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: book/intro\nparts:\n  - caption: A\n    chapters:\n"
                   "      - file: book/01_a\n        sections:\n          - file: book/01b.md\n")
    assert checker.toc_entries(toc) == ["book/intro.html", "book/01_a.html", "book/01b.html"]


def test_launch_button_to_a_missing_notebook(toy_html: Path, tmp_path: Path) -> None:
    (tmp_path / "toy.ipynb").write_text("{}")
    assert checker.check_launch_links(toy_html, tmp_path) == []
    (tmp_path / "toy.ipynb").unlink()
    problems = checker.check_launch_links(toy_html, tmp_path)
    assert {p.page for p in problems} == {"toy.html"}
    assert all(p.kind == "launch" and "no toy.ipynb" in p.detail for p in problems)
    assert len(problems) == 2  # Colab and Binder


def test_self_check_answers_wrong_then_right(toy_html: Path) -> None:
    with open_page(toy_html, "toy.html") as page:
        verdicts = checker.answer_self_check(page)
    assert verdicts["wrong choice"] == "Not quite. " + verdicts["wrong choice feedback"]
    assert verdicts["right choice"] == "Right. The recurrence reads it."
    assert verdicts["wrong number"] == "Not quite. That is too high."
    assert verdicts["right number"] == "Right. np.arange(20) has 20 steps."


def test_self_check_reads_numbers_as_readers_type_them(toy_html: Path) -> None:
    with open_page(toy_html, "toy.html") as page:
        numeric = page.locator(f"{checker.SELF_CHECK}[data-kind=numeric]").first
        for typed, verdict in [("19", "Not quite. Off by one: 0 to 19 is 20."),
                               ("19,9", "Right. np.arange(20) has 20 steps."),  # decimal comma
                               ("2,000", "Not quite. That is too high."),  # thousands
                               ("twenty", "Type a number, such as 0.25 or 1500.")]:
            numeric.get_by_role("textbox").fill(typed)
            numeric.get_by_role("textbox").press("Enter")
            assert numeric.locator(".verdict").inner_text() == verdict


def test_keyboard_alone_answers_a_question_and_opens_the_solution(toy_html: Path) -> None:
    with open_page(toy_html, "toy.html") as page:
        walk = checker.keyboard_walk(page)
    assert walk["verdict"] and walk["verdict"].startswith(("Right. ", "Not quite. "))
    assert walk["solution opened"], walk
    assert walk["hidden focus"] == [], walk
