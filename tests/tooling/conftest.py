"""What the tooling tests share: the book's chapters and index, and stand-in glued values."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessons_lib.tooling import colab_edition

ROOT = Path(__file__).resolve().parents[2]


# The unit tests run before the chapters are executed; they check the editions' structure,
# while `make colab` checks them with the values of the real run.
AnyGluedValue = colab_edition.PlaceholderValues


@pytest.fixture(scope="session")
def book_index() -> colab_edition.BookIndex:
    """Titles, figures and addresses of the real book."""
    return colab_edition.book_index(colab_edition.read_book(ROOT / "book"), ROOT / "_config.yml")
