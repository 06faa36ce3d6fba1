"""The built book, page by page, in headless Chromium: what a reader sees must work.

Runs under ``make browser`` (after ``make book``), which sets ``LESSONS_BROWSER=1``; in a plain
``pytest tests`` run it is skipped, so the unit tests do not depend on a built book. The book is
read from ``LESSONS_BOOK_HTML`` (default ``_build/html``), and the PDF that ``make pdf`` wrote
from ``_build/pdf/book.pdf``. A screenshot of every page is saved under
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import checker
import pytest

from lessons_lib.tooling.browser import open_page

REPO = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("LESSONS_BOOK_HTML", REPO / "_build" / "html"))
SINGLE_PAGE = REPO / "_build" / "singlehtml"
PDF = REPO / "_build" / "pdf" / "book.pdf"
CHAPTERS = sorted((REPO / "book").glob("[0-9][0-9]_*.ipynb"))
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.skipif(os.environ.get("LESSONS_BROWSER") != "1",
                                reason="the built book is checked by `make browser`")


def _listing(problems: list[checker.Problem]) -> str:
    return "\n".join(str(p) for p in problems)


@pytest.fixture(scope="module")
def html() -> Path:
    if not (HTML / "index.html").is_file():
        pytest.fail(f"no built book at {HTML}: run `make book` first")
    return HTML


def test_every_page_renders_without_errors(html: Path) -> None:
    report = checker.check_site(html, SCREENSHOTS, toc_pages=checker.toc_entries(REPO / "_toc.yml"))
    for name, seen in report.seen.items():
        print(f"{name}: " + ", ".join(f"{n} {what}" for what, n in seen.items()))
    print(f"external requests answered locally with an empty 204: {sorted(report.external)}")
    assert len(report.pages) >= 2, f"expected the intro and chapters, found {report.pages}"
    assert not report.problems, f"{len(report.problems)} problems:\n{_listing(report.problems)}"
    # The allowlist holds only what some page still needs.
    unused = [entry for i, entry in enumerate(checker.load_allowlist())
              if i not in report.allowed]
    assert not unused, f"allowlist entries no page needs any more, remove them: {unused}"


def test_internal_links_and_anchors_resolve(html: Path) -> None:
    problems = checker.check_links(html)
    assert not problems, f"{len(problems)} dead internal links:\n{_listing(problems)}"


def test_launch_buttons_open_notebooks_that_exist(html: Path) -> None:
    problems = checker.check_launch_links(html, REPO)
    assert not problems, f"{len(problems)} launch buttons to nowhere:\n{_listing(problems)}"


def test_colab_buttons_open_the_colab_edition(html: Path) -> None:
    page = (html / "book" / "07_bptt.html").read_text(encoding="utf-8")
    colab = re.findall(r'https://colab\.research\.google\.com/github/[^"]+', page)
    assert colab and all("/blob/colab/book/07_bptt.ipynb" in link for link in colab), colab


@pytest.fixture()
def chapter_page(html: Path):
    """Chapter 1 open in Chromium (it has self-check questions and a solution dropdown)."""
    with open_page(html, "book/01_recurrence.html",
                   viewport={"width": 1280, "height": 900}) as page:
        yield page


def test_self_check_answered_wrong_and_right_in_a_chapter(chapter_page) -> None:
    verdicts = checker.answer_self_check(chapter_page)
    assert verdicts["wrong choice"] == "Not quite. " + verdicts["wrong choice feedback"]
    assert verdicts["right choice"].startswith("Right. ")
    assert verdicts["wrong number"].startswith("Not quite. ")
    assert verdicts["right number"].startswith("Right. ")


def test_a_chapter_works_with_the_keyboard_alone(chapter_page) -> None:
    walk = checker.keyboard_walk(chapter_page)
    assert walk["verdict"], f"no self-check question reached with Tab: {walk}"
    assert walk["solution opened"], f"no solution opened with Tab and Enter: {walk}"
    assert walk["hidden focus"] == [], f"Tab landed on elements a reader cannot see: {walk}"


def test_figures_are_numbered_per_chapter(html: Path) -> None:
    for notebook in CHAPTERS:
        page = (html / "book" / f"{notebook.stem}.html").read_text(encoding="utf-8")
        numbers = re.findall(r'<span class="caption-number">Fig\. ([\d.]+) </span>', page)
        chapter = int(notebook.stem[:2])
        assert numbers, f"{notebook.stem}: no numbered figure"
        assert numbers == [f"{chapter}.{i}" for i in range(1, len(numbers) + 1)], (
            f"{notebook.stem}: figures numbered {numbers}, expected {chapter}.1, {chapter}.2, ...")


def test_the_pdf_holds_every_chapter_and_cuts_nothing_off() -> None:
    import pypdf

    from lessons_lib.tooling import pdf

    if not PDF.is_file():
        pytest.fail(f"no PDF at {PDF}: run `make pdf` first")
    reader = pypdf.PdfReader(PDF)

    def titles(items):
        for item in items:
            yield from titles(item) if isinstance(item, list) else [item.title]

    # Every chapter is in the outline, numbered, in the book's order ("7. Backpropagation ...").
    chapter_title = re.compile(r"(\d+)\. (?:\1\. )?\D")  # Chromium may repeat the number
    numbers = [int(m[1]) for t in titles(reader.outline) if (m := chapter_title.match(t))]
    numbers = [n for i, n in enumerate(numbers) if n not in numbers[:i]]
    print(f"{PDF}: {len(reader.pages)} pages; chapters in the outline: {numbers}")
    assert numbers == [int(n.stem[:2]) for n in CHAPTERS], numbers
    # A chapter is several pages of A4 at least; a PDF of a page per chapter lost its content.
    assert len(reader.pages) >= 5 * len(CHAPTERS), len(reader.pages)
    text = reader.pages[len(reader.pages) // 2].extract_text()
    assert len(text) > 500, f"the middle page holds {len(text)} characters of text"
    # Nothing is cut off at the right margin: measured again on the page that was printed.
    with open_page(SINGLE_PAGE, pdf.single_page(SINGLE_PAGE),
                   viewport={"width": pdf.COLUMN_PX, "height": 1000}) as page:
        cut_off = pdf.lay_out(page)
    assert cut_off == [], "cut off at the right margin:\n" + "\n".join(cut_off)
