"""The built book, page by page, in headless Chromium: what a reader sees must work.

Runs under ``make browser`` (after ``make book``), which sets ``LESSONS_BROWSER=1``; in a plain
``pytest tests`` run it is skipped, so the unit tests do not depend on a built book. The book is
read from ``LESSONS_BOOK_HTML`` (default ``_build/html``). A screenshot of every page is saved
under ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import checker
import pytest

from lessons_lib.tooling.browser import launch, offline_context, serve

REPO = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("LESSONS_BOOK_HTML", REPO / "_build" / "html"))
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
    from playwright.sync_api import sync_playwright

    with serve(html) as base, sync_playwright() as pw:
        browser = launch(pw)
        page = offline_context(browser, viewport={"width": 1280, "height": 900}).new_page()
        page.goto(base + "book/01_recurrence.html", wait_until="load")
        yield page
        browser.close()


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
