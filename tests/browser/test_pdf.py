"""``make pdf`` (lessons_lib.tooling.pdf) on the toy book: a PDF that opens, with the book's
headings as its outline, and a block wider than the paper's column is reported as cut off."""

from __future__ import annotations

import shutil
from pathlib import Path

import pypdf
import pytest
import toybook

from lessons_lib.tooling import pdf

ARTICLE_END = "</article>"


@pytest.fixture(scope="module")
def single_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = toybook.write_toy_book(tmp_path_factory.mktemp("toybook"))
    toybook.build_book(root)  # executes the chapter into the cache the single page renders
    return pdf.build_single_page(root)


def outline_titles(reader: pypdf.PdfReader) -> list[str]:
    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield item.title
    return list(walk(reader.outline))


def test_the_toy_book_prints_whole(single_page: Path, tmp_path: Path) -> None:
    printed = pdf.print_book(single_page, tmp_path / "book.pdf")
    assert printed.cut_off == []
    reader = pypdf.PdfReader(printed.pdf)
    assert len(reader.pages) >= 2
    assert outline_titles(reader)[:3] == ["Toy book", "Toy chapter", "Check yourself"]
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Fig. 1" in text and "Return the sum of 0, 1, 2 and 3." in text
    assert "The answer is six." not in text and "Solution to" not in text  # a handout


def test_a_block_wider_than_the_column_is_reported(single_page: Path, tmp_path: Path) -> None:
    html = tmp_path / "html"
    shutil.copytree(single_page, html)
    page = html / pdf.single_page(html)
    wide = ('<table style="width: 2000px"><tr><td>a table wider than any paper</td></tr></table>'
            '<div class="cell_output"><div class="output"><span style="display: inline-block; '
            'width: 1500px">an output whose content cannot wrap</span></div></div>')
    page.write_text(page.read_text().replace(ARTICLE_END, wide + ARTICLE_END))
    printed = pdf.print_book(html, tmp_path / "book.pdf")
    assert [block.split(" ")[0] for block in printed.cut_off] == ["table", "div"], printed.cut_off


def test_a_missing_build_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="build it with build_single_page"):
        pdf.print_book(tmp_path, tmp_path / "book.pdf")
