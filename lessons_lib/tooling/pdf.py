"""The whole book as one PDF that an instructor can hand out: ``make pdf``.

Jupyter Book's ``pdfhtml`` builder prints the single-page build with pyppeteer, which
downloads a Chromium of its own; this does the same with the Chromium and Playwright that the
browser test already uses (``lessons_lib.tooling.browser``), offline. ``build_single_page``
renders the book into one page (``singlehtml``, from the execution cache: nothing runs
again), and ``print_book`` prints it on A4 with the book's print stylesheet
(``_ext/static/print.css``: the text column alone, code and outputs wrapped).

Before printing, the page is laid out at the paper's width and every code block, output,
figure, table and formula is measured: one wider than the column would be cut off on paper.
``print_book`` returns those (``PrintedBook.cut_off``) and ``main`` refuses to call such a PDF
done. Solutions are left out (the print stylesheet hides them), so the PDF is a student's handout.

Run: ``python -m lessons_lib.tooling.pdf [--root .] [--out _build/pdf/book.pdf]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from lessons_lib.cache import atomic_write
from lessons_lib.tooling.browser import open_page

PAPER = "A4"
PAPER_WIDTH_MM = 210
MARGIN_MM = 15
# The column's width on paper in CSS pixels (96 per inch): the page is laid out at this width
# before it is measured and printed.
COLUMN_PX = round((PAPER_WIDTH_MM - 2 * MARGIN_MM) / 25.4 * 96)

# On a ready page (``PAGE_READY``): every block that is wider than the column
# (its content overflows its box, or its box overflows the article), and what did not load.
CUT_OFF_PROBE = r"""
() => {
  const article = document.querySelector('article') || document.body;
  const right = article.getBoundingClientRect().right + 1;
  const cut = [];
  for (const img of document.images) {
    if (!img.complete || img.naturalWidth === 0) cut.push(`img did not load: ${img.src}`);
  }
  if (!getComputedStyle(document.body).fontFamily.includes('sans')) {
    cut.push('the theme\'s stylesheets did not load');
  }
  const blocks = article.querySelectorAll(
      'pre, img, svg, table, mjx-container[display="true"], .cell_output > .output');
  for (const el of blocks) {
    if (!el.checkVisibility() || el.parentElement.closest('mjx-container, svg')) continue;
    const box = el.getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + 1 || box.right > right) {
      const section = el.closest('section[id]');
      cut.push(`${el.tagName.toLowerCase()} in #${section ? section.id : '?'}: ` +
               `${Math.round(Math.max(el.scrollWidth, box.width))} px wide, column ` +
               `${Math.round(article.clientWidth)} px: ` +
               el.textContent.trim().slice(0, 60).replace(/\s+/g, ' '));
    }
  }
  return cut;
}
"""


# A display formula or a table output wider than the column is set smaller until it fits, as a
# typesetter would (code wraps instead, by the print stylesheet); never below 60 %.
FIT_TO_COLUMN = r"""
() => {
  for (const el of document.querySelectorAll(
      'mjx-container[display="true"], .cell_output > .output, .cell_output table')) {
    for (let size = 95; el.scrollWidth > el.clientWidth + 1 && size >= 60; size -= 5) {
      el.style.fontSize = size + '%';
    }
  }
}
"""


@dataclass(frozen=True)
class PrintedBook:
    """The PDF written, and the blocks that would be cut off at the right margin (and images
    or stylesheets that did not load, which would be missing from the paper)."""

    pdf: Path
    cut_off: list[str]


def lay_out(page) -> list[str]:
    """Lay the open, ready page out for paper: print media, wide formulas and tables set
    smaller; return what is still wider than the column, or did not load (``CUT_OFF_PROBE``)."""
    page.emulate_media(media="print")
    page.evaluate(FIT_TO_COLUMN)
    return page.evaluate(CUT_OFF_PROBE)


def build_single_page(root: Path) -> Path:
    """Render the book at ``root`` into one HTML page (Jupyter Book's ``singlehtml``, from
    the execution cache, warnings as errors) and return its folder."""
    html_dir = root / "_build" / "singlehtml"
    moved = html_dir / "book.html"  # where an earlier build's page was moved (below)
    moved.unlink(missing_ok=True)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(root), "--builder", "singlehtml", "-W", "-n",
               "--keep-going"]
    result = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
    if result.returncode != 0:
        raise RuntimeError(f"the single-page build failed ({' '.join(command)}):\n"
                           f"{result.stdout[-4000:]}\n{result.stderr[-2000:]}")
    # Sphinx writes the page where the root document is (book/intro.html here) but links its
    # stylesheets and images as if it stood at the top: move it there.
    page = html_dir / single_page(html_dir)
    if page.parent != html_dir:
        page.replace(moved)
    return html_dir


def single_page(html_dir: Path) -> str:
    """The path of the page that holds the whole book, relative to ``html_dir`` (the root
    document's, ``book/intro.html`` for this book; ``index.html`` forwards to it)."""
    pages = [p.relative_to(html_dir).as_posix() for p in sorted(html_dir.rglob("*.html"))
             if not p.relative_to(html_dir).parts[0].startswith("_")
             and 'http-equiv="Refresh"' not in p.read_text(errors="replace")[:300]]
    if len(pages) != 1:
        raise FileNotFoundError(f"expected one single-page build in {html_dir}, found "
                                f"{pages or 'no page'}: build it with build_single_page")
    return pages[0]


def print_book(html_dir: Path, pdf: Path) -> PrintedBook:
    """Print the single-page build in ``html_dir`` to ``pdf`` (A4, page numbers in the
    footer), written atomically; return it with the blocks wider than the column."""
    html_dir = Path(html_dir).resolve()
    name = single_page(html_dir)
    with open_page(html_dir, name, viewport={"width": COLUMN_PX, "height": 1000}) as page:
        cut_off = lay_out(page)
        margin = f"{MARGIN_MM}mm"
        data = page.pdf(format=PAPER, print_background=True, display_header_footer=True,
                        header_template="<span></span>",
                        footer_template='<div style="font-size:8px;width:100%;text-align:'
                                        'center"><span class="pageNumber"></span></div>',
                        margin={"top": margin, "bottom": margin, "left": margin,
                                "right": margin}, outline=True, tagged=True)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(pdf, data)
    return PrintedBook(pdf, cut_off)


def main(argv: list[str] | None = None) -> int:
    """Build the single page, print it; exit 1 when a block would be cut off."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("."), help="the book's root")
    parser.add_argument("--out", type=Path, default=Path("_build/pdf/book.pdf"))
    args = parser.parse_args(argv)
    printed = print_book(build_single_page(args.root.resolve()), args.out)
    print(f"wrote {printed.pdf} ({printed.pdf.stat().st_size / 1e6:.1f} MB)")
    for block in printed.cut_off:
        print(f"cut off at the right margin: {block}", file=sys.stderr)
    return 1 if printed.cut_off else 0


if __name__ == "__main__":
    sys.exit(main())
