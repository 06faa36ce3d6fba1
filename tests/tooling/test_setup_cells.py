"""The Colab setup cell: derived from _config.yml, placed first, rewritten, checked for drift."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from lessons_lib.tooling import setup_cells

CONFIG = """title: A book
repository:
  url: {url}
  path_to_book: .
  branch: {branch}
"""


def write_config(folder: Path, url: str = "https://github.com/someone/rnn-fork",
                 branch: str = "spring") -> Path:
    path = folder / "_config.yml"
    path.write_text(CONFIG.format(url=url, branch=branch))
    return path


def chapter(*code: str) -> nbformat.NotebookNode:
    cells = [nbformat.v4.new_markdown_cell("# Title\n\nWhat you will learn.")]
    cells += [nbformat.v4.new_code_cell(source) for source in code]
    return nbformat.v4.new_notebook(cells=cells)


def run_cell(source: str, lessons_lib_missing: bool, monkeypatch: pytest.MonkeyPatch,
             install_works: bool = True) -> list[list[str]]:
    """Execute the cell, recording the pip commands it runs instead of running them.

    A recorded install of ``lessons_lib`` makes it findable when ``install_works``; a failed
    one says so on stderr, as pip does.
    """
    import importlib.util
    import subprocess

    calls: list[list[str]] = []
    installed = not lessons_lib_missing

    def fake_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
        nonlocal installed
        calls.append(command[1:])
        works = install_works or not any("lessons_lib @" in part for part in command)
        installed = installed or (works and any("lessons_lib @" in part for part in command))
        return subprocess.CompletedProcess(command, 0 if works else 1, "",
                                           "" if works else "ERROR: repository not found")

    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        if name == "lessons_lib" and not installed:
            return None
        return real_find_spec(name)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(subprocess, "run", fake_run)
    exec(TransformerManager().transform_cell(source), {})  # noqa: S102 - the cell under test
    return calls


def test_repository_is_read_from_the_config(tmp_path: Path) -> None:
    path = write_config(tmp_path, url="https://github.com/someone/rnn-fork.git/", branch="dev")
    assert setup_cells.repository(path) == ("https://github.com/someone/rnn-fork", "dev")


@pytest.mark.parametrize("url", ["", "git@github.com:someone/fork.git", "None"])
def test_a_missing_or_odd_url_is_a_clear_error(tmp_path: Path, url: str) -> None:
    with pytest.raises(ValueError, match="expected repository.url"):
        setup_cells.repository(write_config(tmp_path, url=url or "''"))


def test_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected the book's configuration"):
        setup_cells.repository(tmp_path / "_config.yml")


def test_the_cell_installs_only_when_lessons_lib_is_missing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    source = setup_cells.setup_source("https://github.com/someone/fork", "spring")
    assert run_cell(source, lessons_lib_missing=False, monkeypatch=monkeypatch) == []
    calls = run_cell(source, lessons_lib_missing=True, monkeypatch=monkeypatch)
    assert calls == [["-m", "pip", "install", "--quiet", "--no-deps",
                      "lessons_lib @ git+https://github.com/someone/fork.git@spring"]]
    assert "tensorflow" not in source.lower() and "%pip" not in source


def test_a_failed_install_stops_with_one_clear_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    source = setup_cells.setup_source("https://github.com/someone/private-fork", "spring")
    with pytest.raises(ModuleNotFoundError) as caught:
        run_cell(source, lessons_lib_missing=True, monkeypatch=monkeypatch, install_works=False)
    message = str(caught.value)
    sentence, said = message.split(" (pip said: ")
    assert "https://github.com/someone/private-fork (branch spring)" in sentence
    assert "check that this address and branch exist" in sentence
    assert sentence.count(". ") == 0 and said == "ERROR: repository not found)"


def test_a_failed_install_with_real_pip_stops_the_cell(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """pip itself, asked for an address that does not exist, fails; the cell says so."""
    import importlib.util

    address = (tmp_path / "no-such-course").as_uri()
    source = setup_cells.setup_source(address, "main")
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: (
        None if name == "lessons_lib" else real_find_spec(name)))
    with pytest.raises(ModuleNotFoundError,
                       match=re.escape(f"from {address} (branch main)") + r".*pip said: \S"):
        exec(TransformerManager().transform_cell(source), {})  # noqa: S102 - the cell


def test_on_binder_the_cell_says_to_shut_kernels_down(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture) -> None:
    source = setup_cells.setup_source("https://github.com/someone/fork", "spring")
    run_cell(source, lessons_lib_missing=False, monkeypatch=monkeypatch)
    assert capsys.readouterr().out == ""
    monkeypatch.setenv("BINDER_LAUNCH_HOST", "https://mybinder.org/")
    run_cell(source, lessons_lib_missing=False, monkeypatch=monkeypatch)
    assert "shut this one's kernel down" in capsys.readouterr().out


def test_extras_are_the_pinned_packages_colab_lacks(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tensorflow==2.21.0\nvega_datasets==0.9.0  # data\n"
                            "nbval==0.11.0\n-e .\n")
    pins = setup_cells.pinned_requirements(requirements)
    assert pins == {"tensorflow": "tensorflow==2.21.0", "vega_datasets": "vega_datasets==0.9.0",
                    "nbval": "nbval==0.11.0"}
    # Colab ships TensorFlow and vega_datasets (colab_runtime.txt), not nbval.
    assert {"tensorflow", "vega_datasets", "jinja2"} <= set(setup_cells.colab_runtime())
    nb = chapter("import tensorflow as tf\nfrom vega_datasets import data", "import nbval")
    assert setup_cells.colab_extras(nb, pins) == [("nbval", "nbval==0.11.0")]
    assert setup_cells.colab_extras(chapter("import tensorflow"), pins) == []


def test_apply_places_one_cell_before_the_first_code_and_is_idempotent() -> None:
    nb = chapter("x = 1")
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("More words."))
    assert setup_cells.apply_setup(nb, "07_bptt", "print('setup v1')")
    assert [c.cell_type for c in nb.cells] == ["markdown", "markdown", "code", "code"]
    assert setup_cells.is_setup_cell(nb.cells[2]) and nb.cells[3].source == "x = 1"
    assert "remove-cell" in nb.cells[2].metadata["tags"]
    assert nb.metadata["lessons"]["chapter"] == "07_bptt"
    assert not setup_cells.apply_setup(nb, "07_bptt", "print('setup v1')")
    assert setup_cells.apply_setup(nb, "07_bptt", "print('setup v2')")
    setup = [c for c in nb.cells if setup_cells.is_setup_cell(c)]
    assert [c.source for c in setup] == ["print('setup v2')"]


def test_command_writes_then_check_passes_and_catches_drift(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture) -> None:
    config = write_config(tmp_path)
    book = tmp_path / "book"
    book.mkdir()
    for name in ("01_a", "02_b"):
        nbformat.write(chapter("import numpy as np"), book / f"{name}.ipynb")
    args = ["--config", str(config), "--book", str(book),
            "--requirements", str(tmp_path / "requirements.txt")]
    assert setup_cells.main(args + ["--check"]) == 1
    assert setup_cells.main(args) == 0
    assert setup_cells.main(args + ["--check"]) == 0
    nb = nbformat.read(book / "02_b.ipynb", as_version=4)
    assert "git+https://github.com/someone/rnn-fork.git@spring" in nb.cells[1].source
    write_config(tmp_path, url="https://github.com/someone/other")  # a fork moves
    capsys.readouterr()
    assert setup_cells.main(args + ["--check"]) == 1
    assert "01_a.ipynb" in capsys.readouterr().out
