"""The book's HTML fixes (_ext/book_html.py): the Colab button opens the Colab edition."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

from conftest import ROOT

spec = importlib.util.spec_from_file_location("book_html", ROOT / "_ext" / "book_html.py")
book_html = importlib.util.module_from_spec(spec)
spec.loader.exec_module(book_html)


def launch_context() -> dict:
    base = "https://colab.research.google.com/github/me/rnn-book/blob/main/book/07_bptt.ipynb"
    binder = "https://mybinder.org/v2/gh/me/rnn-book/main?urlpath=lab/tree/book/07_bptt.ipynb"
    return {"header_buttons": [
        {"type": "link", "url": "https://github.com/me/rnn-book"},
        {"type": "group", "label": "launch-buttons", "buttons": [
            {"type": "link", "text": "Binder", "url": binder},
            {"type": "link", "text": "Colab", "url": base},
        ]},
    ]}


def test_the_colab_button_opens_the_chapter_on_the_edition_branch() -> None:
    app = SimpleNamespace(config=SimpleNamespace(lessons_colab_branch="colab"))
    context = launch_context()
    book_html.colab_edition_button(app, "book/07_bptt", "page.html", context, None)
    binder, colab = context["header_buttons"][1]["buttons"]
    assert colab["url"] == ("https://colab.research.google.com/github/me/rnn-book/blob/colab/"
                            "book/07_bptt.ipynb")
    assert binder == launch_context()["header_buttons"][1]["buttons"][0]  # Binder unchanged
    assert context["header_buttons"][0] == launch_context()["header_buttons"][0]
