"""What the tooling tests share: the book's chapters and index, and stand-in glued values."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from lessons_lib.tooling import colab_edition

ROOT = Path(__file__).resolve().parents[2]


class AnyGluedValue(Mapping[str, dict[str, str]]):
    """Glued values for a chapter that was not executed: every name holds ``1.0``.

    The unit tests run before the chapters are executed; they check the editions' structure,
    while ``make colab`` checks them with the values of the real run.
    """

    def __getitem__(self, name: str) -> dict[str, str]:
        return {"text/plain": "1.0", "text/markdown": "`value`"}

    def __contains__(self, name: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@pytest.fixture(scope="session")
def book_index() -> colab_edition.BookIndex:
    """Titles, figures and addresses of the real book."""
    return colab_edition.book_index(colab_edition.read_book(ROOT / "book"), ROOT / "_config.yml")
