"""The Colab edition: MyST turned into plain Markdown, hidden cells folded, nothing left over.

The real chapters are converted with stand-in values (they are not executed yet when the unit
tests run); ``make colab`` converts them with the book's own values and runs them. A small
fake chapter checks each rule, and that the scan catches what a broken conversion leaves.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, AnyGluedValue

from lessons_lib.tooling import colab_edition, notebooks

NOTEBOOKS = notebooks.chapter_notebooks(ROOT / "book")
md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_chapter_converts_without_myst_or_visible_checks(
        path: Path, book_index: colab_edition.BookIndex) -> None:
    nb = nbformat.read(path, as_version=4)
    edition = colab_edition.colab_notebook(nb, path.stem, book_index, AnyGluedValue())
    assert colab_edition.myst_left(edition) == []
    hidden = [c for c in nb.cells if {"remove-cell", "remove-input"} & set(
        c.metadata.get("tags", []))]
    folded = [c for c in edition.cells if c.metadata.get("cellView") == "form"]
    assert len(folded) >= len(hidden), "every cell the book hides is folded"
    figures = colab_edition.chapter_figures(nb, path.stem)
    captions = [c for c in edition.cells if c.cell_type == "markdown"
                and c.source.startswith("**Figure ")]
    assert len(captions) == len(figures)
    assert all(not c.get("outputs") for c in edition.cells if c.cell_type == "code")


def test_every_figure_and_chapter_of_the_book_is_indexed(
        book_index: colab_edition.BookIndex) -> None:
    assert set(book_index.titles) == {p.stem for p in NOTEBOOKS}
    assert book_index.figures["fig-forecast-mae"].number.startswith("9.")
    assert book_index.notebook_url("07_bptt") == (
        "https://colab.research.google.com/github/rnn-course/rnn-book/blob/colab/book/"
        "07_bptt.ipynb")


# --- one fake chapter, every rule -----------------------------------------------------------


def fake_book() -> dict[str, nbformat.NotebookNode]:
    figure = {"mystnb": {"figure": {"name": "fig-fake", "caption": "A line; see {doc}`01_a`."}}}
    first = nbformat.v4.new_notebook(cells=[
        md("# The first\n\nText."),
        code("plot()", metadata={"mystnb": {"figure": {"name": "fig-first", "caption": "One."}}}),
    ])
    second = nbformat.v4.new_notebook(cells=[
        md("# The second\n\nWhat you will learn."),
        code("# setup", metadata={"tags": ["colab-setup", "remove-cell"]}),
        code("accuracy = 0.86291\nglue('acc', accuracy)"),
        code("assert accuracy > 0.8", metadata={"tags": ["remove-cell"]}),
        code("draw()", metadata=figure),
        md("Accuracy {glue:text}`acc:.1%`, best {glue:md}`kind`, words {glue:text}`n`; see "
           "{numref}`fig-fake`, {numref}`fig-first` and {doc}`the first chapter <01_a>`."),
        md("```{exercise-start} Square it\n:label: ex-square\n```\nSquare a number."),
        code("def square(x):\n    # YOUR CODE HERE\n    raise NotImplementedError"),
        md("```{exercise-end}\n```"),
        md("```{solution-start} ex-square\n:class: dropdown\n```\nMultiply:"),
        code("def square(x):\n    return x * x"),
        md("```{solution-end}\n```"),
        code('check("ex-square", square)'),
        md("On this page, use the rocket menu.", metadata={"tags": ["book-only"]}),
    ])
    return {"01_a": first, "02_b": second}


VALUES = {"acc": {"text/plain": "0.86291"}, "kind": {"text/plain": "'lstm'",
                                                     "text/markdown": "`lstm`"},
          "n": {"text/plain": "'1,234'"}}


def fake_index() -> colab_edition.BookIndex:
    book = fake_book()
    index = colab_edition.BookIndex(repository_url="https://github.com/me/fork", branch="nb")
    for chapter, nb in book.items():
        index.titles[chapter] = colab_edition.chapter_title(nb, chapter)
        index.figures |= colab_edition.chapter_figures(nb, chapter)
    return index


def convert() -> nbformat.NotebookNode:
    return colab_edition.colab_notebook(fake_book()["02_b"], "02_b", fake_index(), VALUES)


def test_roles_become_plain_markdown_with_the_books_values() -> None:
    text = "\n".join(c.source for c in convert().cells if c.cell_type == "markdown")
    link = "https://colab.research.google.com/github/me/fork/blob/nb/book/01_a.ipynb"
    assert "Accuracy 86.3%†, best `lstm`†, words 1,234†" in text
    assert "see Figure 2.1, " in text  # a figure of this chapter: no link
    assert f"[Figure 1.1]({link})" in text  # another chapter's figure: a link there
    assert f"[the first chapter]({link})" in text
    assert f"**Figure 2.1.** A line; see [The first]({link})." in text
    assert "### Exercise: Square it (`ex-square`)" in text and "#### Solution" in text
    assert "Multiply:" in text and "{" not in text.replace("{glue", "")


def test_hidden_cells_setup_and_solutions_are_folded_and_checks_stay_open() -> None:
    cells = {c.source.split("\n", 1)[-1]: c for c in convert().cells if c.cell_type == "code"}
    claim = colab_edition.soft_claims("assert accuracy > 0.8")
    for body in ("# setup", claim, "def square(x):\n    return x * x"):
        cell = cells[body]
        assert cell.source.startswith("#@title ") and cell.metadata["cellView"] == "form"
        assert cell.metadata["jupyter"]["source_hidden"] is True
        assert "remove-cell" not in cell.metadata.get("tags", [])
    assert cells["# setup"].source.startswith("#@title Setup")
    assert "claims hold" in cells[claim].source.splitlines()[0]
    stub = next(c for c in convert().cells if "YOUR CODE HERE" in c.source)
    check = next(c for c in convert().cells if c.source.startswith("check("))
    assert "cellView" not in stub.metadata and "cellView" not in check.metadata


def test_the_check_comes_before_the_solution_so_the_readers_answer_is_checked() -> None:
    cells = convert().cells
    order = [i for i, c in enumerate(cells) if "YOUR CODE HERE" in c.source
             or c.source.startswith("check(") or c.source == "#### Solution"
             or "Multiply:" in c.source or "return x * x" in c.source]
    kinds = [cells[i].source.splitlines()[0][:20] for i in order]
    assert kinds == ["def square(x):", 'check("ex-square", s', "#### Solution",
                     "<details>", "#@title Our solution"], kinds
    assert order == list(range(order[0], order[0] + 5)), "the five cells are adjacent"
    assert "Multiply:" in cells[order[3]].source and "</details>" in cells[order[3]].source


def test_book_only_text_is_left_out_and_the_title_is_numbered() -> None:
    edition = convert()
    assert not any("rocket menu" in c.source for c in edition.cells)
    assert edition.cells[0].source.startswith("# Chapter 2. The second\n")


@pytest.mark.parametrize(("source", "title"), [
    ("assert a\nfor t in x:\n    assert t > 0 and not t.bad", "Check that the text's claims"),
    ("y = f(x)\nassert y", "Compute and check"),
    ('glue("a", 1, display=False)', "Compute values the text quotes"),
    ("import tensorflow as tf", "Imports"),
    ('print(f"computed in {s:.0f} s")', "Code the book runs out of sight"),
])
def test_a_folded_cell_is_titled_by_what_it_does(source: str, title: str) -> None:
    assert colab_edition.hidden_title(source).startswith(title)


def test_the_book_is_untouched_and_the_edition_is_marked() -> None:
    book = fake_book()["02_b"]
    before = nbformat.writes(book)
    edition = colab_edition.colab_notebook(book, "02_b", fake_index(), VALUES)
    assert nbformat.writes(book) == before
    assert "Colab edition" in edition.cells[1].source and "†" in edition.cells[1].source
    assert edition.metadata["lessons"]["edition"] == "colab"
    assert edition.metadata["colab"]["name"] == "02_b.ipynb"
    nbformat.validate(edition)


@pytest.mark.parametrize(("text", "error"), [
    ("{glue:text}`missing`", "glued no value named 'missing'"),
    ("{numref}`fig-nowhere`", "names no figure"),
    ("{doc}`99_nowhere`", "names no chapter"),
    ("{ref}`somewhere`", "has no plain form"),
])
def test_what_cannot_be_converted_is_a_clear_error(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        colab_edition.plain_roles(text, "02_b", fake_index(), VALUES)


def test_the_scan_catches_leftover_myst_and_shown_checks() -> None:
    nb = nbformat.v4.new_notebook(cells=[
        md("Still {glue:text}`acc` here."),
        md(":::{admonition} Note\nText\n:::"),
        code("assert 1 + 1 == 2"),
        code("x = 1", metadata={"tags": ["remove-cell"]}),
    ])
    problems = " ".join(colab_edition.myst_left(nb))
    assert "role '{glue:text}`acc`'" in problems and "directive ':::{admonition}'" in problems
    assert "an assert is shown" in problems and "a cell the book hides is shown" in problems
    assert colab_edition.myst_left(convert()) == []


def test_a_claim_the_readers_run_does_not_bear_out_is_reported_not_raised(
        capsys: pytest.CaptureFixture) -> None:
    source = ("gap = 0.03\nfor seed in [0]:\n    assert gap > 0.05, gap  # the prose says so\n"
              "assert gap < 1 and \\\n    seed == 0\nafter = gap * 2")
    soft = colab_edition.soft_claims(source)
    assert "assert" not in soft and "# the prose says so" not in soft
    namespace: dict = {}
    exec(soft, namespace)  # noqa: S102 - the rewritten cell
    out = capsys.readouterr().out
    assert out.count(colab_edition.CLAIM_DIFFERS) == 1 and "gap > 0.05 is false" in out
    assert namespace["after"] == 0.06, "the cell goes on after a claim that differs"
    with pytest.raises(AssertionError):
        exec(source, {})  # noqa: S102 - the book's own cell still stops


@pytest.mark.parametrize(("plain", "spec", "shown"), [
    ("0.86291", ".1%", "86.3%"), ("0.86291", ".3f", "0.863"), ("'1,234'", "", "1,234"),
    ("12.0", ".0f", "12"), ("'lstm'", "s", "lstm"),
])
def test_values_are_formatted_as_myst_nb_formats_them(plain: str, spec: str, shown: str) -> None:
    assert colab_edition.format_value(plain, spec) == shown


def test_a_chapter_missing_from_the_cache_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "02_b.ipynb"
    nbformat.write(fake_book()["02_b"], path)
    with pytest.raises(ValueError, match="no current executed copy.*make notebooks"):
        colab_edition.chapter_values(nbformat.read(path, as_version=4), path,
                                     tmp_path / "no-cache")
    nb = fake_book()["01_a"]  # quotes no value: needs no executed copy
    assert colab_edition.chapter_values(nb, tmp_path / "01_a.ipynb", tmp_path / "none") == {}
