"""The Colab-environment test's own parts: import coverage, the local repository, the report.

Running the chapters there is ``make colab``'s job; these check the pieces it relies on, and
that the coverage check catches a chapter importing what Colab lacks.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
from conftest import ROOT

from lessons_lib.tooling import colab_env, setup_cells

code = nbformat.v4.new_code_cell


def test_the_runtime_file_names_colabs_python_and_pins_its_packages() -> None:
    assert colab_env.colab_python_version() == "3.13"
    runtime = setup_cells.colab_runtime()
    assert runtime["tensorflow"].startswith("tensorflow==")
    assert all("==" in line for line in runtime.values())
    assert not {"jupyter_book", "myst_nb", "lessons_lib"} & set(runtime)


def test_imports_guarded_by_import_error_are_optional() -> None:
    source = ("try:\n    from myst_nb import glue\nexcept ImportError:\n    glue = None\n"
              "try:\n    import yaml\nexcept (ValueError, ModuleNotFoundError):\n    pass\n"
              "try:\n    import pandas\nexcept KeyError:\n    pass\nimport numpy\n")
    assert colab_env.optional_imports(source) == {"myst_nb", "yaml"}


def test_coverage_catches_what_neither_colab_nor_the_setup_cell_has(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[
        code("import os\nimport numpy as np\nimport jupyter_book\nimport vega_datasets"),
        code("from lessons_lib.glue import glue"),  # myst_nb, optional inside glue
    ])
    path = tmp_path / "03_fake.ipynb"
    owners = {"numpy": ["numpy"]}
    stdlib = set(sys.stdlib_module_names)
    missing = colab_env.uncovered_imports(nb, path, stdlib, owners, {"vega_datasets"})
    assert missing == ["jupyter_book"]


def test_setup_installs_reads_the_modules_the_cell_installs() -> None:
    source = setup_cells.setup_source("https://github.com/me/fork", "main",
                                      [("vega_datasets", "vega_datasets==0.9.0")])
    nb = nbformat.v4.new_notebook(cells=[code(source, metadata={"tags": ["colab-setup"]})])
    assert colab_env.setup_installs(nb) == {"lessons_lib", "vega_datasets"}


def test_find_python_finds_this_interpreters_version_and_not_a_missing_one() -> None:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    found = colab_env.find_python(version)
    assert found is None or colab_env._version_of(found) == version
    assert colab_env.find_python("2.1") is None


def test_the_local_repository_holds_the_package_on_the_branch(tmp_path: Path) -> None:
    url = colab_env.local_repository(ROOT, tmp_path, branch="spring")
    repo = Path(url.removeprefix("file://") + ".git")
    files = subprocess.run(["git", "-C", str(repo), "ls-tree", "-r", "--name-only", "spring"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert "pyproject.toml" in files and "lessons_lib/tooling/colab_runtime.txt" in files
    assert not any("__pycache__" in f for f in files)
    spec = setup_cells.install_spec(url, "spring")
    assert spec == f"lessons_lib @ git+{url}.git@spring"


def test_the_report_says_which_chapter_failed_and_why() -> None:
    runs = [colab_env.ChapterRun("01_a", 12.3, 456.0, "completed"),
            colab_env.ChapterRun("02_b", 3.0, 100.0, "completed",
                                 ["cell 4: NameError: name 'glue' is not defined"]),
            colab_env.ChapterRun("03_c", 5.0, 100.0, "completed", [],
                                 ["cell 7: gap > 0.05"])]
    table = colab_env.format_table(runs)
    assert runs[0].passed and not runs[1].passed
    assert "01_a" in table and "passed" in table.splitlines()[1]
    assert "FAILED: cell 4: NameError" in table.splitlines()[2]
    assert runs[2].passed and "claims differ here: cell 7: gap > 0.05" in table


def test_chapters_start_longest_first_and_report_in_book_order(tmp_path: Path,
                                                                monkeypatch) -> None:
    started = []

    def fake_run(path: Path, env_python: str, work: Path) -> colab_env.ChapterRun:
        started.append(path.stem)
        return colab_env.ChapterRun(path.stem)

    monkeypatch.setattr(colab_env, "run_chapter", fake_run)
    edition = [tmp_path / f"{name}.ipynb" for name in ("01_a", "02_b", "03_c", "04_d")]
    runs = colab_env.run_edition(edition, sys.executable, tmp_path, jobs=1,
                                 expected_seconds={"02_b": 5.0, "03_c": 60.0, "01_a": 99.0})
    # the first chapter alone (it installs the package), then the rest longest first; a
    # chapter with no measured time keeps its place after those with one
    assert started == ["01_a", "03_c", "02_b", "04_d"]
    assert [run.chapter for run in runs] == ["01_a", "02_b", "03_c", "04_d"]
