"""Strip a notebook down to what is committed: sources and tags, no outputs.

``python -m lessons_lib.tooling.strip_outputs book/*.ipynb`` clears every code cell's outputs and
execution count and drops the metadata a Jupyter session adds (timings, scroll state,
widget state), in place. ``--check`` changes nothing and exits with status 1 when a notebook
still carries outputs, so a test can insist that chapters are committed stripped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from lessons_lib.tooling.notebooks import write_notebook

# Cell metadata written by Jupyter front ends, never by an author.
_SESSION_CELL_KEYS = ("execution", "ExecuteTime", "collapsed", "scrolled", "jupyter")
# Notebook metadata written by a session (widget state can be megabytes).
_SESSION_NOTEBOOK_KEYS = ("widgets", "toc", "varInspector")


def strip_notebook(nb: nbformat.NotebookNode) -> bool:
    """Strip outputs and session metadata from ``nb`` in place; return whether it changed."""
    changed = False
    for cell in nb.cells:
        for key in _SESSION_CELL_KEYS:
            if key in cell.metadata:
                # "jupyter" holds source_hidden/outputs_hidden toggles: session state only.
                del cell.metadata[key]
                changed = True
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            cell.outputs = []
            changed = True
        if cell.get("execution_count") is not None:
            cell.execution_count = None
            changed = True
    for key in _SESSION_NOTEBOOK_KEYS:
        if key in nb.metadata:
            del nb.metadata[key]
            changed = True
    return changed


def strip_file(path: Path, check: bool = False) -> bool:
    """Strip the notebook at ``path`` (unless ``check``); return whether it needed stripping."""
    nb = nbformat.read(path, as_version=4)
    changed = strip_notebook(nb)
    if changed and not check:
        write_notebook(nb, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Command line: strip the given notebooks, or with ``--check`` report unstripped ones."""
    parser = argparse.ArgumentParser(prog="python -m lessons_lib.tooling.strip_outputs",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a notebook has outputs")
    args = parser.parse_args(argv)
    dirty = [p for p in args.notebooks if strip_file(p, check=args.check)]
    for path in dirty:
        print(f"{'has outputs' if args.check else 'stripped'}: {path}")
    return 1 if (args.check and dirty) else 0


if __name__ == "__main__":
    sys.exit(main())
