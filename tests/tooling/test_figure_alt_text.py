"""Every figure of the book says what it shows to a reader who cannot see it.

A chapter's figure is a code cell with a caption (``metadata.mystnb.figure.caption``); its alt
text is ``metadata.mystnb.image.alt``, which myst-nb writes into the image's ``alt``. Without
it the image's alt is its file name. The alt text describes what is drawn (axes, lines, what
they do); the caption beside it says what it means. The browser test checks the built pages.
"""

from __future__ import annotations

import nbformat
import pytest
from conftest import ROOT

from lessons_lib.tooling.notebooks import chapter_notebooks

MIN_ALT_CHARACTERS = 40


def figures(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        figure = cell.metadata.get("mystnb", {}).get("figure")
        if cell.cell_type == "code" and figure:
            yield figure, cell.metadata["mystnb"].get("image", {}).get("alt", "")


@pytest.mark.parametrize("path", chapter_notebooks(ROOT / "book"), ids=lambda p: p.stem)
def test_every_figure_has_alt_text_that_says_what_it_shows(path):
    for figure, alt in figures(path):
        name = figure.get("name", figure.get("caption", "")[:40])
        assert len(alt.strip()) >= MIN_ALT_CHARACTERS, (
            f"{path.name}: figure {name!r} has no alt text (mystnb.image.alt), or too short: "
            f"{alt!r}")
        assert alt.strip() != figure.get("caption", "").strip(), (
            f"{path.name}: figure {name!r}: the alt text repeats the caption; describe what "
            f"is drawn instead")
