"""The Makefile's promises: what `make test` needs is checked first, in one line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def test_a_missing_chromium_is_one_line_before_any_work(tmp_path: Path) -> None:
    result = subprocess.run(["make", "-s", "preflight", f"CHROMIUM={tmp_path / 'nothing'}"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("make test: Chromium not found")
    assert "apt-get install chromium" in lines[0] and "CHROMIUM=" in lines[0]
    assert not (tmp_path / "nothing").exists()


def test_preflight_comes_first_and_book_needs_no_system_program() -> None:
    makefile = (ROOT / "Makefile").read_text()
    test_line = next(line for line in makefile.splitlines() if line.startswith("test:"))
    assert test_line.split()[1] == "preflight"
    book_rule = makefile.split("\nbook:")[1].split("\n\n")[0]
    assert "CHROMIUM" not in book_rule and "preflight" not in book_rule


def test_chapters_run_with_only_the_virtual_environment_on_the_path() -> None:
    """So no chapter can use a system program such as Graphviz's dot unnoticed."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nnotebooks:")[1].split("\n\n")[0]
    assert 'PATH="$(abspath $(BIN))" $(BIN)/python -m pytest --nbval-lax' in recipe


def test_the_book_cache_is_where_the_build_reads_it() -> None:
    from lessons_lib.tooling.book_cache import cache_path

    makefile = (ROOT / "Makefile").read_text()
    line = next(x for x in makefile.splitlines() if x.startswith("BOOK_CACHE :="))
    assert ROOT / line.split(":=")[1].strip() == cache_path(ROOT / "_config.yml")


def test_the_editions_come_after_the_chapters_they_quote() -> None:
    """The Colab and student editions read the values of the executed chapters."""
    makefile = (ROOT / "Makefile").read_text()
    stages = next(line for line in makefile.splitlines() if line.startswith("test:")).split()[1:]
    assert stages.index("notebooks") < stages.index("editions") < stages.index("colab")
