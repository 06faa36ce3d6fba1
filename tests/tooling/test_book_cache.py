"""nbval fills the book's cache: a chapter that passes is stored as the build would execute it.

``make notebooks`` runs nbval with ``-p lessons_lib.tooling.nbval_cache --book-cache DIR``; the
build then finds each passing chapter cached and current and only renders it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_cache import get_cache

from lessons_lib.tooling import book_cache

md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def chapter(*cells: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(cells=[md("# A chapter"), *(code(c) for c in cells)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def run_nbval(folder: Path, *notebooks: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax",
         "-p", "lessons_lib.tooling.nbval_cache", "--book-cache", str(folder / "cache"),
         *map(str, notebooks)],
        cwd=folder, capture_output=True, text=True, timeout=300)


def test_passing_chapters_are_stored_and_failing_ones_are_not(tmp_path: Path) -> None:
    good = tmp_path / "01_good.ipynb"
    nbformat.write(chapter('print("hello")', "1 + 1",
                           "from IPython.display import display\n"
                           "display({'text/plain': 'shown'}, raw=True)", "x = 3"), good)
    bad = tmp_path / "02_bad.ipynb"
    nbformat.write(chapter("y = 1", "raise ValueError('broken')", "z = 2"), bad)
    result = run_nbval(tmp_path, good, bad)
    assert result.returncode == 1, result.stdout  # the bad chapter fails nbval
    cache = get_cache(str(tmp_path / "cache"))
    source = nbformat.read(good, as_version=4)
    record = cache.match_cache_notebook(source)
    assert book_cache.is_current(cache, source, good)
    assert record.data["execution_seconds"] > 0
    _, executed = cache.merge_match_into_notebook(source)
    outputs = [c.outputs for c in executed.cells if c.cell_type == "code"]
    assert outputs[0][0]["text"] == "hello\n"
    assert outputs[1][0]["data"]["text/plain"] == "2"
    assert outputs[2][0]["data"]["text/plain"] == "shown"
    assert outputs[3] == []
    with pytest.raises(KeyError):
        cache.match_cache_notebook(nbformat.read(bad, as_version=4))


def test_a_chapter_with_a_skipped_cell_is_left_to_the_build(tmp_path: Path) -> None:
    path = tmp_path / "03_skip.ipynb"
    nb = chapter("x = 1", "y = 2")
    nb.cells[2].metadata["tags"] = ["nbval-skip"]
    nbformat.write(nb, path)
    result = run_nbval(tmp_path, path)
    assert result.returncode == 0 and "skipped" in result.stdout
    with pytest.raises(KeyError):
        get_cache(str(tmp_path / "cache")).match_cache_notebook(nbformat.read(path, as_version=4))


def test_a_stale_entry_is_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "01_good.ipynb"
    nbformat.write(chapter("x = 1"), path)
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].outputs = []
    cache = get_cache(str(tmp_path / "cache"))
    book_cache.store(cache, nb, path, 1.0, 0)
    assert book_cache.is_current(cache, nb, path)
    monkeypatch.setattr(book_cache, "lessons_digest", lambda nb, path: "another lessons_lib")
    assert not book_cache.is_current(cache, nb, path)  # and removed:
    with pytest.raises(KeyError):
        cache.match_cache_notebook(nb)


def test_execution_seconds_are_read_back_by_chapter(tmp_path: Path) -> None:
    fast, slow = tmp_path / "01_fast.ipynb", tmp_path / "02_slow.ipynb"
    nbformat.write(chapter("x = 1"), fast)
    nbformat.write(chapter("y = 2"), slow)
    notebooks = {p.stem: nbformat.read(p, as_version=4) for p in (fast, slow)}
    assert book_cache.execution_seconds(tmp_path / "cache", notebooks) == {}  # no cache yet
    cache = get_cache(str(tmp_path / "cache"))
    book_cache.store(cache, notebooks["02_slow"], slow, 42.5, 0)
    # a chapter the cache holds no record of is left out, not guessed
    assert book_cache.execution_seconds(tmp_path / "cache", notebooks) == {"02_slow": 42.5}


def test_the_cache_folder_comes_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "_config.yml"
    config.write_text("title: x\n")
    assert book_cache.cache_path(config) == tmp_path / "_build" / ".jupyter_cache"
    config.write_text("execute:\n  cache: elsewhere/jc\n")
    assert book_cache.cache_path(config) == tmp_path / "elsewhere" / "jc"


def _shape(nb: nbformat.NotebookNode) -> list[list[tuple]]:
    """Each code cell's outputs as (type, stream name or mime types, text) - no image bytes."""
    shapes = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for o in cell.outputs:
            if o.output_type == "stream":
                outputs.append(("stream", o.name, o.text))
            else:
                outputs.append((o.output_type, tuple(sorted(o.get("data", {}))),
                                o.get("data", {}).get("text/plain")))
        shapes.append(outputs)
    return shapes


def test_nbval_stores_what_the_build_would_have_executed(tmp_path: Path) -> None:
    """The same outputs as the build's own executor, a trailing ';' included."""
    from jupyter_cache.executors.utils import single_nb_execution

    path = tmp_path / "01_same.ipynb"
    nbformat.write(chapter(
        "import sys\nimport matplotlib\nmatplotlib.use('module://matplotlib_inline.backend_inline')"
        "\nimport matplotlib.pyplot as plt",
        'print("out")\nprint("err", file=sys.stderr)\nprint("more")',
        "41 + 1", "41 + 1;", "fig, ax = plt.subplots()\nax.plot([1, 2]);",
        "from IPython.display import display, Markdown\ndisplay(Markdown('*hi*'))\n'last'",
        "for i in range(3):\n    print(i)"), path)
    assert run_nbval(tmp_path, path).returncode == 0
    cache = get_cache(str(tmp_path / "cache"))
    _, from_nbval = cache.merge_match_into_notebook(nbformat.read(path, as_version=4))
    by_build = nbformat.read(path, as_version=4)
    result = single_nb_execution(by_build, cwd=str(tmp_path), timeout=120, allow_errors=False)
    assert result.err is None
    assert _shape(from_nbval) == _shape(by_build)
    assert _shape(by_build)[3] == []  # the ';' hid the value
