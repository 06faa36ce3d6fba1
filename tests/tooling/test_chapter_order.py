"""The notebooks stage hands chapters to its workers last first, each chapter's cells in order."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from lessons_lib.tooling.chapter_order import last_chapter_first


def test_chapters_come_last_first_with_their_cells_in_order() -> None:
    cells = [SimpleNamespace(path=Path(f"book/{chapter}.ipynb"), name=f"{chapter}::{cell}")
             for chapter in ("01_a", "02_b", "10_c") for cell in range(3)]
    ordered = [item.name for item in last_chapter_first(cells)]
    assert ordered == ["10_c::0", "10_c::1", "10_c::2", "02_b::0", "02_b::1", "02_b::2",
                       "01_a::0", "01_a::1", "01_a::2"]
    assert last_chapter_first([]) == []
