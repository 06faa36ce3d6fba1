"""Write the Colab setup cell into every chapter, from the repository set in ``_config.yml``.

A chapter opened alone in Colab cannot import ``lessons_lib``: Colab has TensorFlow, Keras,
numpy and matplotlib, but not the course's own helpers. So every chapter's first code cell
installs them, and only when they are missing; when the install fails it stops with one
sentence naming the address to check. On Binder, on a reader's machine and in the book's
build they are installed already and the cell installs nothing (on Binder it reminds the
reader to shut down a chapter's kernel before opening the next). It never touches
TensorFlow: ``lessons_lib`` is installed without dependencies (its one dependency, numpy,
ships with Colab), and nothing in Colab's package list (``colab_runtime.txt``) is installed.

The address the cell installs from is read from ``_config.yml`` (``repository.url`` and
``repository.branch``), the one place a fork sets it. Run

    python -m lessons_lib.tooling.setup_cells           # rewrite the cells of book/*.ipynb
    python -m lessons_lib.tooling.setup_cells --check   # exit 1 when a cell is missing or stale

after changing the repository or adding a chapter. The cell carries the tags ``colab-setup``
(how this tool finds it again) and ``remove-cell`` (the rendered book leaves it out). The tool
also records the chapter id in the notebook's metadata (``metadata.lessons.chapter``), so that
a renamed copy of a chapter is still graded against the right exercises.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import nbformat
import yaml

from lessons_lib.tooling.dependencies import third_party_imports
from lessons_lib.tooling.notebooks import chapter_notebooks, write_notebook

SETUP_TAG = "colab-setup"
SETUP_TAGS = [SETUP_TAG, "remove-cell"]
SETUP_CELL_ID = "colab-setup"
# The packages Colab ships, at Colab's versions (one file, shared with the Colab-environment
# test): the setup cell never installs these (above all TensorFlow, whose reinstall would take
# minutes and could break Colab's GPU build).
COLAB_RUNTIME = Path(__file__).with_name("colab_runtime.txt")
# How much memory (GB) Binder gives a session, for the setup cell's reminder.
BINDER_MEMORY_GB = 2
# The setup cell's line for maintainers (the Colab edition leaves it out).
WRITTEN_BY = "# Written by `python -m lessons_lib.tooling.setup_cells` from _config.yml"


def colab_runtime(path: Path = COLAB_RUNTIME) -> dict[str, str]:
    """Colab's packages as pinned in ``colab_runtime.txt``: normalised name -> ``name==version``."""
    return pinned_requirements(path)


def repository(config_path: Path | str = "_config.yml") -> tuple[str, str]:
    """The repository's ``(url, branch)`` as set in ``_config.yml``."""
    config_path = Path(config_path)
    if not config_path.is_file():
        raise ValueError(f"expected the book's configuration at {config_path}, found no file")
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    repo = config.get("repository") or {}
    url = str(repo.get("url") or "").strip().rstrip("/")
    if not re.match(r"^https?://\S+$", url):
        raise ValueError(
            f"expected repository.url in {config_path} to be an https address, got {url!r}"
        )
    branch = str(repo.get("branch") or "main").strip()
    return url.removesuffix(".git"), branch


def install_spec(url: str, branch: str) -> str:
    """The pip requirement that installs ``lessons_lib`` from the repository's branch."""
    return f"lessons_lib @ git+{url}.git@{branch}"


def pinned_requirements(requirements: Path | str = "requirements.txt") -> dict[str, str]:
    """Map each distribution pinned in ``requirements`` (lower case) to its requirement line."""
    path = Path(requirements)
    pins: dict[str, str] = {}
    if not path.is_file():
        return pins
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        match = re.match(r"^([A-Za-z0-9_.\-]+)\s*(?:[=<>!~].*)?$", line)
        if match:
            pins[_normal(match.group(1))] = line
    return pins


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def colab_extras(nb: nbformat.NotebookNode, pins: dict[str, str],
                 path: Path | str = "chapter.ipynb") -> list[tuple[str, str]]:
    """``(module, requirement)`` for every package the chapter needs that Colab may lack.

    These are the third-party modules the chapter imports, directly or through
    ``lessons_lib`` (``dependencies.third_party_imports``), whose distribution is pinned in
    ``requirements.txt`` and is not in Colab's runtime (``colab_runtime.txt``).
    """
    distributions = importlib.metadata.packages_distributions()
    preinstalled = set(colab_runtime()) | {"lessons_lib"}
    extras: dict[str, str] = {}
    for top in sorted(third_party_imports(nb, path)):
        for dist in distributions.get(top, []):
            key = _normal(dist)
            if key in pins and key not in preinstalled:
                extras[top] = pins[key]
    return sorted(extras.items())


def setup_source(url: str, branch: str, extras: Sequence[tuple[str, str]] = ()) -> str:
    """The source of the setup cell for a chapter needing ``extras`` beyond Colab's packages.

    pip runs as a subprocess of the kernel's own Python (what ``%pip`` does, without its
    advice to restart the kernel, which is not needed here). After installing, the cell checks
    that ``lessons_lib`` can now be found, and stops with one sentence naming the address when
    it cannot (a mistyped fork, a private repository, no network), followed by pip's last
    word, instead of leaving a ``ModuleNotFoundError`` to the next cell. On Binder it reminds
    the reader that open kernels share the session's memory.
    """
    lines = [
        "# Colab setup: installs the course's helpers (lessons_lib) when they are missing.",
        "# Where they are installed already (Binder, the book's build, a machine set up with",
        "# requirements.txt) it installs nothing.",
        f"{WRITTEN_BY}: do not edit.",
        "import importlib",
        "import importlib.util",
        "import os",
        "import subprocess",
        "import sys",
        "",
        'if importlib.util.find_spec("lessons_lib") is None:',
        '    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",',
        f'                          "{install_spec(url, branch)}"],',
        "                         capture_output=True, text=True)",
        "    importlib.invalidate_caches()",
        '    if importlib.util.find_spec("lessons_lib") is None:',
        '        said = (pip.stderr.strip().splitlines() or ["nothing"])[-1]',
        "        raise ModuleNotFoundError(",
        '            "Could not install the course\'s helpers (lessons_lib) from "',
        f'            "{url} (branch {branch}): check that this address and "',
        '            "branch exist and are public and that this session can reach the "',
        '            f"internet, then run this cell again. (pip said: {said})")',
    ]
    for module, requirement in extras:
        lines += [f'if importlib.util.find_spec("{module}") is None:',
                  '    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",',
                  f'                    "{requirement}"], check=True)']
    lines += [
        'if os.environ.get("BINDER_LAUNCH_HOST"):',
        f'    print("On Binder, the kernels of all open chapters share {BINDER_MEMORY_GB} GB of "',
        '          "memory: before you open the next chapter, shut this one\'s kernel down "',
        '          "(Kernel > Shut Down Kernel).")',
    ]
    return "\n".join(lines)


def setup_cell(source: str) -> nbformat.NotebookNode:
    """A fresh setup cell holding ``source``, tagged so the tool and the book recognise it."""
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(SETUP_TAGS)})
    cell.id = SETUP_CELL_ID
    return cell


def is_setup_cell(cell: nbformat.NotebookNode) -> bool:
    """Whether ``cell`` is a setup cell written by this tool."""
    return cell.cell_type == "code" and SETUP_TAG in cell.metadata.get("tags", [])


def apply_setup(nb: nbformat.NotebookNode, chapter: str, source: str) -> bool:
    """Put the setup cell before the chapter's first code cell; return whether ``nb`` changed.

    Old setup cells are removed first, so the tool can be run again and again.
    """
    before = nbformat.writes(nb)
    if nb.nbformat_minor < 5:  # cell ids (which the setup cell has) came with nbformat 4.5
        nb.nbformat_minor = 5
        for index, cell in enumerate(nb.cells):
            cell.setdefault("id", f"cell-{index}")
    nb.cells = [cell for cell in nb.cells if not is_setup_cell(cell)]
    first_code = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    nb.cells.insert(first_code, setup_cell(source))
    nb.metadata.setdefault("lessons", {})["chapter"] = chapter
    return nbformat.writes(nb) != before


def update(paths: list[Path], config: Path, requirements: Path, check: bool) -> list[Path]:
    """Rewrite (or with ``check``, only compare) the setup cells; return the stale notebooks."""
    url, branch = repository(config)
    pins = pinned_requirements(requirements)
    stale = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        source = setup_source(url, branch, colab_extras(nb, pins, path))
        if apply_setup(nb, path.stem, source):
            stale.append(path)
            if not check:
                write_notebook(nb, path)
    return stale


def main(argv: list[str] | None = None) -> int:
    """Command line: write the setup cells, or with ``--check`` report the stale ones."""
    parser = argparse.ArgumentParser(prog="python -m lessons_lib.tooling.setup_cells",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to update (default: every book/*.ipynb)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a setup cell is missing or stale")
    parser.add_argument("--config", type=Path, default=Path("_config.yml"))
    parser.add_argument("--requirements", type=Path, default=Path("requirements.txt"))
    parser.add_argument("--book", type=Path, default=Path("book"))
    args = parser.parse_args(argv)
    try:
        paths = args.notebooks or chapter_notebooks(args.book)
        stale = update(paths, args.config, args.requirements, args.check)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in stale:
        print(f"{'stale setup cell' if args.check else 'updated'}: {path}")
    if args.check and stale:
        print("run `python -m lessons_lib.tooling.setup_cells` to rewrite them", file=sys.stderr)
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
